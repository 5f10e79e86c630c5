package physical

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/runtime/lookup"
	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/runtime/task"
	"github.com/sluicehq/sluice/internal/runtime/window"
	"github.com/sluicehq/sluice/internal/sql/plan"
)

// Options control physical planning.
type Options struct {
	Parallelism int
	// Collect receives the rows of a bare SELECT.
	Collect chan<- task.Change
	// Lookup are the async lookup settings of lookup joins.
	Lookup lookup.Async
	// Agg: two-phase and mini-batch aggregation (aggphase.go).
	Agg AggOptions
	// NoSourceReuse plans every scan of a table as a source of its own
	// ('table.optimizer.reuse-source-enabled' = 'false'; reuse.go).
	NoSourceReuse bool
}

type planner struct {
	opts  Options
	graph *task.Graph
	uids  map[uint64]int // digest hash → operators seen with it
	scans map[string]int // table → scans planned so far
	sinks map[string]int // table → sinks planned so far
	// shared maps the uses of tables read once to their group (reuse.go);
	// branches holds branch vertices whose mapping can still be fused.
	shared   map[plan.Node]*sharedScan
	branches map[*task.Vertex]*branchCalc
	// rawSource: the scan being planned is under a watermark assigner,
	// which puts the upsert normalisation after itself (or leaves it out).
	rawSource bool
	// versioned: the node being planned is the versioned table of an
	// event-time temporal join (normalize.go).
	versioned bool
}

// ordinal numbers the n-th use of a table as a source or sink, so two
// scans of one table keep apart in checkpoints.
func ordinal(seen map[string]int, table string) string {
	n := seen[table]
	seen[table] = n + 1
	return fmt.Sprintf("%s#%d", table, n)
}

// Build plans the sinks of one job into a graph.
func Build(sinks []*plan.Sink, opts Options) (*task.Graph, error) {
	if opts.Parallelism < 1 {
		opts.Parallelism = 1
	}
	p := &planner{opts: opts, graph: &task.Graph{}, uids: map[uint64]int{}, scans: map[string]int{}, sinks: map[string]int{},
		branches: map[*task.Vertex]*branchCalc{}}
	if !opts.NoSourceReuse {
		p.shared = findSharedScans(sinks)
	}
	for _, s := range sinks {
		if err := p.sink(s); err != nil {
			return nil, err
		}
	}
	return p.graph, nil
}

func (p *planner) newVertex(name string, par int) *task.Vertex {
	v := &task.Vertex{ID: len(p.graph.Vertices) + 1, Name: name, Parallelism: par}
	p.graph.Vertices = append(p.graph.Vertices, v)
	return v
}

// connect ends v with an exchange into a new vertex of parallelism par.
func (p *planner) connect(v *task.Vertex, part task.Partitioning, keys []int, par int, name string) *task.Vertex {
	if part == task.Forward && v.Parallelism != par {
		part = task.Rebalance
	}
	to := p.newVertex(name, par)
	e := &task.Edge{From: v, To: to, Partitioning: part, Keys: keys}
	v.Output = e
	to.Inputs = append(to.Inputs, e)
	to.Schema, to.Mode = v.Schema, v.Mode
	return to
}

func (p *planner) chain(v *task.Vertex, n plan.Node, name string, mk func() (operator.Operator, error)) *task.Vertex {
	v.Ops = append(v.Ops, task.OpSpec{Name: fmt.Sprintf("%s[%d]", name, v.ID), UID: p.uid(n), New: mk, Describe: n.Describe(), Mode: n.Mode()})
	v.Schema, v.Mode = n.Schema(), n.Mode()
	return v
}

