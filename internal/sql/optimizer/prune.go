package optimizer

import (
	"slices"

	"github.com/sluicehq/sluice/internal/sql/plan"
)

// prune rebuilds n so that it produces at least the required output
// columns and reads as little as possible below. The returned node has the
// same schema as n: pruning happens below it, and a projection on top
// restores the shape where needed.
func prune(n plan.Node, req []bool) plan.Node {
	out, m := pruneNode(n, req)
	return reshape(out, m, n)
}

// reshape projects out (whose column m[i] holds n's column i, for required
// i) back to n's schema when they differ. Unrequired columns become NULL
// literals of the right type; only the root is reshaped, where every column
// is required.
func reshape(out plan.Node, m []int, n plan.Node) plan.Node {
	s := n.Schema()
	identity := out.Schema().Len() == s.Len()
	for i := range m {
		if m[i] != i {
			identity = false
		}
	}
	if identity {
		return out
	}
	exprs := make([]plan.Expr, s.Len())
	os := out.Schema()
	for i, f := range s.Fields {
		if m[i] >= 0 {
			exprs[i] = &plan.ColumnRef{Index: m[i], Name: os.Fields[m[i]].Name, T: os.Fields[m[i]].Type}
		} else {
			exprs[i] = &plan.Literal{T: f.Type}
		}
	}
	return plan.NewProject(out, exprs, s.Names())
}

func identityMap(n int) []int {
	m := make([]int, n)
	for i := range m {
		m[i] = i
	}
	return m
}

func mark(req []bool, cols []int) {
	for _, c := range cols {
		req[c] = true
	}
}

// pruneNode returns the rebuilt node and, for each column of n, its
// position in the new node (-1 when dropped).
func pruneNode(n plan.Node, req []bool) (plan.Node, []int) {
	switch x := n.(type) {
	case *plan.Scan:
		var proj, meta []int
		np := len(x.Projection)
		m := make([]int, len(req))
		for i := range req {
			m[i] = -1
			if req[i] && i < np {
				m[i] = len(proj)
				proj = append(proj, x.Projection[i])
			}
		}
		if x.Upsert() {
			// An upsert source's normalisation keys on the primary key:
			// read it even when nothing above needs it.
			for _, pk := range x.Table.Resolved.PrimaryKey {
				if !slices.Contains(proj, pk) {
					proj = append(proj, pk)
				}
			}
		}
		for i := np; i < len(req); i++ {
			if req[i] {
				m[i] = len(proj) + len(meta)
				meta = append(meta, x.Metadata[i-np])
			}
		}
		return plan.NewScan(x.Table, proj, meta), m
	case *plan.Project:
		return pruneProject(x, req)
	case *plan.Filter:
		creq := append([]bool{}, req...)
		mark(creq, plan.Columns(x.Cond))
		child, cm := pruneNode(x.Input, creq)
		return &plan.Filter{Input: child, Cond: remap(x.Cond, cm)}, cm
	case *plan.WatermarkAssigner:
		creq := append([]bool{}, req...)
		creq[x.RowTime] = true
		mark(creq, plan.Columns(x.Expr))
		// An upsert source's normalisation, after the assigner, keys on
		// the primary key: keep it (a plan that drops it fails in the
		// physical planner, which says why).
		keys, _, _, _ := plan.UpsertKeys(x.Input)
		mark(creq, keys)
		child, cm := pruneNode(x.Input, creq)
		return &plan.WatermarkAssigner{Input: child, RowTime: cm[x.RowTime], Expr: remap(x.Expr, cm)}, cm
	case *plan.Aggregate:
		creq := make([]bool, x.Input.Schema().Len())
		mark(creq, x.Keys)
		markAggs(creq, x.Aggs)
		child, cm := pruneNode(x.Input, creq)
		return plan.NewAggregate(child, remapCols(x.Keys, cm), remapAggs(x.Aggs, cm)), identityMap(len(req))
	case *plan.WindowAggregate:
		creq := make([]bool, x.Input.Schema().Len())
		mark(creq, x.Keys)
		markAggs(creq, x.Aggs)
		creq[x.Window.TimeCol] = true
		mark(creq, x.Window.PartitionKeys)
		child, cm := pruneNode(x.Input, creq)
		w := x.Window
		w.TimeCol = cm[w.TimeCol]
		w.PartitionKeys = remapCols(w.PartitionKeys, cm)
		return plan.NewWindowAggregate(child, w, remapCols(x.Keys, cm), remapAggs(x.Aggs, cm)), identityMap(len(req))
	case *plan.WindowTVF:
		width := x.Input.Schema().Len()
		creq := append([]bool{}, req[:width]...)
		creq[x.Window.TimeCol] = true
		mark(creq, x.Window.PartitionKeys)
		child, cm := pruneNode(x.Input, creq)
		w := x.Window
		w.TimeCol = cm[w.TimeCol]
		w.PartitionKeys = remapCols(w.PartitionKeys, cm)
		cw := child.Schema().Len()
		m := append(append([]int{}, cm...), cw, cw+1, cw+2)
		return plan.NewWindowTVF(child, w), m
	case *plan.Union:
		ins := make([]plan.Node, len(x.In))
		for i, c := range x.In {
			ins[i] = prune(c, req) // same schema as before: the union's shape holds
		}
		return plan.NewUnion(ins, x.Schema()), identityMap(len(req))
	case *plan.Join:
		return pruneJoin(x, req)
	case *plan.LookupJoin:
		return pruneLookupJoin(x, req)
	case *plan.Rank:
		return pruneRank(x, req)
	}
	// Values, Sink and anything new: keep as is, inputs fully required.
	ins := n.Inputs()
	if len(ins) > 0 {
		nin := make([]plan.Node, len(ins))
		for i, c := range ins {
			nin[i] = prune(c, all(c.Schema().Len()))
		}
		n = rebuild(n, nin)
	}
	return n, identityMap(len(req))
}

