package functions

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sluicehq/sluice/internal/types"
)

// CAST and TRY_CAST, following Flink 1.15+ (non-legacy cast behaviour):
//
//   - numeric to numeric uses Java's primitive conversions: narrowing
//     integers wrap, DOUBLE/FLOAT to an integer truncates toward zero and
//     saturates (NaN is 0), DECIMAL to an integer truncates.
//   - anything to DECIMAL rounds HALF_UP to the scale; a value that does
//     not fit the precision becomes NULL (Flink's DecimalData returns null
//     on overflow), for CAST and TRY_CAST alike.
//   - STRING to number/boolean/date/time trims spaces; text that does not
//     parse is an error for CAST and NULL for TRY_CAST. STRING to an integer
//     accepts and drops a fraction ("1.9" is 1, as Flink's
//     BinaryStringDataUtil.toLong); an out-of-range integer is an error.
//   - to STRING renders with types.FormatSQL, except BYTES which decode as
//     UTF-8. CHAR(n) pads with spaces and VARCHAR(n) truncates to n
//     characters (Flink 1.16+); BINARY(n) pads with zero bytes, VARBINARY(n)
//     truncates.
//   - TIMESTAMP and TIMESTAMP_LTZ convert through the session time zone,
//     which is always UTC in Sluice, so the nanoseconds are kept; lowering
//     the precision truncates. Integers cast to TIMESTAMP_LTZ as seconds
//     since the epoch and back (floor).
//   - ARRAY, MAP and ROW cast element/field-wise.

// CanCast reports whether CAST(from AS to) is allowed; the error names both
// types.
func CanCast(from, to types.Type) error {
	if _, err := castFunc(from, to, false); err != nil {
		return err
	}
	return nil
}

// CompileCast returns the conversion of CAST(x AS to) (try: TRY_CAST) for
// values of type from. The returned func maps NULL to NULL.
func CompileCast(from, to types.Type, try bool) (func(types.Value) types.Value, error) {
	f, err := castFunc(from, to, try)
	if err != nil {
		return nil, err
	}
	if f == nil {
		return func(v types.Value) types.Value { return v }, nil
	}
	return func(v types.Value) types.Value {
		if v.K == types.KindNull {
			return v
		}
		return f(v)
	}, nil
}

type convFn func(types.Value) types.Value

func errCast(from, to types.Type) error {
	return fmt.Errorf("cannot cast %s to %s", plain(from), plain(to))
}

// castFail reports a value that cannot be converted.
func castFail(try bool, format string, args ...any) types.Value {
	if try {
		return types.Value{}
	}
	Fail("CAST", format, args...)
	return types.Value{}
}

