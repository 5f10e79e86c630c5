package functions

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sluicehq/sluice/internal/types"
)

// Math functions. Transcendental functions compute in DOUBLE as Java's Math
// does (LN of a negative is NaN, not an error). ROUND and TRUNCATE on DOUBLE
// go through the shortest decimal form (Java's BigDecimal.valueOf) and round
// HALF_UP, so ROUND(2.675, 2) is 2.68 as in Flink.

func mathFuncs(opts Options) []*Func {
	d1 := func(name string, f func(float64) float64) simple {
		return simple{name: name, args: []argKind{kNum}, ret: retDouble,
			f1: func(a types.Value) types.Value { return f64(f(a.Float())) }}
	}
	constD := func(name string, c float64) simple {
		return simple{name: name, ret: ret(types.DoubleType.NotNull()), keepNull: true,
			f0: func() types.Value { return f64(c) }}
	}
	fs := []simple{
		{name: "ABS", args: []argKind{kNum}, ret: numArg0, compile: compileAbs},
		{name: "POWER", args: []argKind{kNum, kNum}, ret: retDouble,
			f2: func(a, b types.Value) types.Value { return f64(math.Pow(a.Float(), b.Float())) }},
		d1("SQRT", math.Sqrt), d1("EXP", math.Exp), d1("LN", math.Log), d1("LOG10", math.Log10),
		d1("LOG2", math.Log2), d1("SIN", math.Sin), d1("COS", math.Cos), d1("TAN", math.Tan),
		d1("ASIN", math.Asin), d1("ACOS", math.Acos), d1("ATAN", math.Atan),
		d1("SINH", math.Sinh), d1("COSH", math.Cosh), d1("TANH", math.Tanh),
		d1("COT", func(x float64) float64 { return 1 / math.Tan(x) }),
		d1("DEGREES", func(x float64) float64 { return x * 180 / math.Pi }),
		d1("RADIANS", func(x float64) float64 { return x / 180 * math.Pi }),
		{name: "ATAN2", args: []argKind{kNum, kNum}, ret: retDouble,
			f2: func(a, b types.Value) types.Value { return f64(math.Atan2(a.Float(), b.Float())) }},
		{name: "LOG", args: []argKind{kNum}, opt: []argKind{kNum}, ret: retDouble,
			f1: func(a types.Value) types.Value { return f64(math.Log(a.Float())) },
			f2: func(b, x types.Value) types.Value { return f64(math.Log(x.Float()) / math.Log(b.Float())) }},
		{name: "SIGN", args: []argKind{kNum}, ret: numArg0, compile: compileSign},
		constD("PI", math.Pi), constD("E", math.E),
		{name: "ROUND", args: []argKind{kNum}, opt: []argKind{kInt}, ret: roundType, compile: compileRound(false)},
		{name: "TRUNCATE", args: []argKind{kNum}, opt: []argKind{kInt}, ret: roundType, compile: compileRound(true)},
		{name: "BIN", args: []argKind{kInt}, ret: retString,
			f1: func(a types.Value) types.Value { return str(strconv.FormatUint(uint64(a.I), 2)) }},
		{name: "HEX", args: []argKind{kAny}, ret: retString, compile: compileHex},
		{name: "RAND", opt: []argKind{kInt}, ret: ret(types.DoubleType.NotNull()), keepNull: true, nondet: true,
			compile: compileRand(opts, false)},
		{name: "RAND_INTEGER", args: []argKind{kInt}, opt: []argKind{kInt}, ret: ret(types.IntType.NotNull()), keepNull: true, nondet: true,
			compile: compileRand(opts, true)},
	}
	out := make([]*Func, 0, len(fs)+4)
	for _, s := range fs {
		out = append(out, s.toFunc())
	}
	out = append(out, floorCeil("FLOOR", false), floorCeil("CEIL", true), floorCeil("CEILING", true))
	return out
}

func numArg0(args []Arg) (types.Type, error) {
	if args[0].Type.ID == types.Null {
		return types.IntType, nil
	}
	return plain(args[0].Type), nil
}

