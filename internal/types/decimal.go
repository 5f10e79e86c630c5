package types

import (
	"errors"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// Decimal helpers. A DECIMAL(p,s) value is its unscaled integer (int64 in
// Value.I when it fits, *big.Int in Value.X otherwise); the scale lives in
// the Type. Rounding is always HALF_UP (away from zero on a tie), as Java's
// BigDecimal.setScale(s, RoundingMode.HALF_UP) which Flink uses.

// MaxDecimalPrecision is the largest DECIMAL precision, as in Flink.
const MaxDecimalPrecision = 38

// ErrDecimalOverflow is returned when a value needs more digits than the
// target precision allows. Flink's CAST turns it into NULL; callers decide.
var ErrDecimalOverflow = errors.New("decimal overflow")

// ErrDecimalSyntax is returned by ParseDecimal for text that is not a number.
var ErrDecimalSyntax = errors.New("invalid decimal literal")

// pow10 holds 10^0 .. 10^18, the powers that fit int64.
var pow10 = [19]int64{
	1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
	1000000000, 10000000000, 100000000000, 1000000000000, 10000000000000,
	100000000000000, 1000000000000000, 10000000000000000,
	100000000000000000, 1000000000000000000,
}

// Pow10 returns 10^n for 0 <= n <= 18.
func Pow10(n int) int64 { return pow10[n] }

// bigPow10 returns 10^n as a new big.Int.
func bigPow10(n int) *big.Int {
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
}

// BigPow10 returns 10^n as a new big.Int.
func BigPow10(n int) *big.Int { return bigPow10(n) }

// DecimalFits reports whether the unscaled value has at most p digits.
func DecimalFits(v Value, p int) bool {
	if v.X == nil {
		if p >= 19 {
			return true
		}
		x := v.I
		if x < 0 {
			if x == math.MinInt64 {
				return false
			}
			x = -x
		}
		return x < pow10[p]
	}
	b := v.BigUnscaled()
	return new(big.Int).Abs(b).Cmp(bigPow10(p)) < 0
}

// RescaleDecimal changes the scale of a decimal from `from` to `to`,
// rounding HALF_UP when digits are dropped. The precision is not checked
// (see DecimalFits).
func RescaleDecimal(v Value, from, to int) Value {
	if v.K != KindDecimal || from == to {
		return v
	}
	if v.X == nil {
		if to > from {
			d := to - from
			if d <= 18 {
				hi, lo := mulCheck(v.I, pow10[d])
				if hi {
					return DecimalValue(lo)
				}
			}
		} else {
			d := from - to
			if d <= 18 {
				p := pow10[d]
				q, r := v.I/p, v.I%p
				if r < 0 {
					r = -r
				}
				if r >= p-r { // r*2 >= p without overflow
					if v.I < 0 {
						q--
					} else {
						q++
					}
				}
				return DecimalValue(q)
			}
		}
	}
	return BigDecimalValue(rescaleBig(v.BigUnscaled(), from, to))
}

// mulCheck multiplies a*b and reports ok=false on int64 overflow.
func mulCheck(a, b int64) (ok bool, r int64) {
	if a == 0 || b == 0 {
		return true, 0
	}
	r = a * b
	if r/b != a || (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64) {
		return false, 0
	}
	return true, r
}

// rescaleBig rescales an unscaled big integer HALF_UP; it returns a new
// big.Int.
func rescaleBig(u *big.Int, from, to int) *big.Int {
	if to >= from {
		return new(big.Int).Mul(u, bigPow10(to-from))
	}
	return DivHalfUp(u, bigPow10(from-to))
}

// DivHalfUp returns a/b rounded HALF_UP (b != 0), as a new big.Int.
func DivHalfUp(a, b *big.Int) *big.Int {
	q, r := new(big.Int).QuoRem(a, b, new(big.Int))
	if r.Sign() == 0 {
		return q
	}
	r2 := new(big.Int).Abs(r)
	r2.Lsh(r2, 1)
	if r2.Cmp(new(big.Int).Abs(b)) >= 0 {
		if (a.Sign() < 0) != (b.Sign() < 0) {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return q
}

// DecimalString renders a decimal plainly with exactly scale fraction
// digits, as Java's BigDecimal.toPlainString: 1.50, -0.05, 12.
func DecimalString(v Value, scale int) string {
	var digits string
	neg := false
	if v.X == nil {
		if v.I < 0 {
			neg = true
			digits = strconv.FormatUint(uint64(-(v.I+1))+1, 10)
		} else {
			digits = strconv.FormatInt(v.I, 10)
		}
	} else {
		b := v.BigUnscaled()
		neg = b.Sign() < 0
		digits = new(big.Int).Abs(b).String()
	}
	var sb strings.Builder
	if neg {
		sb.WriteByte('-')
	}
	switch {
	case scale <= 0:
		sb.WriteString(digits)
		if digits != "0" {
			for i := 0; i < -scale; i++ {
				sb.WriteByte('0')
			}
		}
	case len(digits) > scale:
		sb.WriteString(digits[:len(digits)-scale])
		sb.WriteByte('.')
		sb.WriteString(digits[len(digits)-scale:])
	default:
		sb.WriteString("0.")
		for i := len(digits); i < scale; i++ {
			sb.WriteByte('0')
		}
		sb.WriteString(digits)
	}
	return sb.String()
}

// decimalJavaString renders a decimal as Java's BigDecimal.toString, which
// differs from toPlainString only when the adjusted exponent is below -6
// (0.00000001 with scale 8 prints as 1E-8, zero with scale 8 as 0E-8).
func decimalJavaString(v Value, scale int) string {
	var digits string
	neg := false
	if v.X == nil {
		neg = v.I < 0
		digits = strconv.FormatUint(absU(v.I), 10)
	} else {
		b := v.BigUnscaled()
		neg = b.Sign() < 0
		digits = new(big.Int).Abs(b).String()
	}
	adjusted := len(digits) - 1 - scale
	if scale >= 0 && adjusted >= -6 {
		return DecimalString(v, scale)
	}
	var sb strings.Builder
	if neg {
		sb.WriteByte('-')
	}
	sb.WriteString(digits[:1])
	if len(digits) > 1 {
		sb.WriteByte('.')
		sb.WriteString(digits[1:])
	}
	sb.WriteByte('E')
	if adjusted > 0 {
		sb.WriteByte('+')
	}
	sb.WriteString(strconv.Itoa(adjusted))
	return sb.String()
}

func absU(i int64) uint64 {
	if i < 0 {
		return uint64(-(i + 1)) + 1
	}
	return uint64(i)
}

// float64 powers of ten that are exact.
var floatPow10 = [23]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
	1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// DecimalToFloat converts a decimal to the nearest float64 (as Java's
// BigDecimal.doubleValue).
func DecimalToFloat(v Value, scale int) float64 {
	if v.X == nil && scale >= 0 && scale < len(floatPow10) && v.I > -(1<<53) && v.I < 1<<53 {
		// Both operands exact: one correctly rounded division.
		return float64(v.I) / floatPow10[scale]
	}
	f, _ := strconv.ParseFloat(DecimalString(v, scale), 64)
	return f
}

// DecimalFromFloat converts a double to DECIMAL(p,s) as Flink does
// (BigDecimal.valueOf(f), i.e. the shortest decimal that round-trips, then
// HALF_UP to scale s). ok is false for NaN, infinities and overflow; Flink's
// CAST then yields NULL.
func DecimalFromFloat(f float64, p, s int) (Value, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return Value{}, false
	}
	v, err := ParseDecimal(strconv.FormatFloat(f, 'e', -1, 64), p, s)
	return v, err == nil
}

// DecimalFromInt converts an integer to DECIMAL(p,s); ok is false when the
// value needs more than p digits.
func DecimalFromInt(i int64, p, s int) (Value, bool) {
	v := RescaleDecimal(DecimalValue(i), 0, s)
	return v, DecimalFits(v, p)
}

// ParseDecimal parses a decimal number (optional sign, digits, optional
// fraction, optional exponent; surrounding spaces trimmed) into
// DECIMAL(precision, scale), rounding HALF_UP to scale. It returns
// ErrDecimalSyntax for text that is not a number and ErrDecimalOverflow when
// the rounded value has more than precision digits (Flink's CAST returns
// NULL for overflow and fails for bad syntax).
func ParseDecimal(s string, precision, scale int) (Value, error) {
	s = strings.TrimSpace(s)
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	exp := 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(s[i+1:])
		if err != nil || e > 10000 || e < -10000 {
			return Value{}, ErrDecimalSyntax
		}
		exp = e
		s = s[:i]
	}
	intPart, frac := s, ""
	if i := strings.IndexByte(s, '.'); i >= 0 {
		intPart, frac = s[:i], s[i+1:]
	}
	if intPart == "" && frac == "" || !allDigits(intPart) || !allDigits(frac) {
		return Value{}, ErrDecimalSyntax
	}
	digits := strings.TrimLeft(intPart+frac, "0")
	from := len(frac) - exp // scale of the digits as written
	var v Value
	if len(digits) <= 18 {
		var u int64
		for i := 0; i < len(digits); i++ {
			u = u*10 + int64(digits[i]-'0')
		}
		if neg {
			u = -u
		}
		v = DecimalValue(u)
	} else {
		b, _ := new(big.Int).SetString(digits, 10)
		if neg {
			b.Neg(b)
		}
		v = BigDecimalValue(b)
	}
	if from-scale > 40 && len(digits) < from-scale-1 {
		// Far more fraction digits dropped than there are digits: zero.
		return DecimalValue(0), nil
	}
	v = RescaleDecimal(v, from, scale)
	if !DecimalFits(v, precision) {
		return Value{}, ErrDecimalOverflow
	}
	return v, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
