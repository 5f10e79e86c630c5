package types

import (
	"math"
	"math/big"
	"testing"
)

func ts(t *testing.T, s string) int64 {
	t.Helper()
	n, err := ParseTimestamp(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestFormatSQL(t *testing.T) {
	big1, _ := new(big.Int).SetString("123456789012345678901234567890", 10)
	cases := []struct {
		v    Value
		t    Type
		want string
	}{
		{NullValue(), IntType, "NULL"},
		{BoolValue(true), BooleanType, "TRUE"},
		{BoolValue(false), BooleanType, "FALSE"},
		{IntValue(-42), IntType, "-42"},
		{IntValue(math.MinInt64), BigIntType, "-9223372036854775808"},
		{FloatValue(1), DoubleType, "1.0"},
		{FloatValue(1.5e10), DoubleType, "1.5E10"},
		{FloatValue(1e-5), DoubleType, "1.0E-5"},
		{FloatValue(0.001), DoubleType, "0.001"},
		{FloatValue(1234567.0), DoubleType, "1234567.0"},
		{FloatValue(1e7), DoubleType, "1.0E7"},
		{FloatValue(-0.1), DoubleType, "-0.1"},
		{FloatValue(pointOne + 0.2), DoubleType, "0.30000000000000004"},
		{FloatValue(math.NaN()), DoubleType, "NaN"},
		{FloatValue(math.Inf(1)), DoubleType, "Infinity"},
		{FloatValue(math.Inf(-1)), DoubleType, "-Infinity"},
		{FloatValue(math.Copysign(0, -1)), DoubleType, "-0.0"},
		{FloatValue(float64(float32(0.1))), FloatType, "0.1"},
		{FloatValue(float64(float32(1.1))), FloatType, "1.1"},
		{FloatValue(1e20), FloatType, "1.0E20"},
		{DecimalValue(150), DecimalType(3, 2), "1.50"},
		{DecimalValue(-5), DecimalType(3, 2), "-0.05"},
		{DecimalValue(0), DecimalType(5, 3), "0.000"},
		{DecimalValue(12), DecimalType(5, 0), "12"},
		{BigDecimalValue(big1), DecimalType(38, 10), "12345678901234567890.1234567890"},
		{StringValue("abc"), StringType, "abc"},
		{BytesValue([]byte{0x0a, 0x1b}), BytesType, "x'0a1b'"},
		{IntValue(18367), DateType, "2020-04-15"},
		{IntValue(0), DateType, "1970-01-01"},
		{IntValue(-1), DateType, "1969-12-31"},
		{IntValue((8*3600 + 5*60) * 1e9), TimeType(0), "08:05:00"},
		{IntValue((8*3600+5*60)*1e9 + 123456789), TimeType(3), "08:05:00.123"},
		{IntValue(ts(t, "2020-04-15 08:05:00")), TimestampType(3), "2020-04-15 08:05:00.000"},
		{IntValue(ts(t, "2020-04-15 08:05:00.123456")), TimestampType(6), "2020-04-15 08:05:00.123456"},
		{IntValue(ts(t, "2020-04-15 08:05:00.999")), TimestampType(0), "2020-04-15 08:05:00"},
		{IntValue(ts(t, "1969-12-31 23:59:59.5")), TimestampType(1), "1969-12-31 23:59:59.5"},
		{IntValue(ts(t, "2020-04-15 08:05:00")), TimestampLTZType(3), "2020-04-15 08:05:00.000"},
		{IntValue(((86400 + 2*3600 + 3*60 + 4) * 1e3) * 1e6), IntervalDT, "+1 02:03:04.000"},
		{IntValue(-1500 * 1e6), IntervalDT, "-0 00:00:01.500"},
		{IntValue(14), IntervalYM, "+1-02"},
		{IntValue(-3), IntervalYM, "-0-03"},
		{ArrayValue([]Value{IntValue(1), IntValue(2), NullValue()}), ArrayType(IntType), "[1, 2, NULL]"},
		{MapOf([]Value{StringValue("k"), StringValue("k2")}, []Value{StringValue("v"), StringValue("v2")}), MapType(StringType, StringType), "{k=v, k2=v2}"},
		{RowValue([]Value{IntValue(1), StringValue("abc")}), RowOf(Field{"a", IntType}, Field{"b", StringType}), "(1, abc)"},
	}
	for _, c := range cases {
		if got := FormatSQL(c.v, c.t); got != c.want {
			t.Errorf("FormatSQL(%v, %s) = %q, want %q", c.v, c.t, got, c.want)
		}
	}
}

func TestFormatPrint(t *testing.T) {
	cases := []struct {
		v    Value
		t    Type
		want string
	}{
		{NullValue(), StringType, "null"},
		{BoolValue(true), BooleanType, "true"},
		{IntValue(7), IntType, "7"},
		{FloatValue(2), DoubleType, "2.0"},
		{DecimalValue(150), DecimalType(3, 2), "1.50"},
		{DecimalValue(1), DecimalType(10, 8), "1E-8"},
		{DecimalValue(0), DecimalType(10, 8), "0E-8"},
		{DecimalValue(1), DecimalType(10, 6), "0.000001"},
		{StringValue("foo"), StringType, "foo"},
		{BytesValue([]byte{1, 2, 255}), BytesType, "[1, 2, -1]"},
		{IntValue(18367), DateType, "2020-04-15"},
		{IntValue((8*3600 + 5*60) * 1e9), TimeType(0), "08:05"},
		{IntValue((8*3600+5*60+1)*1e9 + 5e8), TimeType(3), "08:05:01.500"},
		{IntValue(ts(t, "2020-04-15 08:05:00")), TimestampType(3), "2020-04-15T08:05"},
		{IntValue(ts(t, "2020-04-15 08:05:01")), TimestampType(3), "2020-04-15T08:05:01"},
		{IntValue(ts(t, "2020-04-15 08:05:01.123")), TimestampType(3), "2020-04-15T08:05:01.123"},
		{IntValue(ts(t, "2020-04-15 08:05:01.1")), TimestampType(3), "2020-04-15T08:05:01.100"},
		{IntValue(ts(t, "2020-04-15 08:05:01.1234")), TimestampType(6), "2020-04-15T08:05:01.123400"},
		{IntValue(ts(t, "2020-04-15 08:05:01.123456789")), TimestampType(9), "2020-04-15T08:05:01.123456789"},
		{IntValue(ts(t, "2020-04-15 08:05:00")), TimestampLTZType(3), "2020-04-15T08:05:00Z"},
		{IntValue(ts(t, "2020-04-15 08:05:00.5")), TimestampLTZType(3), "2020-04-15T08:05:00.500Z"},
		{IntValue(26*3600e9 + 3*60e9 + 4e9), IntervalDT, "PT26H3M4S"},
		{IntValue(-1500e6), IntervalDT, "PT-1.5S"},
		{IntValue(-500e6), IntervalDT, "PT-0.5S"},
		{IntValue(0), IntervalDT, "PT0S"},
		{IntValue(14), IntervalYM, "P1Y2M"},
		{IntValue(0), IntervalYM, "P0D"},
		{ArrayValue([]Value{IntValue(1), IntValue(2)}), ArrayType(IntType), "[1, 2]"},
		{MapOf([]Value{StringValue("a")}, []Value{IntValue(1)}), MapType(StringType, IntType), "{a=1}"},
		{RowValue([]Value{IntValue(1), StringValue("a")}), RowOf(Field{"x", IntType}, Field{"y", StringType}), "+I[1, a]"},
	}
	for _, c := range cases {
		if got := FormatPrint(c.v, c.t); got != c.want {
			t.Errorf("FormatPrint(%v, %s) = %q, want %q", c.v, c.t, got, c.want)
		}
	}
}

func TestFormatRowPrint(t *testing.T) {
	s := Schema{Fields: []Field{{"id", BigIntType}, {"name", StringType}, {"ts", TimestampType(3)}, {"n", IntType}}}
	row := Row{IntValue(1001), StringValue("foo"), IntValue(ts(t, "2020-04-15 08:05")), NullValue()}
	if got, want := FormatRowPrint(Insert, row, s), "+I[1001, foo, 2020-04-15T08:05, null]"; got != want {
		t.Errorf("got %q want %q", got, want)
	}
	if got, want := FormatRowPrint(UpdateBefore, row[:1], s), "-U[1001]"; got != want {
		t.Errorf("got %q want %q", got, want)
	}
}

func TestCivilRoundTrip(t *testing.T) {
	for d := int64(-800000); d < 800000; d += 7 {
		y, m, dd := CivilFromDays(d)
		if back := DaysFromCivil(y, m, dd); back != d {
			t.Fatalf("%d -> %d-%d-%d -> %d", d, y, m, dd, back)
		}
	}
}

var pointOne = 0.1 // a variable, so 0.1+0.2 is computed in float64
