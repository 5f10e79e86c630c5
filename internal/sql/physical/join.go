package physical

import (
	"fmt"
	"math"

	"github.com/sluicehq/sluice/internal/runtime/join"
	"github.com/sluicehq/sluice/internal/runtime/lookup"
	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/runtime/rank"
	"github.com/sluicehq/sluice/internal/runtime/task"
	"github.com/sluicehq/sluice/internal/runtime/temporal"
	"github.com/sluicehq/sluice/internal/sql/plan"
)

// join plans a two-input join: both inputs hash-partitioned on their join
// keys into one vertex (everything into one instance when there are none).
func (p *planner) join(x *plan.Join) (*task.Vertex, error) {
	if x.Strategy == plan.TemporalJoin && x.Left.Mode() == plan.Updates {
		return nil, fmt.Errorf("the probe side of a temporal join must be append-only, but it has update changes (from %s)", producer(x.Left))
	}
	if (x.Strategy == plan.IntervalJoin || x.Strategy == plan.WindowJoin) && (x.Left.Mode() == plan.Updates || x.Right.Mode() == plan.Updates) {
		return nil, fmt.Errorf("%s needs append-only inputs, but an input has update changes (from %s)", x.Strategy, producer(x))
	}
	name := x.Strategy.String()
	par, part := p.opts.Parallelism, task.Hash
	if len(x.LeftKeys) == 0 || x.NullAwareAnti {
		// NOT IN compares every left row with every right key (a NULL
		// on the right rejects all rows): one instance sees them all.
		par, part = 1, task.Global
	}
	to := p.newVertex(name, par)
	for i, in := range []plan.Node{x.Left, x.Right} {
		// The versioned table may be read as an upsert stream (normalize.go),
		// when nothing (a filter) comes between it and the join.
		_, direct := in.(*plan.WatermarkAssigner)
		p.versioned = i == 1 && x.Strategy == plan.TemporalJoin && direct
		v, err := p.node(in)
		p.versioned = false
		if err != nil {
			return nil, err
		}
		keys := x.LeftKeys
		if i == 1 {
			keys = x.RightKeys
		}
		e := &task.Edge{From: v, To: to, Partitioning: part, Keys: keys, Input: i}
		if part == task.Global {
			e.Keys = nil
		}
		v.Output = e
		to.Inputs = append(to.Inputs, e)
	}
	return p.chain(to, x, name, func() (operator.Operator, error) {
		if x.Strategy == plan.TemporalJoin {
			return temporal.New(x)
		}
		return join.New(x)
	}), nil
}

// lookupJoin chains a lookup join after its input; with a FULL cache (set,
// or implied by a LookupFullCacheOnly connector) the input is
// hash-partitioned on the lookup keys, so that each instance holds only its
// shard of the table.
func (p *planner) lookupJoin(x *plan.LookupJoin) (*task.Vertex, error) {
	op, err := lookup.New(x, p.opts.Lookup) // checks the lookup options
	if err != nil {
		return nil, err
	}
	v, err := p.node(x.Input)
	if err != nil {
		return nil, err
	}
	if op.(*lookup.Join).FullCache() && p.opts.Parallelism > 1 {
		v = p.connect(v, task.Hash, x.InputKeys, p.opts.Parallelism, "LookupJoin")
	}
	return p.chain(v, x, "LookupJoin", func() (operator.Operator, error) { return lookup.New(x, p.opts.Lookup) }), nil
}

func (p *planner) rank(x *plan.Rank) (*task.Vertex, error) {
	if x.RankEnd == math.MaxInt64 {
		return nil, fmt.Errorf("the row number '%s' (ROW_NUMBER() OVER ...) has no upper bound, so every row would be kept and re-ranked forever: filter on it (WHERE %s <= N) to keep the top N rows of each partition, or = 1 to deduplicate", x.RankName, x.RankName)
	}
	name := "Rank"
	if x.IsDeduplicate() {
		name = "Deduplicate"
	}
	if x.Window != nil {
		name = "Window" + name
	}
	return p.keyed(x.Input, x.PartitionKeys, x, name, func() (operator.Operator, error) { return rank.New(x) })
}
