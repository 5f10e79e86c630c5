package functions

import (
	"fmt"
	"strings"

	"github.com/sluicehq/sluice/internal/types"
)

// Comparison operators, IS [NOT] DISTINCT FROM, BETWEEN and IN. Operands
// are first widened to their CommonType (numbers across types, DATE with
// TIMESTAMP, CHAR with VARCHAR); comparing unrelated families is a planning
// error as in Flink. Strings compare by UTF-8 bytes (Flink's
// BinaryStringData order); doubles with IEEE semantics (NaN compares false,
// NaN <> x is true).

// cmpMask selects which orderings make a comparison true.
type cmpMask uint8

const (
	mLT cmpMask = 1 << iota
	mEQ
	mGT
)

type cmpOp struct {
	name string
	mask cmpMask
}

var cmpOps = []cmpOp{
	{"=", mEQ}, {"<>", mLT | mGT}, {"<", mLT}, {"<=", mLT | mEQ}, {">", mGT}, {">=", mGT | mEQ},
}

func boolType(n bool) types.Type { return types.BooleanType.WithNullable(n) }

func inferCompare(name string) func(args []Arg) (types.Type, error) {
	return func(args []Arg) (types.Type, error) {
		if len(args) != 2 {
			return types.Type{}, fmt.Errorf("%s expects 2 arguments, got %d", name, len(args))
		}
		if _, ok := comparable2(args[0].Type, args[1].Type); !ok {
			return types.Type{}, fmt.Errorf("cannot compare %s with %s using '%s'", args[0].Type, args[1].Type, name)
		}
		n := anyNullable(args)
		if strings.Contains(name, "DISTINCT") {
			n = false
		}
		return boolType(n), nil
	}
}

func compareFunc(op cmpOp) *Func {
	return &Func{
		Name:       op.name,
		Signatures: []string{fmt.Sprintf("ANY %s ANY (comparable types)", op.name)},
		Infer:      inferCompare(op.name),
		Compile: func(args []Arg, _ types.Type) (Eval, error) {
			x, y, t, err := coercePair(args[0], args[1])
			if err != nil {
				return nil, err
			}
			return compileCompare(op.mask, t, x, y), nil
		},
	}
}

// coercePair widens two args to their common type.
func coercePair(a, b Arg) (Eval, Eval, types.Type, error) {
	t, ok := comparable2(a.Type, b.Type)
	if !ok {
		return nil, nil, t, fmt.Errorf("cannot compare %s with %s", a.Type, b.Type)
	}
	x, err := coerce(a, t)
	if err != nil {
		return nil, nil, t, err
	}
	y, err := coerce(b, t)
	if err != nil {
		return nil, nil, t, err
	}
	return x, y, t, nil
}

// repr is the physical comparison class of a type.
type repr uint8

const (
	reprInt repr = iota // I holds an ordered integer
	reprFloat
	reprDecimal
	reprString
	reprOther
)

func reprOf(t types.Type) repr {
	switch {
	case t.IsApprox():
		return reprFloat
	case t.ID == types.Decimal:
		return reprDecimal
	case t.IsString() || t.IsBinary():
		return reprString
	case t.ID == types.Null:
		return reprInt
	case t.ID >= types.Boolean && t.ID <= types.BigInt, t.ID >= types.Date && t.ID <= types.IntervalYearMonth:
		return reprInt
	}
	return reprOther
}

// comparator returns a three-way compare for non-NULL values of type t
// (Java's Double.compare order for floats).
func comparator(t types.Type) func(u, v types.Value) int {
	switch reprOf(t) {
	case reprInt:
		return func(u, v types.Value) int {
			switch {
			case u.I < v.I:
				return -1
			case u.I > v.I:
				return 1
			}
			return 0
		}
	case reprString:
		return func(u, v types.Value) int { return strings.Compare(u.S, v.S) }
	case reprDecimal:
		return cmpDecimal
	}
	return func(u, v types.Value) int { return types.Compare(u, v, t) }
}

func cmpDecimal(u, v types.Value) int {
	if u.X == nil && v.X == nil {
		switch {
		case u.I < v.I:
			return -1
		case u.I > v.I:
			return 1
		}
		return 0
	}
	return u.BigUnscaled().Cmp(v.BigUnscaled())
}