func compileAbs(args []Arg, ret types.Type) (Eval, error) {
	x := args[0].Eval
	switch {
	case ret.IsInteger():
		return func(r types.Row) types.Value {
			v := x(r)
			if v.K == types.KindNull || v.I >= 0 {
				return v
			}
			return i64(wrapTo(ret.ID, -v.I))
		}, nil
	case ret.IsApprox():
		return func(r types.Row) types.Value {
			v := x(r)
			if v.K == types.KindNull {
				return v
			}
			return f64(math.Abs(v.Float()))
		}, nil
	case ret.ID == types.Decimal:
		return func(r types.Row) types.Value {
			v := x(r)
			if v.K == types.KindNull {
				return v
			}
			if v.X == nil && v.I != math.MinInt64 {
				return types.DecimalValue(absI(v.I))
			}
			return types.BigDecimalValue(new(big.Int).Abs(v.BigUnscaled()))
		}, nil
	}
	return constNull, nil
}

func compileSign(args []Arg, ret types.Type) (Eval, error) {
	x := args[0].Eval
	scale := ret.Scale
	return func(r types.Row) types.Value {
		v := x(r)
		if v.K == types.KindNull {
			return v
		}
		switch {
		case ret.IsApprox():
			f := v.Float()
			switch {
			case f > 0:
				return f64(1)
			case f < 0:
				return f64(-1)
			}
			return v // 0.0, -0.0, NaN as Math.signum
		case ret.ID == types.Decimal:
			return types.RescaleDecimal(types.DecimalValue(int64(v.BigUnscaled().Sign())), 0, scale)
		}
		switch {
		case v.I > 0:
			return i64(1)
		case v.I < 0:
			return i64(-1)
		}
		return i64(0)
	}, nil
}

// roundType is Flink's: integers and doubles keep their type; DECIMAL(p,s)
// rounded to a literal d becomes findRoundDecimalType(p, s, d).
func roundType(args []Arg) (types.Type, error) {
	t := plain(args[0].Type)
	if t.ID == types.Null {
		return types.IntType, nil
	}
	if t.ID != types.Decimal {
		return t, nil
	}
	d := 0
	if len(args) == 2 {
		if args[1].Const == nil || args[1].Const.K == types.KindNull {
			return t, nil
		}
		d = int(args[1].Const.I)
	}
	p, s := t.Precision, t.Scale
	switch {
	case d >= s:
		return t, nil
	case d < 0:
		return types.DecimalType(min(types.MaxDecimalPrecision, 1+p-s), 0), nil
	}
	return types.DecimalType(min(types.MaxDecimalPrecision, 1+p-s+d), d), nil
}

// roundDecimal rounds (HALF_UP) or truncates an unscaled value at scale s
// to d fraction digits, returned at scale d (or 0 when d < 0).
func roundDecimal(v types.Value, s, d int, trunc bool) types.Value {
	if d >= s {
		return v
	}
	b := v.BigUnscaled()
	div := types.BigPow10(s - d)
	var q *big.Int
	if trunc {
		q = new(big.Int).Quo(b, div)
	} else {
		q = types.DivHalfUp(b, div)
	}
	if d < 0 {
		q.Mul(q, types.BigPow10(-d))
	}
	return types.BigDecimalValue(q)
}

