package functions

import (
	"fmt"
	"math"
	"math/big"

	"github.com/sluicehq/sluice/internal/types"
)

// Arithmetic operators + - * / % (MOD) and unary NEG.
//
// Integers stay in the wider integer type and wrap around on overflow as
// Java does (Flink does not check); INT / INT is truncating integer
// division. Integer and DECIMAL division or modulo by zero is an error
// ("/ by zero"); on FLOAT/DOUBLE it gives Infinity or NaN. DECIMAL results
// take Flink's LogicalTypeMerging precision and scale, round HALF_UP, and are
// NULL when the result does not fit its precision (as Flink's DecimalData).
// Datetime arithmetic: TIMESTAMP/DATE/TIME ± INTERVAL, INTERVAL ± INTERVAL,
// INTERVAL * number, INTERVAL / number; month arithmetic clamps the day to
// the end of the month like Java's plusMonths.

type arithOp uint8

const (
	opAdd arithOp = iota
	opSub
	opMul
	opDiv
	opMod
)

var arithNames = [...]string{"+", "-", "*", "/", "%"}

func arithFunc(name string, op arithOp) *Func {
	return &Func{
		Name:       name,
		Signatures: []string{fmt.Sprintf("%s(NUMERIC, NUMERIC)", name), "TIMESTAMP/DATE/TIME ± INTERVAL", "INTERVAL * NUMERIC"},
		Infer:      func(args []Arg) (types.Type, error) { return inferArith(name, op, args) },
		Compile: func(args []Arg, ret types.Type) (Eval, error) {
			return compileArith(name, op, args, ret)
		},
	}
}

func inferArith(name string, op arithOp, args []Arg) (types.Type, error) {
	if len(args) != 2 {
		return types.Type{}, fmt.Errorf("%s expects 2 arguments, got %d", name, len(args))
	}
	a, b := args[0].Type, args[1].Type
	n := anyNullable(args)
	if a.ID == types.Null && b.ID == types.Null {
		return types.NullType, nil
	}
	if a.ID == types.Null {
		a = b
	}
	if b.ID == types.Null {
		b = a
	}
	if a.IsNumeric() && b.IsNumeric() {
		return withNull(arithNumericType(op, a, b), n), nil
	}
	switch {
	case (op == opAdd || op == opSub) && (a.IsTimestamp() || a.ID == types.Date || a.ID == types.Time) && b.IsInterval():
		if a.ID == types.Time && b.ID == types.IntervalYearMonth {
			break
		}
		return withNull(a, n), nil
	case op == opAdd && a.IsInterval() && (b.IsTimestamp() || b.ID == types.Date || b.ID == types.Time):
		return withNull(b, n), nil
	case (op == opAdd || op == opSub) && a.IsInterval() && a.ID == b.ID:
		return withNull(a, n), nil
	case (op == opMul || op == opDiv) && a.IsInterval() && b.IsNumeric():
		return withNull(a, n), nil
	case op == opMul && a.IsNumeric() && b.IsInterval():
		return withNull(b, n), nil
	}
	return types.Type{}, fmt.Errorf("cannot apply '%s' to arguments of type %s and %s", name, args[0].Type, args[1].Type)
}

// arithNumericType is the result type of a numeric binary operator.
func arithNumericType(op arithOp, a, b types.Type) types.Type {
	switch {
	case a.ID == types.Double || b.ID == types.Double:
		return types.DoubleType
	case a.ID == types.Float || b.ID == types.Float:
		if a.ID == types.Decimal || b.ID == types.Decimal {
			return types.DoubleType
		}
		return types.FloatType
	case a.ID == types.Decimal || b.ID == types.Decimal:
		p1, s1 := asDecimal(a)
		p2, s2 := asDecimal(b)
		switch op {
		case opAdd, opSub:
			return decimalAddType(p1, s1, p2, s2)
		case opMul:
			return decimalMulType(p1, s1, p2, s2)
		case opDiv:
			return decimalDivType(p1, s1, p2, s2)
		default:
			return decimalModType(p1, s1, p2, s2)
		}
	}
	if op == opMod {
		// Calcite's MOD returns the type of the divisor.
		return plain(b)
	}
	return wider(a, b)
}