func (p *planner) sink(s *plan.Sink) error {
	v, err := p.node(s.Input)
	if err != nil {
		return err
	}
	if s.Table == nil {
		c := p.connect(v, task.Global, nil, 1, "Collect")
		c.Sink = &task.SinkSpec{Table: "collect", Key: ordinal(p.sinks, "collect"), Collect: p.opts.Collect}
		return nil
	}
	ctx := s.Table.Resolved
	sink, err := s.Table.Connector.NewSink(ctx)
	if err != nil {
		return fmt.Errorf("sink '%s': %w", s.Table.Name, err)
	}
	if s.Input.Mode() == plan.Updates && sink.Accepts() == connector.AppendOnly {
		return fmt.Errorf("table sink '%s' (connector '%s') doesn't support consuming update changes, which are produced by %s; write to a sink that accepts updates (for example 'print', or 'upsert-kafka' with a primary key), or aggregate over windows so results are final",
			s.Table.Name, s.Table.Connector.Name, producer(s.Input))
	}
	if v.Sink != nil || v.Output != nil {
		return fmt.Errorf("internal: vertex %s already has an output", v.Name)
	}
	if par, ok, err := tableParallelism(s.Table, "sink.parallelism"); err != nil {
		return err
	} else if ok && par != v.Parallelism {
		// Every change of a key must reach the same sink instance, in
		// order: as Flink does, hash on the primary key, and refuse
		// updates into several instances without one. (Flink refuses
		// them into one instance too; there a global exchange keeps each
		// key's changes in order, so it is allowed.)
		part, keys := task.Rebalance, []int(nil)
		pk := s.Table.Resolved.PrimaryKey
		switch {
		case par == 1:
			part = task.Global
		case len(pk) > 0:
			part, keys = task.Hash, pk
		case s.Input.Mode() == plan.Updates:
			return fmt.Errorf("the sink for table '%s' has a configured parallelism of %d, while the input parallelism is %d; since the input produces updates (from %s), a primary key is required to route every change of a key to the same sink instance, but table '%s' has none; declare PRIMARY KEY (...) NOT ENFORCED or set 'sink.parallelism' to 1",
				s.Table.Name, par, v.Parallelism, producer(s.Input), s.Table.Name)
		}
		v = p.connect(v, part, keys, par, "Sink: "+s.Table.Name)
	} else {
		v.Name += " -> Sink: " + s.Table.Name
	}
	v.Sink = &task.SinkSpec{Table: s.Table.Name, Key: ordinal(p.sinks, s.Table.Name), Sink: sink}
	return nil
}

// tableParallelism reads Flink's 'scan.parallelism' or 'sink.parallelism'
// option of a table.
func tableParallelism(t *plan.Table, key string) (int, bool, error) {
	raw, ok := t.Options[key]
	if !ok {
		return 0, false, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(raw))
	if err != nil || n < 1 {
		return 0, false, fmt.Errorf("table '%s': '%s' must be a positive integer, got '%s'", t.Name, key, raw)
	}
	return n, true, nil
}

// uid is a stateful node's stable identity: a hash of its state digest and
// of how many identical ones came before it in the script.
func (p *planner) uid(n plan.Node) uint64 {
	d := plan.StateDigest(n)
	if d == "" {
		return 0
	}
	return p.uidOf(d)
}

// producer names the operator that introduces updates under n.
func producer(n plan.Node) string {
	for _, in := range n.Inputs() {
		if in.Mode() == plan.Updates {
			return producer(in)
		}
	}
	return n.Describe()
}

