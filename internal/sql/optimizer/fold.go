package optimizer

import (
	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

// fold replaces deterministic calls on literals by their value.
func fold(n plan.Node) plan.Node {
	return mapNode(n, func(n plan.Node) plan.Node {
		switch x := n.(type) {
		case *plan.Project:
			exprs := make([]plan.Expr, len(x.Exprs))
			for i, e := range x.Exprs {
				exprs[i] = FoldExpr(e)
			}
			return plan.NewProject(x.Input, exprs, x.Schema().Names())
		case *plan.Filter:
			return &plan.Filter{Input: x.Input, Cond: FoldExpr(x.Cond)}
		}
		return n
	})
}

// FoldExpr folds constant sub-expressions of e. A call that fails at
// evaluation (say, 1 / 0) is left for run time, where the error names the
// operator.
func FoldExpr(e plan.Expr) plan.Expr {
	switch x := e.(type) {
	case *plan.Call:
		args := make([]plan.Expr, len(x.Args))
		constant := !x.Fn.NonDeterministic
		for i, a := range x.Args {
			args[i] = FoldExpr(a)
			switch args[i].(type) {
			case *plan.Literal, *plan.Symbol:
			default:
				constant = false
			}
		}
		c := &plan.Call{Fn: x.Fn, Args: args, T: x.T}
		if s := simplifyLogic(c); s != nil {
			return s
		}
		if constant {
			if v, ok := evalConst(c); ok {
				return v
			}
		}
		return c
	case *plan.Cast:
		in := FoldExpr(x.X)
		c := &plan.Cast{X: in, T: x.T, Try: x.Try}
		if _, ok := in.(*plan.Literal); ok {
			if v, ok := evalConst(c); ok {
				return v
			}
		}
		return c
	}
	return e
}

func evalConst(e plan.Expr) (lit plan.Expr, ok bool) {
	defer func() {
		if recover() != nil {
			lit, ok = nil, false
		}
	}()
	ev, err := operator.Compile(e)
	if err != nil {
		return nil, false
	}
	return &plan.Literal{V: ev(nil), T: e.Type()}, true
}

// simplifyLogic applies x AND TRUE = x, x OR FALSE = x, x AND FALSE =
// FALSE and x OR TRUE = TRUE, which hold in three-valued logic too (FALSE
// AND NULL is FALSE). It returns nil when nothing applies.
func simplifyLogic(c *plan.Call) plan.Expr {
	if len(c.Args) != 2 || (c.Fn.Name != "AND" && c.Fn.Name != "OR") {
		return nil
	}
	neutral, absorbing := true, false
	if c.Fn.Name == "OR" {
		neutral, absorbing = false, true
	}
	for i, a := range c.Args {
		l, ok := a.(*plan.Literal)
		if !ok || l.V.K != types.KindBool {
			continue
		}
		other := c.Args[1-i]
		switch l.V.Bool() {
		case neutral:
			if other.Type().ID == types.Boolean {
				return other
			}
		case absorbing:
			return &plan.Literal{V: types.BoolValue(absorbing), T: types.BooleanType.NotNull()}
		}
	}
	return nil
}