func compileArith(name string, op arithOp, args []Arg, ret types.Type) (Eval, error) {
	a, b := args[0], args[1]
	if ret.ID == types.Null {
		return constNull, nil
	}
	if a.Type.ID == types.Null {
		a.Type = b.Type
		a.Eval = constNull
	}
	if b.Type.ID == types.Null {
		b.Type = a.Type
		b.Eval = constNull
	}
	switch {
	case ret.IsInteger() && a.Type.IsNumeric() && b.Type.IsNumeric():
		operand := withNull(ret, true)
		if op == opMod {
			// MOD has the divisor's type, which the remainder fits, but
			// the dividend must not be narrowed to it first: BIGINT % INT
			// divides the whole BIGINT.
			operand = withNull(wider(a.Type, b.Type), true)
		}
		x, err := coerce(a, operand)
		if err != nil {
			return nil, err
		}
		y, err := coerce(b, operand)
		if err != nil {
			return nil, err
		}
		return intArith(name, op, ret.ID, x, y), nil
	case ret.IsApprox() && a.Type.IsNumeric() && b.Type.IsNumeric():
		x, err := coerce(a, types.DoubleType)
		if err != nil {
			return nil, err
		}
		y, err := coerce(b, types.DoubleType)
		if err != nil {
			return nil, err
		}
		return floatArith(op, ret.ID == types.Float, x, y), nil
	case ret.ID == types.Decimal && a.Type.IsNumeric() && b.Type.IsNumeric():
		return decimalArith(name, op, a, b, ret)
	}
	return compileTemporalArith(name, op, a, b, ret)
}

func constNull(types.Row) types.Value { return types.Value{} }

// intArith specialises on the operator; narrowing to the result width is a
// shift pair (sh = 64 - bits), so one closure serves all integer types.
func intArith(name string, op arithOp, id types.TypeID, x, y Eval) Eval {
	sh := uint(64 - 8*intBytes(id))
	switch op {
	case opAdd:
		return func(r types.Row) types.Value {
			u := x(r)
			if u.K == types.KindNull {
				return u
			}
			v := y(r)
			if v.K == types.KindNull {
				return v
			}
			return types.Value{K: types.KindInt, I: (u.I + v.I) << sh >> sh}
		}
	case opSub:
		return func(r types.Row) types.Value {
			u := x(r)
			if u.K == types.KindNull {
				return u
			}
			v := y(r)
			if v.K == types.KindNull {
				return v
			}
			return types.Value{K: types.KindInt, I: (u.I - v.I) << sh >> sh}
		}
	case opMul:
		return func(r types.Row) types.Value {
			u := x(r)
			if u.K == types.KindNull {
				return u
			}
			v := y(r)
			if v.K == types.KindNull {
				return v
			}
			return types.Value{K: types.KindInt, I: (u.I * v.I) << sh >> sh}
		}
	case opDiv:
		return func(r types.Row) types.Value {
			u := x(r)
			if u.K == types.KindNull {
				return u
			}
			v := y(r)
			if v.K == types.KindNull {
				return v
			}
			if v.I == 0 {
				Fail(name, "/ by zero")
			}
			return types.Value{K: types.KindInt, I: (u.I / v.I) << sh >> sh}
		}
	}
	return func(r types.Row) types.Value {
		u := x(r)
		if u.K == types.KindNull {
			return u
		}
		v := y(r)
		if v.K == types.KindNull {
			return v
		}
		if v.I == 0 {
			Fail(name, "/ by zero")
		}
		return types.Value{K: types.KindInt, I: (u.I % v.I) << sh >> sh}
	}
}

func intBytes(id types.TypeID) int {
	switch id {
	case types.TinyInt:
		return 1
	case types.SmallInt:
		return 2
	case types.Int:
		return 4
	}
	return 8
}

func floatArith(op arithOp, f32 bool, x, y Eval) Eval {
	var f func(a, b float64) float64
	switch op {
	case opAdd:
		f = func(a, b float64) float64 { return a + b }
	case opSub:
		f = func(a, b float64) float64 { return a - b }
	case opMul:
		f = func(a, b float64) float64 { return a * b }
	case opDiv:
		f = func(a, b float64) float64 { return a / b }
	default:
		f = math.Mod
	}
	if op == opAdd && !f32 {
		return func(r types.Row) types.Value {
			u := x(r)
			if u.K == types.KindNull {
				return u
			}
			v := y(r)
			if v.K == types.KindNull {
				return v
			}
			return types.FloatValue(u.Float() + v.Float())
		}
	}
	return func(r types.Row) types.Value {
		u := x(r)
		if u.K == types.KindNull {
			return u
		}
		v := y(r)
		if v.K == types.KindNull {
			return v
		}
		z := f(u.Float(), v.Float())
		if f32 {
			z = float64(float32(z))
		}
		return types.FloatValue(z)
	}
}

// decimalOperand returns an evaluator producing the operand as a decimal
// with its natural scale.
func decimalOperand(a Arg) (Eval, int, error) {
	if a.Type.ID == types.Decimal {
		return a.Eval, a.Type.Scale, nil
	}
	if a.Type.ID == types.Null {
		return constNull, 0, nil
	}
	p, s := asDecimal(a.Type)
	e, err := coerce(a, types.DecimalType(p, s))
	return e, s, err
}