func (p *planner) node(n plan.Node) (*task.Vertex, error) {
	if s, ok := p.shared[n]; ok {
		return p.sharedUse(s, n)
	}
	switch x := n.(type) {
	case *plan.Scan:
		return p.scan(x)
	case *plan.Values:
		return p.values(x)
	case *plan.Project:
		if f, ok := x.Input.(*plan.Filter); ok {
			v, err := p.node(f.Input)
			if err != nil {
				return nil, err
			}
			if p.fuseCalc(v, x, f) {
				return v, nil
			}
			v = p.chain(v, x, "Calc", func() (operator.Operator, error) { return operator.NewCalc(f.Cond, x.Exprs) })
			op := &v.Ops[len(v.Ops)-1]
			op.Describe = strings.TrimSuffix(op.Describe, ")") + fmt.Sprintf(", where=[%s])", f.Cond)
			return v, nil
		}
		v, err := p.node(x.Input)
		if err != nil {
			return nil, err
		}
		if p.fuseCalc(v, x, nil) {
			return v, nil
		}
		return p.chain(v, x, "Calc", func() (operator.Operator, error) { return operator.NewCalc(nil, x.Exprs) }), nil
	case *plan.Filter:
		v, err := p.node(x.Input)
		if err != nil {
			return nil, err
		}
		if p.fuseCalc(v, nil, x) {
			return v, nil
		}
		return p.chain(v, x, "Calc", func() (operator.Operator, error) { return operator.NewCalc(x.Cond, nil) }), nil
	case *plan.WatermarkAssigner:
		return p.watermark(x)
	case *plan.WindowTVF:
		v, err := p.node(x.Input)
		if err != nil {
			return nil, err
		}
		return p.chain(v, x, "WindowTableFunction", func() (operator.Operator, error) { return window.NewWindowTVF(x), nil }), nil
	case *plan.Aggregate:
		return p.groupAggregate(x)
	case *plan.WindowAggregate:
		return p.windowAggregate(x)
	case *plan.Union:
		return p.union(x)
	case *plan.Join:
		return p.join(x)
	case *plan.LookupJoin:
		return p.lookupJoin(x)
	case *plan.Rank:
		return p.rank(x)
	}
	return nil, fmt.Errorf("no physical operator for %s yet", n.Describe())
}

// keyed puts a hash exchange on keys in front of a stateful operator.
func (p *planner) keyed(in plan.Node, keys []int, n plan.Node, name string, mk func() (operator.Operator, error)) (*task.Vertex, error) {
	v, err := p.node(in)
	if err != nil {
		return nil, err
	}
	var to *task.Vertex
	if len(keys) == 0 {
		to = p.connect(v, task.Global, nil, 1, name)
	} else {
		to = p.connect(v, task.Hash, keys, p.opts.Parallelism, name)
	}
	to.Name = name
	return p.chain(to, n, name, mk), nil
}

func (p *planner) union(x *plan.Union) (*task.Vertex, error) {
	to := p.newVertex("Union", p.opts.Parallelism)
	for _, in := range x.In {
		v, err := p.node(in)
		if err != nil {
			return nil, err
		}
		part, keys := task.Forward, []int(nil)
		if v.Parallelism != to.Parallelism {
			part = task.Rebalance
			if in.Mode() == plan.Updates {
				// A retraction must follow the row it retracts through
				// the same instance: hash on the whole row, which the
				// two share, rather than deal rows round robin.
				part, keys = task.Hash, allColumns(v.Schema.Len())
			}
		}
		e := &task.Edge{From: v, To: to, Partitioning: part, Keys: keys}
		v.Output = e
		to.Inputs = append(to.Inputs, e)
	}
	to.Schema, to.Mode = x.Schema(), x.Mode()
	return to, nil
}

func (p *planner) scan(x *plan.Scan) (*task.Vertex, error) {
	v, err := p.sourceVertex(x, ordinal(p.scans, x.Table.Name))
	if err != nil || p.rawSource || !x.Upsert() {
		return v, err
	}
	keys, _, _, err := plan.UpsertKeys(x)
	if err != nil {
		return nil, err
	}
	return p.normalize(v, x, keys), nil
}

// sourceVertex plans a vertex reading x, keyed in checkpoints by key.
func (p *planner) sourceVertex(x *plan.Scan, key string) (*task.Vertex, error) {
	t := x.Table
	ctx := t.Resolved
	ctx.Projection = x.Projection
	ctx.Metadata = x.MetadataKeys()
	src, err := t.Connector.NewSource(ctx)
	if err != nil {
		return nil, fmt.Errorf("source '%s': %w", t.Name, err)
	}
	par, ok, err := tableParallelism(t, "scan.parallelism")
	if err != nil {
		return nil, err
	}
	if !ok {
		par = p.opts.Parallelism
	}
	v := p.newVertex("Source: "+t.Name, par)
	v.Source = &task.SourceSpec{Table: t.Name, Key: key, Source: src, Schema: x.Schema(), Describe: x.Describe(), Upsert: x.Upsert()}
	v.Schema, v.Mode = x.Schema(), x.Mode()
	return v, nil
}