func compileRound(trunc bool) func(args []Arg, ret types.Type) (Eval, error) {
	return func(args []Arg, ret types.Type) (Eval, error) {
		x := args[0].Eval
		dEval := Eval(func(types.Row) types.Value { return i64(0) })
		if len(args) == 2 {
			dEval = args[1].Eval
		}
		in := args[0].Type
		return func(r types.Row) types.Value {
			v := x(r)
			if v.K == types.KindNull {
				return v
			}
			dv := dEval(r)
			if dv.K == types.KindNull {
				return dv
			}
			d := int(dv.I)
			switch {
			case in.IsInteger():
				if d >= 0 {
					return v
				}
				res := roundDecimal(types.DecimalValue(v.I), 0, d, trunc)
				return i64(wrapTo(in.ID, res.BigUnscaled().Int64()))
			case in.IsApprox():
				f := v.Float()
				if math.IsNaN(f) || math.IsInf(f, 0) {
					return v
				}
				dec, err := types.ParseDecimal(strconv.FormatFloat(f, 'e', -1, 64), 1000, 400)
				if err != nil {
					return v
				}
				res := roundDecimal(dec, 400, d, trunc)
				g := types.DecimalToFloat(res, max(d, 0))
				if in.ID == types.Float {
					g = float64(float32(g))
				}
				return f64(g)
			case in.ID == types.Decimal:
				res := roundDecimal(v, in.Scale, d, trunc)
				// Bring to the result scale.
				return types.RescaleDecimal(res, max(d, 0), ret.Scale)
			}
			return types.Value{}
		}, nil
	}
}

// compileHex: HEX of an integer is Long.toHexString (two's complement) in
// upper case; HEX of a string is its UTF-8 bytes in upper-case hex.
func compileHex(args []Arg, _ types.Type) (Eval, error) {
	t := args[0].Type
	x := args[0].Eval
	switch {
	case t.IsInteger():
		return func(r types.Row) types.Value {
			v := x(r)
			if v.K == types.KindNull {
				return v
			}
			return str(strings.ToUpper(strconv.FormatUint(uint64(v.I), 16)))
		}, nil
	case t.IsString() || t.IsBinary():
		return func(r types.Row) types.Value {
			v := x(r)
			if v.K == types.KindNull {
				return v
			}
			return str(fmt.Sprintf("%X", v.S))
		}, nil
	case t.ID == types.Null:
		return constNull, nil
	}
	return nil, fmt.Errorf("HEX expects an integer or a string, got %s", t)
}

// javaRandom is java.util.Random's LCG, so RAND(seed) and
// RAND_INTEGER(seed, n) produce Flink's sequences.
type javaRandom struct {
	mu   sync.Mutex
	seed int64
}

func newJavaRandom(seed int64) *javaRandom {
	return &javaRandom{seed: (seed ^ 0x5DEECE66D) & (1<<48 - 1)}
}

func (r *javaRandom) next(bits uint) int32 {
	r.seed = (r.seed*0x5DEECE66D + 0xB) & (1<<48 - 1)
	return int32(r.seed >> (48 - bits))
}

func (r *javaRandom) float() float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return float64(int64(r.next(26))<<27+int64(r.next(27))) * (1.0 / (1 << 53))
}

func (r *javaRandom) intn(bound int32) int32 {
	r.mu.Lock()
	defer r.mu.Unlock()
	x := r.next(31)
	m := bound - 1
	if bound&m == 0 {
		return int32((int64(bound) * int64(x)) >> 31)
	}
	u := x
	for {
		x = u % bound
		if u-x+m >= 0 {
			return x
		}
		u = r.next(31)
	}
}

func compileRand(opts Options, integer bool) func(args []Arg, ret types.Type) (Eval, error) {
	return func(args []Arg, _ types.Type) (Eval, error) {
		seeded := (!integer && len(args) == 1) || (integer && len(args) == 2)
		var seed int64
		if seeded {
			c := args[0].Const
			if c == nil {
				return nil, fmt.Errorf("RAND: the seed must be a literal")
			}
			seed = c.I
		} else if opts.Seed != 0 {
			seed = opts.Seed
		} else {
			seed = time.Now().UnixNano()
		}
		rnd := newJavaRandom(seed)
		if !integer {
			return func(types.Row) types.Value { return f64(rnd.float()) }, nil
		}
		n := args[len(args)-1].Eval
		return func(r types.Row) types.Value {
			b := n(r)
			if b.K == types.KindNull || b.I <= 0 {
				Fail("RAND_INTEGER", "bound must be positive")
			}
			return i64(int64(rnd.intn(int32(b.I))))
		}, nil
	}
}