func compileCompare(m cmpMask, t types.Type, x, y Eval) Eval {
	switch reprOf(t) {
	case reprInt:
		if m == mEQ {
			return func(r types.Row) types.Value {
				u := x(r)
				if u.K == types.KindNull {
					return u
				}
				v := y(r)
				if v.K == types.KindNull {
					return v
				}
				return boolVal(u.I == v.I)
			}
		}
		lt, eq, gt := m&mLT != 0, m&mEQ != 0, m&mGT != 0
		return func(r types.Row) types.Value {
			u := x(r)
			if u.K == types.KindNull {
				return u
			}
			v := y(r)
			if v.K == types.KindNull {
				return v
			}
			return boolVal(u.I < v.I && lt || u.I == v.I && eq || u.I > v.I && gt)
		}
	case reprFloat:
		lt, eq, gt := m&mLT != 0, m&mEQ != 0, m&mGT != 0
		ne := m == mLT|mGT
		return func(r types.Row) types.Value {
			u := x(r)
			if u.K == types.KindNull {
				return u
			}
			v := y(r)
			if v.K == types.KindNull {
				return v
			}
			a, b := u.Float(), v.Float()
			if ne {
				return boolVal(a != b)
			}
			return boolVal(a < b && lt || a == b && eq || a > b && gt)
		}
	case reprString:
		if m == mEQ {
			return func(r types.Row) types.Value {
				u := x(r)
				if u.K == types.KindNull {
					return u
				}
				v := y(r)
				if v.K == types.KindNull {
					return v
				}
				return boolVal(u.S == v.S)
			}
		}
	}
	cmp := comparator(t)
	return func(r types.Row) types.Value {
		u := x(r)
		if u.K == types.KindNull {
			return u
		}
		v := y(r)
		if v.K == types.KindNull {
			return v
		}
		c := cmp(u, v)
		return boolVal(c < 0 && m&mLT != 0 || c == 0 && m&mEQ != 0 || c > 0 && m&mGT != 0)
	}
}

func boolVal(b bool) types.Value {
	if b {
		return types.Value{K: types.KindBool, I: 1}
	}
	return types.Value{K: types.KindBool}
}

// equalFn returns SQL equality for non-NULL values of type t.
func equalFn(t types.Type) func(u, v types.Value) bool {
	switch reprOf(t) {
	case reprInt:
		return func(u, v types.Value) bool { return u.I == v.I }
	case reprFloat:
		return func(u, v types.Value) bool { return u.Float() == v.Float() }
	case reprString:
		return func(u, v types.Value) bool { return u.S == v.S }
	case reprDecimal:
		return func(u, v types.Value) bool { return cmpDecimal(u, v) == 0 }
	}
	return func(u, v types.Value) bool { return types.Equal(u, v) }
}

func distinctFunc(name string, distinct bool) *Func {
	return &Func{
		Name:       name,
		Signatures: []string{"ANY " + name + " ANY"},
		Infer:      inferCompare(name),
		Compile: func(args []Arg, _ types.Type) (Eval, error) {
			x, y, t, err := coercePair(args[0], args[1])
			if err != nil {
				return nil, err
			}
			eq := equalFn(t)
			return func(r types.Row) types.Value {
				u, v := x(r), y(r)
				var same bool
				switch {
				case u.K == types.KindNull || v.K == types.KindNull:
					same = u.K == v.K
				default:
					same = eq(u, v)
				}
				return boolVal(same != distinct)
			}, nil
		},
	}
}

