package operator

import (
	"fmt"

	"github.com/sluicehq/sluice/internal/sql/functions"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

// Compile turns a typed expression into an evaluator, once per job.
func Compile(e plan.Expr) (functions.Eval, error) {
	switch x := e.(type) {
	case *plan.ColumnRef:
		i := x.Index
		return func(r types.Row) types.Value { return r[i] }, nil
	case *plan.Literal:
		v := x.V
		return func(types.Row) types.Value { return v }, nil
	case *plan.Cast:
		in, err := Compile(x.X)
		if err != nil {
			return nil, err
		}
		if x.X.Type().EqualIgnoringNull(x.T) {
			return in, nil
		}
		c, err := functions.CompileCast(x.X.Type(), x.T, x.Try)
		if err != nil {
			return nil, err
		}
		return func(r types.Row) types.Value { return c(in(r)) }, nil
	case *plan.Call:
		args := make([]functions.Arg, len(x.Args))
		for i, a := range x.Args {
			switch ax := a.(type) {
			case *plan.Symbol:
				args[i] = functions.Arg{Symbol: ax.Name}
				continue
			case *plan.Literal:
				v := ax.V
				args[i].Const = &v
			}
			ev, err := Compile(a)
			if err != nil {
				return nil, err
			}
			args[i].Type = a.Type()
			args[i].Eval = ev
		}
		return x.Fn.Compile(args, x.T)
	case *plan.Symbol:
		return nil, fmt.Errorf("symbol %s outside a function call", x.Name)
	}
	return nil, fmt.Errorf("cannot compile expression %T", e)
}

// CompileAll compiles a list of expressions.
func CompileAll(es []plan.Expr) ([]functions.Eval, error) {
	out := make([]functions.Eval, len(es))
	for i, e := range es {
		ev, err := Compile(e)
		if err != nil {
			return nil, err
		}
		out[i] = ev
	}
	return out, nil
}
