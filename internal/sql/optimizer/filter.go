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
		if !plan.AllDeterministic(in.Exprs) {
			return f
		}
		cond := plan.Substitute(f.Cond, in.Exprs)
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
