package optimizer

import (
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

// Optimize rewrites a sink's plan with the default options.
func Optimize(s *plan.Sink) *plan.Sink { return OptimizeWith(s, Options{}) }

// OptimizeWith rewrites a sink's plan.
func OptimizeWith(s *plan.Sink, o Options) *plan.Sink {
	in := fold(s.Input)
	in = pushFilters(in)
	in = planJoins(in)
	in = prune(in, all(in.Schema().Len()))
	in = refreshTimeAttrs(in)
	if o.SplitDistinct {
		in = splitDistinct(in, o.SplitBuckets)
	}
	in = mergeProjects(in)
	return &plan.Sink{Input: in, Table: s.Table, Name: s.Name}
}

func all(n int) []bool {
	r := make([]bool, n)
	for i := range r {
		r[i] = true
	}
	return r
}

// rebuild returns n with new inputs (same kind of node, same parameters).
func rebuild(n plan.Node, in []plan.Node) plan.Node {
	switch x := n.(type) {
	case *plan.Project:
		return plan.NewProject(in[0], x.Exprs, x.Schema().Names())
	case *plan.Filter:
		return &plan.Filter{Input: in[0], Cond: x.Cond}
	case *plan.WatermarkAssigner:
		return &plan.WatermarkAssigner{Input: in[0], RowTime: x.RowTime, Expr: x.Expr}
	case *plan.Aggregate:
		return plan.NewAggregate(in[0], x.Keys, x.Aggs)
	case *plan.WindowAggregate:
		return plan.NewWindowAggregate(in[0], x.Window, x.Keys, x.Aggs)
	case *plan.WindowTVF:
		return plan.NewWindowTVF(in[0], x.Window)
	case *plan.Union:
		return plan.NewUnion(in, x.Schema())
	case *plan.Join:
		nj := *x
		nj.Left, nj.Right = in[0], in[1]
		return plan.NewJoin(&nj)
	case *plan.LookupJoin:
		nj := *x
		nj.Input = in[0]
		return plan.NewLookupJoin(&nj)
	case *plan.Rank:
		nr := *x
		nr.Input = in[0]
		return plan.NewRank(&nr)
	}
	return n
}

// refreshTimeAttrs brings the time attributes of column references up to
// date with their inputs, once planning joins has turned some into plain
// timestamps (regular joins materialise them).
// The projection under a watermark assigner, which marks the rowtime
// column, is left alone.
func refreshTimeAttrs(n plan.Node) plan.Node {
	return refreshUnder(n, false)
}

func refreshUnder(n plan.Node, marking bool) plan.Node {
	if ins := n.Inputs(); len(ins) > 0 {
		_, wm := n.(*plan.WatermarkAssigner)
		nin := make([]plan.Node, len(ins))
		for i, c := range ins {
			nin[i] = refreshUnder(c, wm)
		}
		n = rebuild(n, nin)
	}
	switch x := n.(type) {
	case *plan.Project:
		if marking {
			return n
		}
		in := x.Input.Schema()
		exprs := make([]plan.Expr, len(x.Exprs))
		for i, e := range x.Exprs {
			exprs[i] = syncTimeAttrs(e, in)
		}
		return plan.NewProject(x.Input, exprs, x.Schema().Names())
	case *plan.Filter:
		return &plan.Filter{Input: x.Input, Cond: syncTimeAttrs(x.Cond, x.Input.Schema())}
	}
	return n
}

func syncTimeAttrs(e plan.Expr, in types.Schema) plan.Expr {
	return plan.MapColumns(e, func(x *plan.ColumnRef) plan.Expr {
		if a := in.Fields[x.Index].Type.TimeAttr; a != x.T.TimeAttr {
			return &plan.ColumnRef{Index: x.Index, Name: x.Name, T: x.T.WithTimeAttr(a)}
		}
		return x
	})
}

// mapNode applies f bottom-up.
func mapNode(n plan.Node, f func(plan.Node) plan.Node) plan.Node {
	ins := n.Inputs()
	if len(ins) > 0 {
		nin := make([]plan.Node, len(ins))
		for i, c := range ins {
			nin[i] = mapNode(c, f)
		}
		n = rebuild(n, nin)
	}
	return f(n)
}