// castFunc returns the non-NULL conversion, nil for identity.
func castFunc(from, to types.Type, try bool) (convFn, error) {
	if from.ID == types.Null {
		return func(types.Value) types.Value { return types.Value{} }, nil
	}
	if from.EqualIgnoringNull(to) {
		return nil, nil
	}
	switch {
	case to.IsString():
		return castToString(from, to, try)
	case to.IsBinary():
		if !from.IsBinary() && !from.IsString() {
			return nil, errCast(from, to)
		}
		return binaryLength(to), nil
	case from.IsString():
		return castFromString(from, to, try)
	case to.IsNumeric() && (from.IsNumeric() || from.ID == types.Boolean):
		return castNumeric(from, to)
	case to.ID == types.Boolean && (from.IsInteger() || from.ID == types.Decimal):
		if from.ID == types.Decimal {
			return func(v types.Value) types.Value {
				return types.BoolValue(v.I != 0 || v.X != nil)
			}, nil
		}
		return func(v types.Value) types.Value { return types.BoolValue(v.I != 0) }, nil
	case from.IsTimestamp() || from.ID == types.Date || from.ID == types.Time:
		return castTemporal(from, to)
	case to.ID == types.TimestampLTZ && from.IsInteger():
		p := to.Precision
		return func(v types.Value) types.Value {
			return types.IntValue(truncNanos(v.I*1e9, p))
		}, nil
	case to.ID == types.TimestampLTZ && from.ID == types.Decimal:
		p, s := to.Precision, from.Scale
		return func(v types.Value) types.Value {
			ns := types.RescaleDecimal(v, s, 9)
			return types.IntValue(truncNanos(ns.I, p))
		}, nil
	case from.IsInterval() && from.ID == to.ID:
		return nil, nil
	case from.ID == types.Array && to.ID == types.Array, from.ID == types.Multiset && to.ID == types.Multiset:
		ef, err := CompileCast(*from.Elem, *to.Elem, try)
		if err != nil {
			return nil, err
		}
		return func(v types.Value) types.Value {
			in := v.Array()
			out := make([]types.Value, len(in))
			for i, e := range in {
				out[i] = ef(e)
			}
			return types.Value{K: v.K, X: out}
		}, nil
	case from.ID == types.Map && to.ID == types.Map:
		kf, err := CompileCast(*from.Key, *to.Key, try)
		if err != nil {
			return nil, err
		}
		vf, err := CompileCast(*from.Elem, *to.Elem, try)
		if err != nil {
			return nil, err
		}
		return func(v types.Value) types.Value {
			m := v.MapV()
			ks, vs := make([]types.Value, len(m.Keys)), make([]types.Value, len(m.Keys))
			for i := range m.Keys {
				ks[i], vs[i] = kf(m.Keys[i]), vf(m.Values[i])
			}
			return types.MapOf(ks, vs)
		}, nil
	case from.ID == types.RowType && to.ID == types.RowType && len(from.Fields) == len(to.Fields):
		fs := make([]func(types.Value) types.Value, len(from.Fields))
		for i := range fs {
			f, err := CompileCast(from.Fields[i].Type, to.Fields[i].Type, try)
			if err != nil {
				return nil, err
			}
			fs[i] = f
		}
		return func(v types.Value) types.Value {
			in := v.Fields()
			out := make([]types.Value, len(in))
			for i, e := range in {
				out[i] = fs[i](e)
			}
			return types.RowValue(out)
		}, nil
	}
	return nil, errCast(from, to)
}

// ---- to STRING ----

func castToString(from, to types.Type, try bool) (convFn, error) {
	var f convFn
	switch {
	case from.IsString():
		f = func(v types.Value) types.Value { return v }
	case from.IsBinary():
		f = func(v types.Value) types.Value {
			if utf8.ValidString(v.S) {
				return types.StringValue(v.S)
			}
			return types.StringValue(strings.ToValidUTF8(v.S, "\uFFFD"))
		}
	case from.ID == types.Multiset:
		return nil, errCast(from, to)
	case from.IsInteger():
		f = func(v types.Value) types.Value { return types.StringValue(strconv.FormatInt(v.I, 10)) }
	default:
		ft := from
		f = func(v types.Value) types.Value { return types.StringValue(types.FormatSQL(v, ft)) }
	}
	n := to.Precision
	switch {
	case to.ID == types.Char:
		return func(v types.Value) types.Value { return types.StringValue(padChars(f(v).S, n)) }, nil
	case n < types.MaxLength:
		return func(v types.Value) types.Value { return types.StringValue(truncChars(f(v).S, n)) }, nil
	}
	return f, nil
}

// truncChars keeps the first n characters of s.
func truncChars(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}

// padChars truncates or right-pads s with spaces to n characters.
func padChars(s string, n int) string {
	s = truncChars(s, n)
	c := utf8.RuneCountInString(s)
	if c < n {
		s += strings.Repeat(" ", n-c)
	}
	return s
}

func binaryLength(to types.Type) convFn {
	n := to.Precision
	return func(v types.Value) types.Value {
		s := v.S
		if len(s) > n {
			s = s[:n]
		} else if to.ID == types.Binary && len(s) < n {
			s += strings.Repeat("\x00", n-len(s))
		}
		return types.Value{K: types.KindBytes, S: s}
	}
}

// ---- from STRING ----

