package types

import (
	"errors"
	"testing"
)

func TestParseDate(t *testing.T) {
	cases := []struct {
		in   string
		want int64
		err  bool
	}{
		{"2020-04-15", 18367, false},
		{" 1970-01-01 ", 0, false},
		{"1969-12-31", -1, false},
		{"2020-4-5", 18357, false},
		{"2020-02-29", 18321, false},
		{"2019-02-29", 0, true},
		{"2020-13-01", 0, true},
		{"2020-04-15 10:00", 0, true},
		{"abc", 0, true},
		{"", 0, true},
	}
	for _, c := range cases {
		got, err := ParseDate(c.in)
		if (err != nil) != c.err || (!c.err && got != c.want) {
			t.Errorf("ParseDate(%q) = %d, %v; want %d, err=%v", c.in, got, err, c.want, c.err)
		}
		if err != nil && !errors.Is(err, ErrBadDateTime) {
			t.Errorf("error %v is not ErrBadDateTime", err)
		}
	}
}

func TestParseTime(t *testing.T) {
	cases := []struct {
		in   string
		want int64
		err  bool
	}{
		{"08:05:00", (8*3600 + 5*60) * 1e9, false},
		{"08:05", (8*3600 + 5*60) * 1e9, false},
		{"23:59:59.999999999", 86400e9 - 1, false},
		{"00:00:00.5", 5e8, false},
		{"24:00:00", 0, true},
		{"08:60:00", 0, true},
		{"08:05:00.", 0, true},
		{"x", 0, true},
	}
	for _, c := range cases {
		got, err := ParseTime(c.in)
		if (err != nil) != c.err || (!c.err && got != c.want) {
			t.Errorf("ParseTime(%q) = %d, %v; want %d, err=%v", c.in, got, err, c.want, c.err)
		}
	}
}

func TestParseTimestamp(t *testing.T) {
	base := int64(18367) * 86400e9
	hm := int64(8*3600+5*60) * 1e9
	cases := []struct {
		in   string
		want int64
		err  bool
	}{
		{"2020-04-15 08:05:00", base + hm, false},
		{"2020-04-15 08:05", base + hm, false},
		{"2020-04-15T08:05:00", base + hm, false},
		{"2020-04-15 08:05:00.123", base + hm + 123e6, false},
		{"2020-04-15 08:05:00.123456789", base + hm + 123456789, false},
		{"2020-04-15 08:05:00.1234567891", 0, true},
		{"2020-04-15", base, false},
		{"2020-04-15T08:05:00Z", base + hm, false},
		{"2020-04-15T08:05:00.5Z", base + hm + 5e8, false},
		{"2020-04-15T16:05:00+08:00", base + hm, false},
		{"2020-04-15T03:05:00-0500", base + hm, false},
		{"1970-01-01 00:00:00", 0, false},
		{"1969-12-31 23:59:59.999", -1e6, false},
		{"2020-04-15 8:05:00", base + hm, false},
		{"2020-04-15 08:05:00 junk", 0, true},
		{"not a timestamp", 0, true},
	}
	for _, c := range cases {
		got, err := ParseTimestamp(c.in)
		if (err != nil) != c.err || (!c.err && got != c.want) {
			t.Errorf("ParseTimestamp(%q) = %d, %v; want %d, err=%v", c.in, got, err, c.want, c.err)
		}
	}
}
