package optimizer

import (
	"github.com/sluicehq/sluice/internal/sql/plan"
)

// pushFilters moves filters towards the sources.
func pushFilters(n plan.Node) plan.Node {
	return mapNode(n, func(n plan.Node) plan.Node {
		f, ok := n.(*plan.Filter)
		if !ok {
			return n
		}
		return pushFilter(f)
	})
}

func pushFilter(f *plan.Filter) plan.Node {
	switch in := f.Input.(type) {
	case *plan.Filter:
		return pushFilter(&plan.Filter{Input: in.Input, Cond: plan.And(in.Cond, f.Cond)})
	case *plan.Project:
		if !deterministic(in.Exprs) {
			return f
		}
		cond := substitute(f.Cond, in.Exprs)
		below := pushFilter(&plan.Filter{Input: in.Input, Cond: cond})
		return plan.NewProject(below, in.Exprs, in.Schema().Names())
	case *plan.Join:
		return pushIntoJoin(f, in)
	case *plan.Rank:
		return pushIntoRank(f, in)
	case *plan.Union:
		ins := make([]plan.Node, len(in.In))
		for i, c := range in.In {
			ins[i] = pushFilter(&plan.Filter{Input: c, Cond: f.Cond})
		}
		return plan.NewUnion(ins, in.Schema())
	}
	return f
}

func deterministic(es []plan.Expr) bool {
	for _, e := range es {
		if !plan.Deterministic(e) {
			return false
		}
	}
	return true
}

// substitute replaces each column reference i in e by exprs[i].
func substitute(e plan.Expr, exprs []plan.Expr) plan.Expr {
	switch x := e.(type) {
	case *plan.ColumnRef:
		r := exprs[x.Index]
		if t := r.Type(); t.TimeAttr != x.T.TimeAttr {
			// A projection that marks a column as a time attribute (the
			// rowtime of a computed column): keep the mark. The cast
			// compiles to nothing.
			return &plan.Cast{X: r, T: t.WithTimeAttr(x.T.TimeAttr)}
		}
		return r
	case *plan.Call:
		args := make([]plan.Expr, len(x.Args))
		for i, a := range x.Args {
			args[i] = substitute(a, exprs)
		}
		return &plan.Call{Fn: x.Fn, Args: args, T: x.T}
	case *plan.Cast:
		return &plan.Cast{X: substitute(x.X, exprs), T: x.T, Try: x.Try}
	}
	return e
}
