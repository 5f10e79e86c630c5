package physical

import (
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/internal/runtime/agg"
	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/runtime/task"
	"github.com/sluicehq/sluice/internal/runtime/window"
	"github.com/sluicehq/sluice/internal/sql/plan"
)

// AggOptions are the aggregation settings of physical planning.
type AggOptions struct {
	// Phase is 'table.optimizer.agg-phase-strategy': "AUTO" (or ""),
	// "ONE_PHASE" or "TWO_PHASE". AUTO is two-phase when mini-batch is
	// enabled, as Flink's.
	Phase string
	// MiniBatch ('table.exec.mini-batch.enabled') with its bundle size in
	// rows and allowed latency.
	MiniBatch        bool
	MiniBatchSize    int
	MiniBatchLatency time.Duration
}

func (o AggOptions) group() agg.GroupOptions {
	if !o.MiniBatch {
		return agg.GroupOptions{}
	}
	return agg.GroupOptions{MiniBatchSize: max(o.MiniBatchSize, 1), MiniBatchLatency: int64(o.MiniBatchLatency)}
}

// twoPhase reports whether the strategy asks for local-global aggregation.
func (o AggOptions) twoPhase() bool {
	switch strings.ToUpper(o.Phase) {
	case "TWO_PHASE":
		return true
	case "ONE_PHASE":
		return false
	}
	return o.MiniBatch
}

// groupAggregate plans a non-windowed GROUP BY: one GroupAggregate after a
// hash exchange, or a LocalGroupAggregate chained before the exchange and a
// GlobalGroupAggregate after it. Two-phase needs an append-only input (the
// partial accumulators merge only then); otherwise the plan is one-phase,
// and under TWO_PHASE EXPLAIN says why.
func (p *planner) groupAggregate(x *plan.Aggregate) (*task.Vertex, error) {
	if x.Input.Mode() == plan.Updates {
		for _, c := range x.Aggs {
			if !c.Kind.Retractable() {
				return nil, fmt.Errorf("%s does not support retraction, but the input of %s is an updating stream (produced by %s); aggregate an append-only input, or use COUNT(DISTINCT ...) instead", c.Kind, x.Describe(), producer(x.Input))
			}
		}
	}
	opts := p.opts.Agg
	if !opts.twoPhase() || x.Input.Mode() == plan.Updates {
		v, err := p.keyed(x.Input, x.Keys, x, "GroupAggregate", func() (operator.Operator, error) {
			return agg.NewGroupAggregateWith(x, opts.group()), nil
		})
		if err == nil && x.Input.Mode() == plan.Updates && strings.EqualFold(opts.Phase, "TWO_PHASE") {
			op := &v.Ops[len(v.Ops)-1]
			op.Describe = strings.TrimSuffix(op.Describe, ")") + ", twoPhase=[off: the input is updating, partial accumulators cannot take retractions])"
		}
		return v, err
	}
	v, err := p.node(x.Input)
	if err != nil {
		return nil, err
	}
	// The local keeps no state; with mini-batch it buffers across batches
	// and needs PrepareSnapshot, which only operators with a UID get.
	var uid uint64
	if opts.MiniBatch {
		uid = p.uidOf("local " + plan.StateDigest(x))
	}
	describe := "Local" + x.Describe()
	v.Ops = append(v.Ops, task.OpSpec{Name: fmt.Sprintf("LocalGroupAggregate[%d]", v.ID), UID: uid, Describe: describe, Mode: plan.AppendOnly,
		New: func() (operator.Operator, error) { return agg.NewLocalGroupAggregate(x, opts.group()), nil }})
	v.Schema, v.Mode = agg.LocalSchema(x), plan.AppendOnly
	keys := allColumns(len(x.Keys))
	var to *task.Vertex
	if len(keys) == 0 {
		to = p.connect(v, task.Global, nil, 1, "GlobalGroupAggregate")
	} else {
		to = p.connect(v, task.Hash, keys, p.opts.Parallelism, "GlobalGroupAggregate")
	}
	global := opts.group()
	global.Global = true
	to = p.chain(to, x, "GlobalGroupAggregate", func() (operator.Operator, error) { return agg.NewGroupAggregateWith(x, global), nil })
	op := &to.Ops[len(to.Ops)-1]
	op.Describe = "Global" + op.Describe
	return to, nil
}

// windowAggregate plans a window aggregation (one phase: local-global
// window aggregation is not built yet).
func (p *planner) windowAggregate(x *plan.WindowAggregate) (*task.Vertex, error) {
	if x.Input.Mode() == plan.Updates {
		return nil, fmt.Errorf("window aggregation over update changes (produced by %s) is not supported yet; window over an append-only stream", producer(x.Input))
	}
	return p.keyed(x.Input, x.Keys, x, "WindowAggregate", func() (operator.Operator, error) { return window.NewWindowAggregate(x), nil })
}

// uidOf is the UID of the next operator with this state digest (also for
// an operator that has no plan node of its own).
func (p *planner) uidOf(digest string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(digest))
	base := h.Sum64()
	k := p.uids[base]
	p.uids[base] = k + 1
	fmt.Fprintf(h, "#%d", k)
	return h.Sum64() | 1 // never 0
}
