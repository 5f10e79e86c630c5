package types

import (
	"errors"
	"math"
	"testing"
)

func TestParseDecimal(t *testing.T) {
	cases := []struct {
		in   string
		p, s int
		want string
		err  error
	}{
		{"1.5", 3, 2, "1.50", nil},
		{" -1.5 ", 3, 2, "-1.50", nil},
		{"1.005", 3, 2, "1.01", nil}, // HALF_UP
		{"1.004", 3, 2, "1.00", nil},
		{"-1.005", 3, 2, "-1.01", nil},
		{"2.5", 2, 0, "3", nil},
		{"-2.5", 2, 0, "-3", nil},
		{".5", 2, 1, "0.5", nil},
		{"5.", 2, 1, "5.0", nil},
		{"1e2", 5, 1, "100.0", nil},
		{"1.23E-1", 5, 3, "0.123", nil},
		{"+7", 1, 0, "7", nil},
		{"123.45", 4, 2, "", ErrDecimalOverflow},
		{"99.995", 4, 2, "", ErrDecimalOverflow}, // rounds to 100.00
		{"12345678901234567890.123456789", 38, 9, "12345678901234567890.123456789", nil},
		{"99999999999999999999999999999999999999", 38, 0, "99999999999999999999999999999999999999", nil},
		{"999999999999999999999999999999999999999", 38, 0, "", ErrDecimalOverflow},
		{"0.0000000000000000000000000000000000000000000000001", 10, 2, "0.00", nil},
		{"abc", 10, 2, "", ErrDecimalSyntax},
		{"1.2.3", 10, 2, "", ErrDecimalSyntax},
		{"", 10, 2, "", ErrDecimalSyntax},
		{"-", 10, 2, "", ErrDecimalSyntax},
		{"1e", 10, 2, "", ErrDecimalSyntax},
	}
	for _, c := range cases {
		v, err := ParseDecimal(c.in, c.p, c.s)
		if !errors.Is(err, c.err) {
			t.Errorf("ParseDecimal(%q,%d,%d) err = %v, want %v", c.in, c.p, c.s, err, c.err)
			continue
		}
		if err == nil {
			if got := DecimalString(v, c.s); got != c.want {
				t.Errorf("ParseDecimal(%q,%d,%d) = %s, want %s", c.in, c.p, c.s, got, c.want)
			}
		}
	}
}

func TestRescaleDecimal(t *testing.T) {
	cases := []struct {
		in       int64
		from, to int
		want     string
	}{
		{12345, 2, 1, "123.5"},
		{12345, 3, 1, "12.3"},
		{12355, 3, 2, "12.36"},
		{-12355, 3, 2, "-12.36"},
		{-12354, 3, 2, "-12.35"},
		{15, 1, 0, "2"},
		{-15, 1, 0, "-2"},
		{7, 0, 3, "7.000"},
		{math.MaxInt64, 0, 2, "9223372036854775807.00"},
		{math.MinInt64, 0, 1, "-9223372036854775808.0"},
		{5, 20, 0, "0"},
	}
	for _, c := range cases {
		got := DecimalString(RescaleDecimal(DecimalValue(c.in), c.from, c.to), c.to)
		if got != c.want {
			t.Errorf("Rescale(%d, %d->%d) = %s, want %s", c.in, c.from, c.to, got, c.want)
		}
	}
	// Big back down to compact.
	b := RescaleDecimal(RescaleDecimal(DecimalValue(math.MaxInt64), 0, 5), 5, 0)
	if b.IsBigDecimal() || b.I != math.MaxInt64 {
		t.Errorf("round trip through big: %+v", b)
	}
}

func TestDecimalFloat(t *testing.T) {
	if got := DecimalToFloat(DecimalValue(150), 2); got != 1.5 {
		t.Errorf("DecimalToFloat = %v", got)
	}
	if got := DecimalToFloat(DecimalValue(1), 30); got != 1e-30 {
		t.Errorf("DecimalToFloat small = %v", got)
	}
	cases := []struct {
		f    float64
		p, s int
		want string
		ok   bool
	}{
		{0.1, 10, 2, "0.10", true},
		{1.005, 10, 2, "1.01", true}, // BigDecimal.valueOf(1.005) is 1.005 → HALF_UP
		{-2.5, 5, 0, "-3", true},
		{1e10, 5, 0, "", false},
		{math.NaN(), 5, 0, "", false},
		{math.Inf(1), 5, 0, "", false},
		{123.456, 38, 18, "123.456000000000000000", true},
	}
	for _, c := range cases {
		v, ok := DecimalFromFloat(c.f, c.p, c.s)
		if ok != c.ok || (ok && DecimalString(v, c.s) != c.want) {
			t.Errorf("DecimalFromFloat(%v,%d,%d) = %s,%v want %s,%v", c.f, c.p, c.s, DecimalString(v, c.s), ok, c.want, c.ok)
		}
	}
	if v, ok := DecimalFromInt(12345, 5, 2); ok {
		t.Errorf("DecimalFromInt overflow not detected: %v", v)
	}
	if v, ok := DecimalFromInt(-123, 5, 2); !ok || DecimalString(v, 2) != "-123.00" {
		t.Errorf("DecimalFromInt = %v %v", v, ok)
	}
}