// betweenFunc is x BETWEEN lo AND hi (x >= lo AND x <= hi with SQL's
// three-valued AND) and NOT BETWEEN (x < lo OR x > hi).
func betweenFunc(name string, not bool) *Func {
	return &Func{
		Name:       name,
		Signatures: []string{"x " + name + " lo AND hi"},
		Infer: func(args []Arg) (types.Type, error) {
			if len(args) != 3 {
				return types.Type{}, fmt.Errorf("%s expects 3 arguments, got %d", name, len(args))
			}
			if _, err := commonArgType(name, args); err != nil {
				return types.Type{}, err
			}
			return boolType(anyNullable(args)), nil
		},
		Compile: func(args []Arg, _ types.Type) (Eval, error) {
			t, err := commonArgType(name, args)
			if err != nil {
				return nil, err
			}
			ev, err := coerceAll(args, t)
			if err != nil {
				return nil, err
			}
			x, lo, hi := ev[0], ev[1], ev[2]
			cmp := comparator(t)
			return func(r types.Row) types.Value {
				u := x(r)
				if u.K == types.KindNull {
					return u
				}
				a, b := lo(r), hi(r)
				// Each side: 1 true, 0 false, -1 unknown.
				side := func(v types.Value, lower bool) int {
					if v.K == types.KindNull {
						return -1
					}
					c := cmp(u, v)
					if lower {
						return b2i(c >= 0)
					}
					return b2i(c <= 0)
				}
				l, h := side(a, true), side(b, false)
				if not {
					l, h = neg3(l), neg3(h)
					return tri(or3(l, h))
				}
				return tri(and3(l, h))
			}, nil
		},
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func neg3(a int) int {
	if a < 0 {
		return a
	}
	return 1 - a
}

func and3(a, b int) int {
	switch {
	case a == 0 || b == 0:
		return 0
	case a < 0 || b < 0:
		return -1
	}
	return 1
}

func or3(a, b int) int {
	switch {
	case a == 1 || b == 1:
		return 1
	case a < 0 || b < 0:
		return -1
	}
	return 0
}

func tri(a int) types.Value {
	if a < 0 {
		return types.Value{}
	}
	return boolVal(a == 1)
}

// inFunc is x IN (v1, v2, ...). A list of non-NULL constants of integer or
// string representation compiles into a hash set.
func inFunc() *Func {
	return &Func{
		Name:       "IN",
		Signatures: []string{"x IN (v1, v2, ...)"},
		Infer: func(args []Arg) (types.Type, error) {
			if len(args) < 2 {
				return types.Type{}, fmt.Errorf("IN expects a value and at least one list element")
			}
			if _, err := commonArgType("IN", args); err != nil {
				return types.Type{}, err
			}
			return boolType(anyNullable(args)), nil
		},
		Compile: func(args []Arg, _ types.Type) (Eval, error) {
			t, err := commonArgType("IN", args)
			if err != nil {
				return nil, err
			}
			ev, err := coerceAll(args, t)
			if err != nil {
				return nil, err
			}
			x := ev[0]
			allConst := true
			for _, a := range args[1:] {
				if a.Const == nil {
					allConst = false
				}
			}
			if allConst {
				// Evaluate the (converted) constants once.
				consts := make([]types.Value, len(ev)-1)
				hasNull := false
				for i, a := range args[1:] {
					c := *a.Const
					if c.K != types.KindNull {
						f, err := CompileCast(a.Type, t, false)
						if err != nil {
							return nil, err
						}
						c = f(c)
					}
					consts[i] = c
					hasNull = hasNull || c.K == types.KindNull
				}
				if e := inSet(t, x, consts, hasNull); e != nil {
					return e, nil
				}
			}
			eq := equalFn(t)
			list := ev[1:]
			return func(r types.Row) types.Value {
				u := x(r)
				if u.K == types.KindNull {
					return u
				}
				sawNull := false
				for _, e := range list {
					v := e(r)
					if v.K == types.KindNull {
						sawNull = true
						continue
					}
					if eq(u, v) {
						return boolVal(true)
					}
				}
				if sawNull {
					return types.Value{}
				}
				return boolVal(false)
			}, nil
		},
	}
}

func inSet(t types.Type, x Eval, consts []types.Value, hasNull bool) Eval {
	miss := boolVal(false)
	if hasNull {
		miss = types.Value{}
	}
	switch reprOf(t) {
	case reprInt:
		set := make(map[int64]struct{}, len(consts))
		for _, c := range consts {
			if c.K != types.KindNull {
				set[c.I] = struct{}{}
			}
		}
		return func(r types.Row) types.Value {
			u := x(r)
			if u.K == types.KindNull {
				return u
			}
			if _, ok := set[u.I]; ok {
				return boolVal(true)
			}
			return miss
		}
	case reprString:
		set := make(map[string]struct{}, len(consts))
		for _, c := range consts {
			if c.K != types.KindNull {
				set[c.S] = struct{}{}
			}
		}
		return func(r types.Row) types.Value {
			u := x(r)
			if u.K == types.KindNull {
				return u
			}
			if _, ok := set[u.S]; ok {
				return boolVal(true)
			}
			return miss
		}
	case reprDecimal:
		set := make(map[string]struct{}, len(consts))
		for _, c := range consts {
			if c.K != types.KindNull {
				set[c.BigUnscaled().String()] = struct{}{}
			}
		}
		return func(r types.Row) types.Value {
			u := x(r)
			if u.K == types.KindNull {
				return u
			}
			if _, ok := set[u.BigUnscaled().String()]; ok {
				return boolVal(true)
			}
			return miss
		}
	}
	return nil
}