func decimalArith(name string, op arithOp, a, b Arg, ret types.Type) (Eval, error) {
	x, s1, err := decimalOperand(a)
	if err != nil {
		return nil, err
	}
	y, s2, err := decimalOperand(b)
	if err != nil {
		return nil, err
	}
	p, s := ret.Precision, ret.Scale
	f := decimalBinary(name, op, s1, s2, p, s)
	return func(r types.Row) types.Value {
		u := x(r)
		if u.K == types.KindNull {
			return u
		}
		v := y(r)
		if v.K == types.KindNull {
			return v
		}
		return f(u, v)
	}, nil
}

// decimalBinary computes u op v for decimals of scales s1, s2 into
// DECIMAL(p, s), HALF_UP, NULL on overflow.
func decimalBinary(name string, op arithOp, s1, s2, p, s int) func(u, v types.Value) types.Value {
	fit := func(d types.Value) types.Value {
		if !types.DecimalFits(d, p) {
			return types.Value{}
		}
		return d
	}
	switch op {
	case opAdd, opSub:
		sc := max(s1, s2)
		neg := op == opSub
		return func(u, v types.Value) types.Value {
			if u.X == nil && v.X == nil && sc-s1 <= 18 && sc-s2 <= 18 {
				ok1, a := mulCheck(u.I, types.Pow10(sc-s1))
				ok2, b := mulCheck(v.I, types.Pow10(sc-s2))
				if neg {
					b = -b
					ok2 = ok2 && v.I != math.MinInt64
				}
				c := a + b
				if ok1 && ok2 && !((a > 0 && b > 0 && c < 0) || (a < 0 && b < 0 && c >= 0)) {
					return fit(types.RescaleDecimal(types.DecimalValue(c), sc, s))
				}
			}
			a := new(big.Int).Mul(u.BigUnscaled(), types.BigPow10(sc-s1))
			b := new(big.Int).Mul(v.BigUnscaled(), types.BigPow10(sc-s2))
			if neg {
				a.Sub(a, b)
			} else {
				a.Add(a, b)
			}
			return fit(types.RescaleDecimal(types.BigDecimalValue(a), sc, s))
		}
	case opMul:
		sc := s1 + s2
		return func(u, v types.Value) types.Value {
			if u.X == nil && v.X == nil {
				if ok, c := mulCheck(u.I, v.I); ok {
					return fit(types.RescaleDecimal(types.DecimalValue(c), sc, s))
				}
			}
			c := new(big.Int).Mul(u.BigUnscaled(), v.BigUnscaled())
			return fit(types.RescaleDecimal(types.BigDecimalValue(c), sc, s))
		}
	case opDiv:
		// u/10^s1 / (v/10^s2) at scale s: u * 10^(s+s2) / (v * 10^s1).
		k := s + s2 - s1
		return func(u, v types.Value) types.Value {
			if v.X == nil && v.I == 0 {
				Fail(name, "/ by zero")
			}
			if u.X == nil && v.X == nil && k >= 0 && k <= 18 {
				if ok, n := mulCheck(u.I, types.Pow10(k)); ok {
					q, rem := n/v.I, n%v.I
					if rem != 0 {
						ar, av := absI(rem), absI(v.I)
						if ar >= av-ar {
							if (n < 0) != (v.I < 0) {
								q--
							} else {
								q++
							}
						}
					}
					return fit(types.DecimalValue(q))
				}
			}
			num := new(big.Int).Mul(u.BigUnscaled(), types.BigPow10(max(k, 0)))
			den := new(big.Int).Mul(v.BigUnscaled(), types.BigPow10(max(-k, 0)))
			return fit(types.BigDecimalValue(types.DivHalfUp(num, den)))
		}
	}
	sc := max(s1, s2)
	return func(u, v types.Value) types.Value {
		if v.X == nil && v.I == 0 {
			Fail(name, "/ by zero")
		}
		a := new(big.Int).Mul(u.BigUnscaled(), types.BigPow10(sc-s1))
		b := new(big.Int).Mul(v.BigUnscaled(), types.BigPow10(sc-s2))
		a.Rem(a, b)
		return fit(types.RescaleDecimal(types.BigDecimalValue(a), sc, s))
	}
}

