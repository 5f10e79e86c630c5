package timefmt

import "testing"

func TestAppendTimestamp(t *testing.T) {
	base := int64(1586937900) * 1e9 // 2020-04-15 08:05:00
	for _, tc := range []struct {
		nanos int64
		iso   bool
		want  string
	}{
		{base, false, "2020-04-15 08:05:00"},
		{base + 120e6, true, "2020-04-15T08:05:00.12"},
		{base + 1, false, "2020-04-15 08:05:00.000000001"},
		{-1e9, false, "1969-12-31 23:59:59"},
	} {
		if got := string(AppendTimestamp(nil, tc.nanos, tc.iso)); got != tc.want {
			t.Errorf("got %s, want %s", got, tc.want)
		}
	}
}