func (p *planner) watermark(x *plan.WatermarkAssigner) (*task.Vertex, error) {
	// An upsert source's normalisation comes after the watermark, which
	// must follow the source directly (normalize.go).
	keys, scan, upsert, err := plan.UpsertKeys(x.Input)
	if err != nil {
		return nil, err
	}
	upsert = upsert && !(p.versioned && tombstonesTimed(x, scan, keys))
	p.rawSource, p.versioned = true, false
	v, err := p.node(x.Input)
	p.rawSource = false
	if err != nil {
		return nil, err
	}
	if v.Source == nil || v.Source.Watermark != nil || len(v.Inputs) > 0 {
		return nil, fmt.Errorf("internal: a watermark assigner must follow its source directly")
	}
	v.Source.Pre = v.Ops
	v.Ops = nil
	v.Source.Watermark = &task.WatermarkSpec{RowTime: x.RowTime, Expr: x.Expr, Describe: x.Describe()}
	v.Schema = x.Schema()
	if upsert {
		return p.normalize(v, scan, keys), nil
	}
	return v, nil
}

// Explain renders the optimized logical plans and the job graph.
func Explain(sinks []*plan.Sink, g *task.Graph) string {
	var b strings.Builder
	b.WriteString("== Optimized Logical Plan ==\n")
	for _, s := range sinks {
		b.WriteString(plan.Explain(s))
		b.WriteString("\n")
	}
	b.WriteString("== Physical Execution Plan ==\n")
	for _, v := range g.Vertices {
		fmt.Fprintf(&b, "[%d] %s (parallelism %d)\n", v.ID, v.Name, v.Parallelism)
		for _, e := range v.Inputs {
			keys := ""
			if e.Partitioning == task.Hash {
				keys = "(" + keyNames(e.From.Schema, e.Keys) + ")"
			}
			fmt.Fprintf(&b, "    <- %s%s from [%d]\n", e.Partitioning, keys, e.From.ID)
		}
		if len(v.Branches) > 0 {
			ids := make([]string, len(v.Branches))
			for i, e := range v.Branches {
				ids[i] = fmt.Sprintf("[%d]", e.To.ID)
			}
			fmt.Fprintf(&b, "    -> %s to %s (one read for %d scans)\n", task.Chain, strings.Join(ids, ", "), len(v.Branches))
		}
		if s := v.Source; s != nil {
			mode := "[I]"
			if s.Upsert {
				mode = "[UA,D]"
			}
			fmt.Fprintf(&b, "    %s, changelogMode=%s\n", s.Describe, mode)
			for _, op := range s.Pre {
				m := op.Mode.String()
				if mode != "[I]" {
					m = mode // computed columns of an upsert stream
				}
				fmt.Fprintf(&b, "    %s, changelogMode=%s\n", op.Describe, m)
			}
			if s.Watermark != nil {
				fmt.Fprintf(&b, "    %s, changelogMode=%s\n", s.Watermark.Describe, mode)
			}
		}
		for _, op := range v.Ops {
			fmt.Fprintf(&b, "    %s, changelogMode=%s\n", op.Describe, op.Mode)
		}
		if v.Sink != nil {
			fmt.Fprintf(&b, "    Sink(table=[%s]), changelogMode=%s\n", v.Sink.Table, v.Mode)
		}
	}
	return b.String()
}

func keyNames(s interface{ Names() []string }, keys []int) string {
	names := s.Names()
	parts := make([]string, len(keys))
	for i, k := range keys {
		if k < len(names) {
			parts[i] = names[k]
		} else {
			parts[i] = fmt.Sprintf("$%d", k)
		}
	}
	return strings.Join(parts, ", ")
}

func allColumns(n int) []int {
	cols := make([]int, n)
	for i := range cols {
		cols[i] = i
	}
	return cols
}