func absI(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

func mulCheck(a, b int64) (bool, int64) {
	if a == 0 || b == 0 {
		return true, 0
	}
	c := a * b
	if c/b != a || (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64) {
		return false, 0
	}
	return true, c
}

// ---- datetime arithmetic ----

func compileTemporalArith(name string, op arithOp, a, b Arg, ret types.Type) (Eval, error) {
	x, y := a.Eval, b.Eval
	at, bt := a.Type, b.Type
	if op == opAdd && at.IsInterval() && !bt.IsInterval() {
		x, y, at, bt = y, x, bt, at
	}
	sign := int64(1)
	if op == opSub {
		sign = -1
	}
	bin := func(f func(u, v int64) int64) Eval {
		return func(r types.Row) types.Value {
			u := x(r)
			if u.K == types.KindNull {
				return u
			}
			v := y(r)
			if v.K == types.KindNull {
				return v
			}
			return types.IntValue(f(u.I, v.I))
		}
	}
	switch {
	case (op == opAdd || op == opSub) && at.IsInterval() && at.ID == bt.ID:
		return bin(func(u, v int64) int64 { return u + sign*v }), nil
	case (op == opMul || op == opDiv) && (at.IsInterval() || bt.IsInterval()):
		iv, num, nt := x, y, bt
		if bt.IsInterval() {
			iv, num, nt = y, x, at
		}
		nv, err := coerce(Arg{Type: nt, Eval: num}, types.DoubleType)
		if err != nil {
			return nil, err
		}
		div := op == opDiv
		exact := nt.IsInteger()
		return func(r types.Row) types.Value {
			u := iv(r)
			if u.K == types.KindNull {
				return u
			}
			v := nv(r)
			if v.K == types.KindNull {
				return v
			}
			f := v.Float()
			if div {
				if f == 0 {
					Fail(name, "/ by zero")
				}
				return types.IntValue(int64(float64(u.I) / f))
			}
			if exact {
				return types.IntValue(u.I * int64(f))
			}
			return types.IntValue(int64(float64(u.I) * f))
		}, nil
	case at.IsTimestamp() && bt.ID == types.IntervalDayTime:
		return bin(func(u, v int64) int64 { return u + sign*v }), nil
	case at.IsTimestamp() && bt.ID == types.IntervalYearMonth:
		return bin(func(u, v int64) int64 {
			d, ns := floorDiv(u, nanosPerDay), floorMod(u, nanosPerDay)
			return addMonths(d, sign*v)*nanosPerDay + ns
		}), nil
	case at.ID == types.Date && bt.ID == types.IntervalDayTime:
		return bin(func(u, v int64) int64 { return u + sign*floorDiv(v, nanosPerDay) }), nil
	case at.ID == types.Date && bt.ID == types.IntervalYearMonth:
		return bin(func(u, v int64) int64 { return addMonths(u, sign*v) }), nil
	case at.ID == types.Time && bt.ID == types.IntervalDayTime:
		return bin(func(u, v int64) int64 { return floorMod(u+sign*v, nanosPerDay) }), nil
	}
	return nil, fmt.Errorf("cannot apply '%s' to arguments of type %s and %s", name, a.Type, b.Type)
}

// addMonths adds n months to a date (days since epoch), clamping the day to
// the last day of the target month as Java's LocalDate.plusMonths.
func addMonths(days, n int64) int64 {
	y, m, d := types.CivilFromDays(days)
	total := int64(y)*12 + int64(m-1) + n
	ny := int(floorDiv(total, 12))
	nm := int(floorMod(total, 12)) + 1
	if dim := types.DaysInMonth(ny, nm); d > dim {
		d = dim
	}
	return types.DaysFromCivil(ny, nm, d)
}

// ---- unary minus ----

func negFunc() *Func {
	return &Func{
		Name:       "NEG",
		Signatures: []string{"NEG(NUMERIC)", "NEG(INTERVAL)"},
		Infer: func(args []Arg) (types.Type, error) {
			if len(args) != 1 || !(args[0].Type.IsNumeric() || args[0].Type.IsInterval() || args[0].Type.ID == types.Null) {
				return types.Type{}, fmt.Errorf("cannot apply '-' to arguments of type (%s)", typeList(args))
			}
			return withNull(args[0].Type, args[0].Type.Nullable), nil
		},
		Compile: func(args []Arg, ret types.Type) (Eval, error) {
			x := args[0].Eval
			switch {
			case ret.IsInteger() || ret.IsInterval():
				sh := uint(64 - 8*intBytes(ret.ID))
				if ret.IsInterval() {
					sh = 0
				}
				return func(r types.Row) types.Value {
					u := x(r)
					if u.K == types.KindNull {
						return u
					}
					return types.Value{K: types.KindInt, I: (-u.I) << sh >> sh}
				}, nil
			case ret.IsApprox():
				return func(r types.Row) types.Value {
					u := x(r)
					if u.K == types.KindNull {
						return u
					}
					return types.FloatValue(-u.Float())
				}, nil
			case ret.ID == types.Decimal:
				return func(r types.Row) types.Value {
					u := x(r)
					if u.K == types.KindNull {
						return u
					}
					if u.X == nil && u.I != math.MinInt64 {
						return types.DecimalValue(-u.I)
					}
					return types.BigDecimalValue(new(big.Int).Neg(u.BigUnscaled()))
				}, nil
			}
			return constNull, nil
		},
	}
}