func pruneProject(x *plan.Project, req []bool) (plan.Node, []int) {
	creq := make([]bool, x.Input.Schema().Len())
	var keep []int
	m := make([]int, len(req))
	for i, r := range req {
		m[i] = -1
		if r {
			m[i] = len(keep)
			keep = append(keep, i)
			mark(creq, plan.Columns(x.Exprs[i]))
		}
	}
	child, cm := pruneNode(x.Input, creq)
	exprs := make([]plan.Expr, len(keep))
	names := make([]string, len(keep))
	for j, i := range keep {
		exprs[j] = remap(x.Exprs[i], cm)
		names[j] = x.Schema().Fields[i].Name
	}
	return plan.NewProject(child, exprs, names), m
}

func markAggs(req []bool, aggs []plan.AggCall) {
	for _, a := range aggs {
		mark(req, a.Args)
		if a.Filter >= 0 {
			req[a.Filter] = true
		}
	}
}

func remap(e plan.Expr, m []int) plan.Expr {
	mm := make(map[int]int, len(m))
	for i, j := range m {
		if j >= 0 {
			mm[i] = j
		}
	}
	return plan.Remap(e, mm)
}

func remapCols(cols []int, m []int) []int {
	if cols == nil {
		return nil
	}
	out := make([]int, len(cols))
	for i, c := range cols {
		out[i] = m[c]
	}
	return out
}

func remapAggs(aggs []plan.AggCall, m []int) []plan.AggCall {
	out := make([]plan.AggCall, len(aggs))
	for i, a := range aggs {
		a.Args = remapCols(a.Args, m)
		if a.Filter >= 0 {
			a.Filter = m[a.Filter]
		}
		out[i] = a
	}
	return out
}

// mergeProjects removes identity projections and merges a projection into
// the projection below it when that duplicates no computation.
func mergeProjects(n plan.Node) plan.Node {
	return mapNode(n, func(n plan.Node) plan.Node {
		p, ok := n.(*plan.Project)
		if !ok {
			return n
		}
		if p.IsIdentity() {
			return p.Input
		}
		inner, ok := p.Input.(*plan.Project)
		if !ok || !plan.AllDeterministic(inner.Exprs) || duplicates(p.Exprs, inner.Exprs) {
			return n
		}
		exprs := make([]plan.Expr, len(p.Exprs))
		for i, e := range p.Exprs {
			exprs[i] = plan.Substitute(e, inner.Exprs)
		}
		merged := plan.NewProject(inner.Input, exprs, p.Schema().Names())
		if merged.IsIdentity() {
			return inner.Input
		}
		return merged
	})
}

// duplicates reports whether outer uses a computed inner column twice.
func duplicates(outer, inner []plan.Expr) bool {
	uses := map[int]int{}
	for _, e := range outer {
		for _, c := range plan.Columns(e) {
			uses[c]++
		}
	}
	for c, n := range uses {
		switch inner[c].(type) {
		case *plan.ColumnRef, *plan.Literal:
		default:
			if n > 1 {
				return true
			}
		}
	}
	return false
}