func castFromString(from, to types.Type, try bool) (convFn, error) {
	switch to.ID {
	case types.Boolean:
		return func(v types.Value) types.Value {
			switch strings.ToLower(strings.TrimSpace(v.S)) {
			case "true", "t", "yes", "y", "1":
				return types.BoolValue(true)
			case "false", "f", "no", "n", "0":
				return types.BoolValue(false)
			}
			return castFail(try, "cannot parse '%s' as BOOLEAN", v.S)
		}, nil
	case types.TinyInt, types.SmallInt, types.Int, types.BigInt:
		lo, hi := types.IntRange(to.ID)
		name := to.ID.String()
		return func(v types.Value) types.Value {
			n, ok := parseJavaLong(v.S)
			if !ok || n < lo || n > hi {
				return castFail(try, "cannot parse '%s' as %s", v.S, name)
			}
			return types.IntValue(n)
		}, nil
	case types.Float, types.Double:
		isFloat := to.ID == types.Float
		return func(v types.Value) types.Value {
			f, ok := parseJavaDouble(v.S)
			if !ok {
				return castFail(try, "cannot parse '%s' as %s", v.S, to.ID)
			}
			if isFloat {
				f = float64(float32(f))
			}
			return types.FloatValue(f)
		}, nil
	case types.Decimal:
		p, s := to.Precision, to.Scale
		return func(v types.Value) types.Value {
			d, err := types.ParseDecimal(v.S, p, s)
			if err == types.ErrDecimalOverflow {
				return types.Value{}
			}
			if err != nil {
				return castFail(try, "cannot parse '%s' as DECIMAL(%d, %d)", v.S, p, s)
			}
			return d
		}, nil
	case types.Date:
		return func(v types.Value) types.Value {
			d, err := types.ParseDate(v.S)
			if err != nil {
				// Flink also accepts a timestamp string and keeps the date.
				ts, err2 := types.ParseTimestamp(v.S)
				if err2 != nil {
					return castFail(try, "%v", err)
				}
				return types.IntValue(floorDiv(ts, nanosPerDay))
			}
			return types.IntValue(d)
		}, nil
	case types.Time:
		p := to.Precision
		return func(v types.Value) types.Value {
			t, err := types.ParseTime(v.S)
			if err != nil {
				return castFail(try, "%v", err)
			}
			return types.IntValue(truncNanos(t, p))
		}, nil
	case types.Timestamp, types.TimestampLTZ:
		p := to.Precision
		return func(v types.Value) types.Value {
			t, err := types.ParseTimestamp(v.S)
			if err != nil {
				return castFail(try, "%v", err)
			}
			return types.IntValue(truncNanos(t, p))
		}, nil
	}
	return nil, errCast(from, to)
}

