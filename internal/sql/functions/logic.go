package functions

import (
	"fmt"

	"github.com/sluicehq/sluice/internal/types"
)

// Boolean logic (three-valued, lazy), IS tests and the conditional forms
// CASE, COALESCE, IF, IFNULL, NULLIF, GREATEST, LEAST.

func requireBool(name string, args []Arg, n int) error {
	if n >= 0 && len(args) != n {
		return fmt.Errorf("%s expects %d argument(s), got %d", name, n, len(args))
	}
	for _, a := range args {
		if a.Type.ID != types.Boolean && a.Type.ID != types.Null {
			return fmt.Errorf("%s expects BOOLEAN arguments, got (%s)", name, typeList(args))
		}
	}
	return nil
}

// andOr builds AND (and=true) or OR over two or more arguments. AND: FALSE
// if any is FALSE, else NULL if any is NULL, else TRUE; OR dually.
// Arguments are evaluated left to right and evaluation stops at the first
// deciding value.
func andOr(name string, and bool) *Func {
	return &Func{
		Name:       name,
		Signatures: []string{name + "(BOOLEAN, BOOLEAN, ...)"},
		Infer: func(args []Arg) (types.Type, error) {
			if len(args) < 2 {
				return types.Type{}, fmt.Errorf("%s expects at least 2 arguments", name)
			}
			if err := requireBool(name, args, -1); err != nil {
				return types.Type{}, err
			}
			return boolType(anyNullable(args)), nil
		},
		Compile: func(args []Arg, _ types.Type) (Eval, error) {
			decide := int64(0) // the value that decides: FALSE for AND
			if !and {
				decide = 1
			}
			if len(args) == 2 {
				x, y := args[0].Eval, args[1].Eval
				return func(r types.Row) types.Value {
					u := x(r)
					if u.K != types.KindNull && u.I == decide {
						return u
					}
					v := y(r)
					if v.K != types.KindNull && v.I == decide {
						return v
					}
					if u.K == types.KindNull || v.K == types.KindNull {
						return types.Value{}
					}
					return v
				}, nil
			}
			evs := make([]Eval, len(args))
			for i, a := range args {
				evs[i] = a.Eval
			}
			return func(r types.Row) types.Value {
				sawNull := false
				for _, e := range evs {
					v := e(r)
					if v.K == types.KindNull {
						sawNull = true
					} else if v.I == decide {
						return v
					}
				}
				if sawNull {
					return types.Value{}
				}
				return types.Value{K: types.KindBool, I: 1 - decide}
			}, nil
		},
	}
}

func notFunc() *Func {
	return &Func{
		Name:       "NOT",
		Signatures: []string{"NOT(BOOLEAN)"},
		Infer: func(args []Arg) (types.Type, error) {
			if err := requireBool("NOT", args, 1); err != nil {
				return types.Type{}, err
			}
			return boolType(anyNullable(args)), nil
		},
		Compile: func(args []Arg, _ types.Type) (Eval, error) {
			x := args[0].Eval
			return func(r types.Row) types.Value {
				u := x(r)
				if u.K == types.KindNull {
					return u
				}
				return types.Value{K: types.KindBool, I: 1 - u.I}
			}, nil
		},
	}
}

// isFunc builds the IS tests; they never return NULL.
func isFunc(name string, test func(v types.Value) bool, boolOnly bool) *Func {
	return &Func{
		Name:       name,
		Signatures: []string{"x " + name},
		Infer: func(args []Arg) (types.Type, error) {
			if len(args) != 1 {
				return types.Type{}, fmt.Errorf("%s expects 1 argument", name)
			}
			if boolOnly {
				if err := requireBool(name, args, 1); err != nil {
					return types.Type{}, err
				}
			}
			return types.BooleanType.NotNull(), nil
		},
		Compile: func(args []Arg, _ types.Type) (Eval, error) {
			x := args[0].Eval
			return func(r types.Row) types.Value { return boolVal(test(x(r))) }, nil
		},
	}
}

