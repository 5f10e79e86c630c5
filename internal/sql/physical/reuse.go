package physical

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/runtime/task"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

// Source reuse ('table.optimizer.reuse-source-enabled', on by default as in
// Flink): a job that scans one table several times (two views over one
// source, a self-join, a statement set writing several sinks) reads it
// once and hands its rows to every scan.
//
// A use is what the planner would have turned into one source vertex: a
// Scan, or a WatermarkAssigner over a Scan with at most one projection
// computing columns between them (the source's Pre). Uses of the same
// *plan.Table with the same watermark (rowtime and watermark expressions
// compared over the table's columns) form a group; a group of two or more
// is planned as one source vertex reading the union of the columns its
// uses read, computing the rowtime once and assigning watermarks once, and
// one branch vertex per use (task.Chain, run inside the source's tasks)
// whose first operator maps the shared layout to the use's layout. That
// mapping is fused with the use's own first Calc when there is one, so a
// scan's filter runs before anything is copied.
//
// Keys: each use still takes its ordinal ('table#n') where it would have
// without reuse; the shared source's Key is its first use's and the others
// are its Aliases (task.SourceSpec), so savepoints map in both directions
// (docs/sql.md).

// sourceUse is one scan of a table, as the planner meets it.
type sourceUse struct {
	scan *plan.Scan
	pre  *plan.Project           // computed columns under the watermark (may be nil)
	wm   *plan.WatermarkAssigner // nil: the table has no watermark
}

// sharedScan is a table read once for several uses.
type sharedScan struct {
	uses []*sourceUse
	scan *plan.Scan // the union of the uses' columns
	// node is what the shared vertex outputs: scan, or a projection of
	// scan's columns and the computed rowtime.
	node    plan.Node
	pre     *plan.Project
	rowTime int       // in node; -1 without a watermark
	wmExpr  plan.Expr // over node
	vertex  *task.Vertex
}

// branchCalc is a branch vertex's mapping from the shared layout to its
// use's, while it is still the vertex's only operator (and can be fused
// with the next Calc).
type branchCalc struct {
	in    plan.Node // the shared layout
	exprs []plan.Expr
	names []string
}

// findSharedScans groups the uses of tables scanned more than once in the
// job's plans.
func findSharedScans(sinks []*plan.Sink) map[plan.Node]*sharedScan {
	type group struct {
		uses  []*sourceUse
		roots []plan.Node
	}
	groups := map[string]*group{}
	var order []string
	var walk func(n plan.Node)
	walk = func(n plan.Node) {
		var u *sourceUse
		switch x := n.(type) {
		case *plan.WatermarkAssigner:
			u = watermarkUse(x)
			if u == nil || u.scan.Upsert() {
				return // another shape, or upsert: planned on its own
			}
		case *plan.Scan:
			if x.Upsert() {
				return // each scan normalises the upsert stream itself
			}
			u = &sourceUse{scan: x}
		default:
			for _, in := range n.Inputs() {
				walk(in)
			}
			return
		}
		key := useKey(u)
		g := groups[key]
		if g == nil {
			g = &group{}
			groups[key] = g
			order = append(order, key)
		}
		g.uses = append(g.uses, u)
		g.roots = append(g.roots, n)
	}
	for _, s := range sinks {
		walk(s.Input)
	}
	out := map[plan.Node]*sharedScan{}
	for _, k := range order {
		g := groups[k]
		if len(g.uses) < 2 {
			continue
		}
		s := newSharedScan(g.uses)
		for _, r := range g.roots {
			out[r] = s
		}
	}
	return out
}

// watermarkUse recognises Scan [-> Project] -> WatermarkAssigner.
func watermarkUse(x *plan.WatermarkAssigner) *sourceUse {
	u := &sourceUse{wm: x}
	in := x.Input
	if p, ok := in.(*plan.Project); ok {
		u.pre, in = p, p.Input
	}
	scan, ok := in.(*plan.Scan)
	if !ok {
		return nil
	}
	u.scan = scan
	// The watermark may read the rowtime and plain columns; anything else
	// would be computed twice.
	pre := u.preExprs()
	for _, c := range plan.Columns(x.Expr) {
		if _, plain := pre[c].(*plan.ColumnRef); c != x.RowTime && !plain {
			return nil
		}
	}
	return u
}

