package difftest

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// Kind is a type family of the reference.
type Kind int

// The types the generator uses.
const (
	KString Kind = iota
	KInt
	KBigInt
	KDecimal
	KDouble
	KBool
	KTimestamp // TIMESTAMP(3), milliseconds since the epoch
)

// Type is a reference type: a family and, for DECIMAL, precision and scale.
type Type struct {
	K    Kind
	P, S int
}

var (
	tString = Type{K: KString}
	tInt    = Type{K: KInt}
	tBigInt = Type{K: KBigInt}
	tDouble = Type{K: KDouble}
	tBool   = Type{K: KBool}
	tTs     = Type{K: KTimestamp}
)

func tDec(p, s int) Type { return Type{K: KDecimal, P: p, S: s} }

// SQL is the type's name in DDL.
func (t Type) SQL() string {
	switch t.K {
	case KString:
		return "STRING"
	case KInt:
		return "INT"
	case KBigInt:
		return "BIGINT"
	case KDecimal:
		return fmt.Sprintf("DECIMAL(%d, %d)", t.P, t.S)
	case KDouble:
		return "DOUBLE"
	case KBool:
		return "BOOLEAN"
	case KTimestamp:
		return "TIMESTAMP(3)"
	}
	panic("unknown kind")
}

func (t Type) integer() bool { return t.K == KInt || t.K == KBigInt }
func (t Type) numeric() bool { return t.integer() || t.K == KDecimal || t.K == KDouble }

// asDecimal is the DECIMAL an integer type converts to (Flink's rule).
func (t Type) asDecimal() Type {
	switch t.K {
	case KInt:
		return tDec(10, 0)
	case KBigInt:
		return tDec(19, 0)
	}
	return t
}

// Value is a reference value: I holds INT, BIGINT, BOOLEAN (0/1), the
// unscaled DECIMAL and TIMESTAMP milliseconds; F a DOUBLE; S a STRING.
type Value struct {
	Null bool
	I    int64
	F    float64
	S    string
}

var null = Value{Null: true}

func ival(i int64) Value   { return Value{I: i} }
func fval(f float64) Value { return Value{F: f} }
func sval(s string) Value  { return Value{S: s} }
func bval(b bool) Value {
	if b {
		return Value{I: 1}
	}
	return Value{}
}

// rat is an exact number for INT, BIGINT and DECIMAL values.
func rat(v Value, t Type) *big.Rat {
	r := new(big.Rat).SetInt64(v.I)
	if t.K == KDecimal && t.S > 0 {
		r.Quo(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(t.S)), nil)))
	}
	return r
}

func float(v Value, t Type) float64 {
	if t.K == KDouble {
		return v.F
	}
	f, _ := rat(v, t).Float64()
	return f
}

// compare orders two non-NULL values of comparable types.
func compare(a Value, at Type, b Value, bt Type) int {
	switch {
	case at.K == KString:
		return strings.Compare(a.S, b.S)
	case at.K == KBool || at.K == KTimestamp:
		return cmp64(a.I, b.I)
	case at.K == KDouble || bt.K == KDouble:
		x, y := float(a, at), float(b, bt)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	}
	return rat(a, at).Cmp(rat(b, bt))
}

func cmp64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// pow10 returns 10^n.
func pow10(n int) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}

// rescale converts a number to DECIMAL with scale s (exact: s never drops).
func rescale(v Value, from Type, s int) int64 {
	fs := 0
	if from.K == KDecimal {
		fs = from.S
	}
	if s < fs {
		panic("rescale would round")
	}
	return v.I * pow10(s-fs)
}

// Format renders v as Flink's print connector does (Java toString); DOUBLE
// is rounded to 10 significant digits for comparison.
func Format(v Value, t Type) string {
	if v.Null {
		return "null"
	}
	switch t.K {
	case KString:
		return v.S
	case KInt, KBigInt:
		return strconv.FormatInt(v.I, 10)
	case KBool:
		return strconv.FormatBool(v.I != 0)
	case KDouble:
		return roundDouble(v.F)
	case KDecimal:
		return formatDecimal(v.I, t.S)
	case KTimestamp:
		return formatTimestamp(v.I)
	}
	panic("unknown kind")
}

func roundDouble(f float64) string {
	if f == 0 {
		f = 0 // -0.0 and 0.0 compare equal
	}
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return fmt.Sprint(f)
	}
	return strconv.FormatFloat(f, 'g', 10, 64)
}

// formatDecimal is BigDecimal.toString for small scales (plain notation).
func formatDecimal(unscaled int64, scale int) string {
	neg := unscaled < 0
	u := unscaled
	if neg {
		u = -u
	}
	s := strconv.FormatInt(u, 10)
	if scale > 0 {
		for len(s) <= scale {
			s = "0" + s
		}
		s = s[:len(s)-scale] + "." + s[len(s)-scale:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// formatTimestamp is java.time.LocalDateTime.toString of epoch millis.
func formatTimestamp(ms int64) string {
	t := time.UnixMilli(ms).UTC()
	s := t.Format("2006-01-02T15:04")
	if t.Second() != 0 || t.Nanosecond() != 0 {
		s += fmt.Sprintf(":%02d", t.Second())
	}
	if n := t.Nanosecond(); n != 0 {
		s += fmt.Sprintf(".%03d", n/1e6)
	}
	return s
}
