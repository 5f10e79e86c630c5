package optimizer

import "github.com/sluicehq/sluice/internal/sql/plan"

// Optimize rewrites a sink's plan with the default options.
func Optimize(s *plan.Sink) *plan.Sink { return OptimizeWith(s, Options{}) }

// OptimizeWith rewrites a sink's plan.
func OptimizeWith(s *plan.Sink, o Options) *plan.Sink {
	in := fold(s.Input)
	in = pushFilters(in)
	in = prune(in, all(in.Schema().Len()))
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
	}
	return n
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
