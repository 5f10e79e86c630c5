package operator

import (
	"fmt"

	"github.com/sluicehq/sluice/internal/sql/functions"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

// Compile turns a typed expression into an evaluator, once per job.
func Compile(e plan.Expr) (functions.Eval, error) {
	return (&compiler{}).compile(e)
}

// CompileAll compiles a list of expressions.
func CompileAll(es []plan.Expr) ([]functions.Eval, error) {
	c := &compiler{}
	return c.all(es)
}

// compiler compiles expressions; with shared set, identical deterministic
// calls that occur more than once are evaluated once per row (see
// compileShared).
type compiler struct {
	shared map[string]int            // occurrences of each sub-expression
	memo   map[string]functions.Eval // the memoised evaluator of each shared one
	row    *uint64                   // row generation, advanced by the caller
}

func (c *compiler) all(es []plan.Expr) ([]functions.Eval, error) {
	out := make([]functions.Eval, len(es))
	for i, e := range es {
		ev, err := c.compile(e)
		if err != nil {
			return nil, err
		}
		out[i] = ev
	}
	return out, nil
}

func (c *compiler) compile(e plan.Expr) (functions.Eval, error) {
	key := ""
	if c.shared != nil {
		key = plan.Digest(e)
		if ev, ok := c.memo[key]; ok {
			return ev, nil
		}
	}
	ev, err := c.compileNode(e)
	if err != nil || c.shared == nil || c.shared[key] < 2 {
		return ev, err
	}
	// Evaluate on first use in each row, then reuse: lazy, so a CASE
	// branch that is not taken is still not evaluated.
	row := c.row
	var gen uint64
	var v types.Value
	memo := func(r types.Row) types.Value {
		if gen != *row {
			v, gen = ev(r), *row
		}
		return v
	}
	c.memo[key] = memo
	return memo, nil
}

func (c *compiler) compileNode(e plan.Expr) (functions.Eval, error) {
	switch x := e.(type) {
	case *plan.ColumnRef:
		i := x.Index
		return func(r types.Row) types.Value { return r[i] }, nil
	case *plan.Literal:
		v := x.V
		return func(types.Row) types.Value { return v }, nil
	case *plan.Cast:
		in, err := c.compile(x.X)
		if err != nil {
			return nil, err
		}
		if x.X.Type().EqualIgnoringNull(x.T) {
			return in, nil
		}
		cast, err := functions.CompileCast(x.X.Type(), x.T, x.Try)
		if err != nil {
			return nil, err
		}
		return func(r types.Row) types.Value { return cast(in(r)) }, nil
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
			ev, err := c.compile(a)
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

// compileShared compiles exprs so that identical deterministic calls and
// casts among them are evaluated at most once per row. The caller must
// increment *row before evaluating each new row.
func compileShared(exprs []plan.Expr, row *uint64) ([]functions.Eval, error) {
	counts := map[string]int{}
	for _, e := range exprs {
		if e == nil {
			continue
		}
		plan.Walk(e, func(x plan.Expr) {
			switch x.(type) {
			case *plan.Call, *plan.Cast:
				// ABS(RAND()) twice is two draws: only calls and casts
				// with nothing non-deterministic below them are shared.
				if deterministic(x) {
					counts[plan.Digest(x)]++
				}
			}
		})
	}
	c := &compiler{shared: counts, memo: map[string]functions.Eval{}, row: row}
	out := make([]functions.Eval, len(exprs))
	for i, e := range exprs {
		if e == nil {
			continue
		}
		ev, err := c.compile(e)
		if err != nil {
			return nil, err
		}
		out[i] = ev
	}
	return out, nil
}

// deterministic reports whether e calls no non-deterministic function.
func deterministic(e plan.Expr) bool {
	ok := true
	plan.Walk(e, func(x plan.Expr) {
		if c, isCall := x.(*plan.Call); isCall && c.Fn.NonDeterministic {
			ok = false
		}
	})
	return ok
}