// parseJavaLong parses a trimmed integer, accepting and dropping a fraction
// made of digits ("12.9" is 12), as Flink's string-to-integer cast.
func parseJavaLong(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '.'); i >= 0 {
		frac := s[i+1:]
		for j := 0; j < len(frac); j++ {
			if frac[j] < '0' || frac[j] > '9' {
				return 0, false
			}
		}
		s = s[:i]
		if s == "" || s == "-" || s == "+" {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// parseJavaDouble parses as Java's Double.parseDouble on trimmed text: the
// special values are exactly NaN and [+-]Infinity; a trailing d/D/f/F is
// allowed.
func parseJavaDouble(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	switch s {
	case "NaN":
		return math.NaN(), true
	case "Infinity", "+Infinity":
		return math.Inf(1), true
	case "-Infinity":
		return math.Inf(-1), true
	}
	if n := len(s); n > 1 {
		switch s[n-1] {
		case 'd', 'D', 'f', 'F':
			s = s[:n-1]
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return f, true // ±Inf or 0, as Java
		}
		return 0, false
	}
	return f, true
}

// ---- numeric ----

func castNumeric(from, to types.Type) (convFn, error) {
	switch {
	case from.ID == types.Boolean:
		switch {
		case to.IsInteger():
			return func(v types.Value) types.Value { return types.IntValue(v.I) }, nil
		case to.IsApprox():
			return func(v types.Value) types.Value { return types.FloatValue(float64(v.I)) }, nil
		default:
			return intToDecimal(to.Precision, to.Scale), nil
		}
	case from.IsInteger():
		switch {
		case to.IsInteger():
			return wrapInt(to.ID), nil
		case to.ID == types.Float:
			return func(v types.Value) types.Value { return types.FloatValue(float64(float32(v.I))) }, nil
		case to.ID == types.Double:
			return func(v types.Value) types.Value { return types.FloatValue(float64(v.I)) }, nil
		default:
			return intToDecimal(to.Precision, to.Scale), nil
		}
	case from.IsApprox():
		switch {
		case to.IsInteger():
			id := to.ID
			return func(v types.Value) types.Value { return types.IntValue(javaF2I(v.Float(), id)) }, nil
		case to.ID == types.Float:
			return func(v types.Value) types.Value { return types.FloatValue(float64(float32(v.Float()))) }, nil
		case to.ID == types.Double:
			if from.ID == types.Float {
				// float32 widened exactly; nothing to do.
				return nil, nil
			}
			return nil, nil
		default:
			p, s := to.Precision, to.Scale
			return func(v types.Value) types.Value {
				d, ok := types.DecimalFromFloat(v.Float(), p, s)
				if !ok {
					return types.Value{}
				}
				return d
			}, nil
		}
	case from.ID == types.Decimal:
		fs := from.Scale
		switch {
		case to.IsInteger():
			wrap := wrapInt(to.ID)
			return func(v types.Value) types.Value {
				return wrap(types.IntValue(decimalTrunc(v, fs)))
			}, nil
		case to.ID == types.Float:
			return func(v types.Value) types.Value {
				return types.FloatValue(float64(float32(types.DecimalToFloat(v, fs))))
			}, nil
		case to.ID == types.Double:
			return func(v types.Value) types.Value { return types.FloatValue(types.DecimalToFloat(v, fs)) }, nil
		default:
			p, s := to.Precision, to.Scale
			return func(v types.Value) types.Value {
				d := types.RescaleDecimal(v, fs, s)
				if !types.DecimalFits(d, p) {
					return types.Value{}
				}
				return d
			}, nil
		}
	}
	return nil, errCast(from, to)
}

// wrapInt narrows an integer as Java's primitive cast does.
func wrapInt(id types.TypeID) convFn {
	switch id {
	case types.TinyInt:
		return func(v types.Value) types.Value { return types.IntValue(int64(int8(v.I))) }
	case types.SmallInt:
		return func(v types.Value) types.Value { return types.IntValue(int64(int16(v.I))) }
	case types.Int:
		return func(v types.Value) types.Value { return types.IntValue(int64(int32(v.I))) }
	}
	return func(v types.Value) types.Value { return types.IntValue(v.I) }
}

func wrapTo(id types.TypeID, x int64) int64 {
	switch id {
	case types.TinyInt:
		return int64(int8(x))
	case types.SmallInt:
		return int64(int16(x))
	case types.Int:
		return int64(int32(x))
	}
	return x
}

// javaF2I converts a double to an integer type as Java: (long)d or (int)d
// saturate and map NaN to 0; byte and short go through int and wrap.
func javaF2I(f float64, id types.TypeID) int64 {
	if math.IsNaN(f) {
		return 0
	}
	if id == types.BigInt {
		switch {
		case f >= 9.223372036854775807e18:
			return math.MaxInt64
		case f <= -9.223372036854775808e18:
			return math.MinInt64
		}
		return int64(f)
	}
	var i int64
	switch {
	case f >= math.MaxInt32:
		i = math.MaxInt32
	case f <= math.MinInt32:
		i = math.MinInt32
	default:
		i = int64(f)
	}
	return wrapTo(id, i)
}

// decimalTrunc returns the integer part of a decimal (toward zero), the
// low 64 bits for huge values as Java's BigDecimal.longValue.
func decimalTrunc(v types.Value, scale int) int64 {
	if v.X == nil && scale <= 18 {
		return v.I / types.Pow10(scale)
	}
	q := new(big.Int).Quo(v.BigUnscaled(), types.BigPow10(scale))
	if q.IsInt64() {
		return q.Int64()
	}
	lo := new(big.Int).And(q, new(big.Int).SetUint64(math.MaxUint64))
	return int64(lo.Uint64())
}

// ---- temporal ----

const nanosPerDay = 86400 * int64(1e9)

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

// truncNanos truncates nanoseconds to p fractional digits (floor, so the
// wall clock never moves forward).
func truncNanos(n int64, p int) int64 {
	if p >= 9 || p < 0 {
		return n
	}
	u := types.Pow10(9 - p)
	return floorDiv(n, u) * u
}

func castTemporal(from, to types.Type) (convFn, error) {
	p := to.Precision
	switch from.ID {
	case types.Date:
		if to.IsTimestamp() {
			return func(v types.Value) types.Value { return types.IntValue(v.I * nanosPerDay) }, nil
		}
	case types.Time:
		switch {
		case to.ID == types.Time:
			return func(v types.Value) types.Value { return types.IntValue(truncNanos(v.I, p)) }, nil
		case to.IsTimestamp():
			return func(v types.Value) types.Value { return types.IntValue(truncNanos(v.I, p)) }, nil
		}
	case types.Timestamp, types.TimestampLTZ:
		switch {
		case to.IsTimestamp():
			return func(v types.Value) types.Value { return types.IntValue(truncNanos(v.I, p)) }, nil
		case to.ID == types.Date:
			return func(v types.Value) types.Value { return types.IntValue(floorDiv(v.I, nanosPerDay)) }, nil
		case to.ID == types.Time:
			return func(v types.Value) types.Value {
				return types.IntValue(truncNanos(floorMod(v.I, nanosPerDay), p))
			}, nil
		case from.ID == types.TimestampLTZ && to.IsInteger():
			id := to.ID
			return func(v types.Value) types.Value { return types.IntValue(wrapTo(id, floorDiv(v.I, 1e9))) }, nil
		}
	}
	return nil, errCast(from, to)
}

// coerce returns a's evaluator converted to type t (identity when a already
// has t's type, ignoring nullability).
func coerce(a Arg, t types.Type) (Eval, error) {
	if a.Type.ID == types.Null {
		return func(types.Row) types.Value { return types.Value{} }, nil
	}
	if a.Type.EqualIgnoringNull(t) || (a.Type.IsString() && t.IsString() && t.Precision == types.MaxLength && t.ID == types.VarChar) {
		return a.Eval, nil
	}
	if a.Type.IsTimestamp() && t.IsTimestamp() && a.Type.Precision <= t.Precision {
		return a.Eval, nil // same representation; widening precision is free
	}
	f, err := castFunc(a.Type, t, false)
	if err != nil {
		return nil, err
	}
	if f == nil {
		return a.Eval, nil
	}
	if a.Const != nil {
		if v, ok := castConst(f, *a.Const); ok {
			return func(types.Row) types.Value { return v }, nil
		}
	}
	e := a.Eval
	return func(r types.Row) types.Value {
		v := e(r)
		if v.K == types.KindNull {
			return v
		}
		return f(v)
	}, nil
}

// castConst casts a constant argument once; a cast that fails is left to
// run time, where its error names the operator.
func castConst(f func(types.Value) types.Value, v types.Value) (out types.Value, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	if v.K == types.KindNull {
		return v, true
	}
	return f(v), true
}

// mustCoerce coerces all args to t.
func coerceAll(args []Arg, t types.Type) ([]Eval, error) {
	out := make([]Eval, len(args))
	for i, a := range args {
		e, err := coerce(a, t)
		if err != nil {
			return nil, err
		}
		out[i] = e
	}
	return out, nil
}

// intToDecimal casts an integer held in I (BOOLEAN, the integer types) to
// DECIMAL(p, s); a value that does not fit is NULL, as in Flink.
func intToDecimal(p, s int) func(types.Value) types.Value {
	return func(v types.Value) types.Value {
		d, ok := types.DecimalFromInt(v.I, p, s)
		if !ok {
			return types.Value{}
		}
		return d
	}
}