// tableColumn numbers a scan's column in the table: physical columns by
// their position among them, metadata columns after them.
func tableColumn(s *plan.Scan, i int) int {
	if i < len(s.Projection) {
		return s.Projection[i]
	}
	return s.Table.PhysicalSchema().Len() + s.Metadata[i-len(s.Projection)]
}

// preExprs are the use's watermark input columns over its scan's.
func (u *sourceUse) preExprs() []plan.Expr {
	if u.pre != nil {
		return u.pre.Exprs
	}
	return plan.ColumnRefs(u.scan.Schema())
}

// overLayout re-expresses the use's watermark input columns over another
// layout of the table's columns (pos: table column → position).
func (u *sourceUse) overLayout(pos map[int]int) []plan.Expr {
	m := map[int]int{}
	for i := range u.scan.Schema().Fields {
		m[i] = pos[tableColumn(u.scan, i)]
	}
	pre := u.preExprs()
	out := make([]plan.Expr, len(pre))
	for i, e := range pre {
		out[i] = plan.Remap(e, m)
	}
	return out
}

// useKey says which uses can share a source: same table, same rowtime and
// watermark over the table's columns.
func useKey(u *sourceUse) string {
	key := fmt.Sprintf("%p", u.scan.Table)
	if u.wm == nil {
		return key
	}
	identity := map[int]int{}
	for i := range u.scan.Schema().Fields {
		c := tableColumn(u.scan, i)
		identity[c] = c
	}
	pre := u.overLayout(identity)
	return key + "|" + plan.Digest(pre[u.wm.RowTime]) + "|" + plan.Digest(plan.Substitute(u.wm.Expr, pre))
}

func newSharedScan(uses []*sourceUse) *sharedScan {
	t := uses[0].scan.Table
	physical, meta := map[int]bool{}, map[int]bool{}
	for _, u := range uses {
		for _, c := range u.scan.Projection {
			physical[c] = true
		}
		for _, c := range u.scan.Metadata {
			meta[c] = true
		}
	}
	proj, md := slices.Sorted(maps.Keys(physical)), slices.Sorted(maps.Keys(meta))
	s := &sharedScan{uses: uses, scan: plan.NewScan(t, proj, md), rowTime: -1}
	s.node = s.scan
	u := uses[0]
	if u.wm == nil {
		return s
	}
	pre := u.overLayout(s.positions())
	rt := pre[u.wm.RowTime]
	if c, ok := rt.(*plan.ColumnRef); ok {
		s.rowTime = c.Index
	} else {
		sc := s.scan.Schema()
		s.rowTime = sc.Len()
		s.pre = plan.NewProject(s.scan, append(plan.ColumnRefs(sc), rt), append(sc.Names(), u.wm.Schema().Fields[u.wm.RowTime].Name))
		s.node = s.pre
	}
	m := map[int]int{}
	for _, c := range plan.Columns(u.wm.Expr) {
		if c == u.wm.RowTime {
			m[c] = s.rowTime
		} else {
			m[c] = pre[c].(*plan.ColumnRef).Index // checked by watermarkUse
		}
	}
	s.wmExpr = plan.Remap(u.wm.Expr, m)
	return s
}

// positions maps table columns to their position in the shared scan.
func (s *sharedScan) positions() map[int]int {
	pos := map[int]int{}
	for i := range s.scan.Schema().Fields {
		pos[tableColumn(s.scan, i)] = i
	}
	return pos
}

// use returns the use whose root is n.
func (s *sharedScan) use(n plan.Node) *sourceUse {
	for _, u := range s.uses {
		if u.wm == n || u.wm == nil && u.scan == n {
			return u
		}
	}
	return nil
}