func isTests() []*Func {
	null := func(v types.Value) bool { return v.K == types.KindNull }
	isTrue := func(v types.Value) bool { return v.K != types.KindNull && v.I != 0 }
	isFalse := func(v types.Value) bool { return v.K != types.KindNull && v.I == 0 }
	return []*Func{
		isFunc("IS NULL", null, false),
		isFunc("IS NOT NULL", func(v types.Value) bool { return !null(v) }, false),
		isFunc("IS TRUE", isTrue, true),
		isFunc("IS NOT TRUE", func(v types.Value) bool { return !isTrue(v) }, true),
		isFunc("IS FALSE", isFalse, true),
		isFunc("IS NOT FALSE", func(v types.Value) bool { return !isFalse(v) }, true),
	}
}

// caseFunc is CASE WHEN c1 THEN r1 [WHEN c2 THEN r2 ...] [ELSE e] END as
// CASE(c1, r1, c2, r2, ..., [e]): an odd argument count means the last one
// is the ELSE; without ELSE the result is NULL when no condition holds. A
// NULL condition counts as false. The analyzer rewrites the simple form
// CASE x WHEN v ... into conditions x = v.
func caseFunc() *Func {
	results := func(args []Arg) []Arg {
		var rs []Arg
		for i := 1; i < len(args); i += 2 {
			rs = append(rs, args[i])
		}
		if len(args)%2 == 1 {
			rs = append(rs, args[len(args)-1])
		}
		return rs
	}
	infer := func(args []Arg) (types.Type, error) {
		if len(args) < 2 {
			return types.Type{}, fmt.Errorf("CASE expects at least one WHEN ... THEN")
		}
		for i := 0; i+1 < len(args); i += 2 {
			if t := args[i].Type.ID; t != types.Boolean && t != types.Null {
				return types.Type{}, fmt.Errorf("CASE: WHEN condition must be BOOLEAN, got %s", args[i].Type)
			}
		}
		t, err := commonArgType("CASE", results(args))
		if err != nil {
			return t, err
		}
		if len(args)%2 == 0 {
			t.Nullable = true
		}
		return t, nil
	}
	return &Func{
		Name:       "CASE",
		Signatures: []string{"CASE(cond1, res1, cond2, res2, ..., [else])"},
		Infer:      infer,
		Compile: func(args []Arg, ret types.Type) (Eval, error) {
			n := len(args) / 2
			conds := make([]Eval, n)
			res := make([]Eval, n)
			for i := 0; i < n; i++ {
				conds[i] = args[2*i].Eval
				e, err := coerce(args[2*i+1], ret)
				if err != nil {
					return nil, err
				}
				res[i] = e
			}
			els := constNull
			if len(args)%2 == 1 {
				e, err := coerce(args[len(args)-1], ret)
				if err != nil {
					return nil, err
				}
				els = e
			}
			return func(r types.Row) types.Value {
				for i, c := range conds {
					if v := c(r); v.K != types.KindNull && v.I != 0 {
						return res[i](r)
					}
				}
				return els(r)
			}, nil
		},
	}
}

func coalesceFunc() *Func {
	return &Func{
		Name:       "COALESCE",
		Signatures: []string{"COALESCE(ANY, ...)"},
		Infer: func(args []Arg) (types.Type, error) {
			if len(args) == 0 {
				return types.Type{}, fmt.Errorf("COALESCE expects at least 1 argument")
			}
			t, err := commonArgType("COALESCE", args)
			if err != nil {
				return t, err
			}
			t.Nullable = true
			for _, a := range args {
				if !a.Type.Nullable && a.Type.ID != types.Null {
					t.Nullable = false
				}
			}
			return t, nil
		},
		Compile: func(args []Arg, ret types.Type) (Eval, error) {
			evs, err := coerceAll(args, ret)
			if err != nil {
				return nil, err
			}
			if len(evs) == 2 {
				x, y := evs[0], evs[1]
				return func(r types.Row) types.Value {
					if v := x(r); v.K != types.KindNull {
						return v
					}
					return y(r)
				}, nil
			}
			return func(r types.Row) types.Value {
				for _, e := range evs {
					if v := e(r); v.K != types.KindNull {
						return v
					}
				}
				return types.Value{}
			}, nil
		},
	}
}