// sharedUse plans use n of a shared scan: the shared source vertex the
// first time, and a branch vertex fed from it.
func (p *planner) sharedUse(s *sharedScan, n plan.Node) (*task.Vertex, error) {
	u := s.use(n)
	t := s.scan.Table
	key := ordinal(p.scans, t.Name)
	if s.vertex == nil {
		v, err := p.sharedSource(s, key)
		if err != nil {
			return nil, err
		}
		s.vertex = v
	} else {
		s.vertex.Source.Aliases = append(s.vertex.Source.Aliases, key)
	}
	src := s.vertex
	b := p.newVertex("Scan: "+key, src.Parallelism)
	e := &task.Edge{From: src, To: b, Partitioning: task.Chain}
	src.Branches = append(src.Branches, e)
	b.Inputs = []*task.Edge{e}
	b.Schema, b.Mode = s.node.Schema(), s.node.Mode()

	// The use's columns over the shared layout.
	exprs := u.overLayout(s.positions())
	out := u.scan.Schema()
	if u.wm != nil {
		out = u.wm.Schema()
		f := out.Fields[u.wm.RowTime]
		exprs[u.wm.RowTime] = &plan.ColumnRef{Index: s.rowTime, Name: f.Name, T: f.Type}
	}
	if isIdentity(exprs, s.node.Schema()) {
		return b, nil
	}
	bc := &branchCalc{in: s.node, exprs: exprs, names: out.Names()}
	proj := plan.NewProject(s.node, exprs, bc.names)
	p.chain(b, proj, "Calc", func() (operator.Operator, error) { return operator.NewCalc(nil, exprs) })
	if plan.AllDeterministic(exprs) {
		p.branches[b] = bc
	}
	return b, nil
}

// sharedSource plans the vertex reading the union of a group's columns.
func (p *planner) sharedSource(s *sharedScan, key string) (*task.Vertex, error) {
	v, err := p.sourceVertex(s.scan, key)
	if err != nil {
		return nil, err
	}
	if s.pre != nil {
		pre := s.pre
		v.Source.Pre = []task.OpSpec{{Name: fmt.Sprintf("Calc[%d]", v.ID), New: func() (operator.Operator, error) { return operator.NewCalc(nil, pre.Exprs) },
			Describe: pre.Describe(), Mode: pre.Mode()}}
	}
	if s.rowTime >= 0 {
		wa := &plan.WatermarkAssigner{Input: s.node, RowTime: s.rowTime, Expr: s.wmExpr}
		v.Source.Watermark = &task.WatermarkSpec{RowTime: s.rowTime, Expr: s.wmExpr, Describe: wa.Describe()}
	}
	v.Schema, v.Mode = s.node.Schema(), s.node.Mode()
	return v, nil
}

// fuseCalc chains the Calc of proj and/or filter (one may be nil) on v,
// fused with v's branch mapping when that is still v's only operator.
// It reports false when v has no such mapping.
func (p *planner) fuseCalc(v *task.Vertex, proj *plan.Project, filter *plan.Filter) bool {
	bc, ok := p.branches[v]
	if !ok || len(v.Ops) != 1 {
		return false
	}
	delete(p.branches, v)
	v.Ops = v.Ops[:0]
	var cond plan.Expr
	if filter != nil {
		cond = plan.Substitute(filter.Cond, bc.exprs)
	}
	exprs, names := bc.exprs, bc.names
	if proj != nil {
		exprs = make([]plan.Expr, len(proj.Exprs))
		for i, e := range proj.Exprs {
			exprs[i] = plan.Substitute(e, bc.exprs)
		}
		names = proj.Schema().Names()
	}
	fused := plan.NewProject(bc.in, exprs, names)
	p.chain(v, fused, "Calc", func() (operator.Operator, error) { return operator.NewCalc(cond, exprs) })
	if cond != nil {
		op := &v.Ops[len(v.Ops)-1]
		op.Describe = strings.TrimSuffix(op.Describe, ")") + fmt.Sprintf(", where=[%s])", cond)
	}
	return true
}

func isIdentity(exprs []plan.Expr, in types.Schema) bool {
	if len(exprs) != in.Len() {
		return false
	}
	for i, e := range exprs {
		c, ok := e.(*plan.ColumnRef)
		if !ok || c.Index != i || !c.T.Equal(in.Fields[i].Type) {
			return false
		}
	}
	return true
}