func ifFunc() *Func {
	return &Func{
		Name:       "IF",
		Signatures: []string{"IF(BOOLEAN, ANY, ANY)"},
		Infer: func(args []Arg) (types.Type, error) {
			if len(args) != 3 {
				return types.Type{}, fmt.Errorf("IF expects 3 arguments, got %d", len(args))
			}
			if err := requireBool("IF", args[:1], 1); err != nil {
				return types.Type{}, err
			}
			return commonArgType("IF", args[1:])
		},
		Compile: func(args []Arg, ret types.Type) (Eval, error) {
			c := args[0].Eval
			evs, err := coerceAll(args[1:], ret)
			if err != nil {
				return nil, err
			}
			a, b := evs[0], evs[1]
			return func(r types.Row) types.Value {
				if v := c(r); v.K != types.KindNull && v.I != 0 {
					return a(r)
				}
				return b(r)
			}, nil
		},
	}
}

// ifNullFunc is IFNULL(x, replacement): the common type, nullable only if
// the replacement is.
func ifNullFunc() *Func {
	return &Func{
		Name:       "IFNULL",
		Signatures: []string{"IFNULL(ANY, ANY)"},
		Infer: func(args []Arg) (types.Type, error) {
			if len(args) != 2 {
				return types.Type{}, fmt.Errorf("IFNULL expects 2 arguments, got %d", len(args))
			}
			t, err := commonArgType("IFNULL", args)
			t.Nullable = args[1].Type.Nullable || args[1].Type.ID == types.Null
			return t, err
		},
		Compile: coalesceFunc().Compile,
	}
}

// nullIfFunc is NULLIF(a, b): NULL when a = b, else a.
func nullIfFunc() *Func {
	return &Func{
		Name:       "NULLIF",
		Signatures: []string{"NULLIF(ANY, ANY)"},
		Infer: func(args []Arg) (types.Type, error) {
			if len(args) != 2 {
				return types.Type{}, fmt.Errorf("NULLIF expects 2 arguments, got %d", len(args))
			}
			if _, ok := comparable2(args[0].Type, args[1].Type); !ok {
				return types.Type{}, fmt.Errorf("NULLIF: cannot compare %s with %s", args[0].Type, args[1].Type)
			}
			return withNull(args[0].Type, true), nil
		},
		Compile: func(args []Arg, ret types.Type) (Eval, error) {
			x, y, t, err := coercePair(args[0], args[1])
			if err != nil {
				return nil, err
			}
			eq := equalFn(t)
			orig := args[0].Eval
			return func(r types.Row) types.Value {
				u := x(r)
				if u.K == types.KindNull {
					return u
				}
				if v := y(r); v.K != types.KindNull && eq(u, v) {
					return types.Value{}
				}
				return orig(r)
			}, nil
		},
	}
}

// extremeFunc is GREATEST/LEAST: NULL if any argument is NULL (Flink).
func extremeFunc(name string, greatest bool) *Func {
	return &Func{
		Name:       name,
		Signatures: []string{name + "(ANY, ANY, ...)"},
		Infer: func(args []Arg) (types.Type, error) {
			if len(args) < 1 {
				return types.Type{}, fmt.Errorf("%s expects at least 1 argument", name)
			}
			t, err := commonArgType(name, args)
			if err == nil && t.ID == types.Map {
				err = fmt.Errorf("%s: MAP values are not comparable", name)
			}
			return t, err
		},
		Compile: func(args []Arg, ret types.Type) (Eval, error) {
			evs, err := coerceAll(args, ret)
			if err != nil {
				return nil, err
			}
			cmp := comparator(ret)
			return func(r types.Row) types.Value {
				var best types.Value
				for i, e := range evs {
					v := e(r)
					if v.K == types.KindNull {
						return v
					}
					if i == 0 {
						best = v
						continue
					}
					c := cmp(v, best)
					if greatest && c > 0 || !greatest && c < 0 {
						best = v
					}
				}
				return best
			}, nil
		},
	}
}
