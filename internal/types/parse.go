package types

import (
	"errors"
	"fmt"
	"strings"
)

// ErrBadDateTime is wrapped by the date/time parsers' errors.
var ErrBadDateTime = errors.New("invalid date/time literal")

func badDateTime(kind, s string) error {
	return fmt.Errorf("%w: cannot parse '%s' as %s", ErrBadDateTime, s, kind)
}

// ParseDate parses "yyyy-MM-dd" (surrounding spaces trimmed; one-digit month
// and day accepted, as Flink's parser does) into days since 1970-01-01.
func ParseDate(s string) (int64, error) {
	t := strings.TrimSpace(s)
	days, rest, ok := scanDate(t)
	if !ok || rest != "" {
		return 0, badDateTime("DATE", s)
	}
	return days, nil
}

// ParseTime parses "HH:mm[:ss[.fffffffff]]" into nanoseconds of the day.
func ParseTime(s string) (int64, error) {
	t := strings.TrimSpace(s)
	nanos, rest, ok := scanTime(t)
	if !ok || rest != "" {
		return 0, badDateTime("TIME", s)
	}
	return nanos, nil
}

// ParseTimestamp parses a timestamp into nanoseconds since the epoch:
// "yyyy-MM-dd HH:mm:ss[.f…]" with up to 9 fraction digits, 'T' instead of
// the space, seconds optional, or a date alone (midnight). A trailing 'Z' or
// a zone offset (+08:00, -0530, +08) is accepted for TIMESTAMP_LTZ and ISO
// input: the result is then shifted to UTC. Without one, the text is read as
// UTC wall-clock time (the session zone).
func ParseTimestamp(s string) (int64, error) {
	t := strings.TrimSpace(s)
	days, rest, ok := scanDate(t)
	if !ok {
		return 0, badDateTime("TIMESTAMP", s)
	}
	var nanos int64
	if rest != "" && (rest[0] == ' ' || rest[0] == 'T') {
		rest = strings.TrimLeft(rest[1:], " ")
		nanos, rest, ok = scanTime(rest)
		if !ok {
			return 0, badDateTime("TIMESTAMP", s)
		}
	}
	off, ok := scanOffset(rest)
	if !ok {
		return 0, badDateTime("TIMESTAMP", s)
	}
	return days*nanosPerDay + nanos - off, nil
}

// scanOffset parses "", "Z", "+08:00", "-0530", "+08" (optionally after a
// space) into nanoseconds east of UTC.
func scanOffset(s string) (int64, bool) {
	s = strings.TrimLeft(s, " ")
	switch {
	case s == "":
		return 0, true
	case s == "Z" || s == "z" || s == "UTC":
		return 0, true
	case s[0] != '+' && s[0] != '-':
		return 0, false
	}
	sign := int64(1)
	if s[0] == '-' {
		sign = -1
	}
	s = strings.ReplaceAll(s[1:], ":", "")
	if (len(s) != 2 && len(s) != 4) || !allDigits(s) {
		return 0, false
	}
	h := int64(s[0]-'0')*10 + int64(s[1]-'0')
	var m int64
	if len(s) == 4 {
		m = int64(s[2]-'0')*10 + int64(s[3]-'0')
	}
	if h > 18 || m > 59 {
		return 0, false
	}
	return sign * (h*3600 + m*60) * nanosPerSecond, true
}

// scanInt reads 1..max digits.
func scanInt(s string, max int) (n int, rest string, ok bool) {
	i := 0
	for i < len(s) && i < max && s[i] >= '0' && s[i] <= '9' {
		n = n*10 + int(s[i]-'0')
		i++
	}
	return n, s[i:], i > 0
}

func scanDate(s string) (days int64, rest string, ok bool) {
	neg := false
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	}
	y, s, ok := scanInt(s, 9)
	if !ok || !strings.HasPrefix(s, "-") {
		return 0, "", false
	}
	m, s, ok := scanInt(s[1:], 2)
	if !ok || !strings.HasPrefix(s, "-") {
		return 0, "", false
	}
	d, s, ok := scanInt(s[1:], 2)
	if !ok {
		return 0, "", false
	}
	if neg {
		y = -y
	}
	if m < 1 || m > 12 || d < 1 || d > DaysInMonth(y, m) {
		return 0, "", false
	}
	return DaysFromCivil(y, m, d), s, true
}

func scanTime(s string) (nanos int64, rest string, ok bool) {
	h, s, ok := scanInt(s, 2)
	if !ok || !strings.HasPrefix(s, ":") {
		return 0, "", false
	}
	m, s, ok := scanInt(s[1:], 2)
	if !ok {
		return 0, "", false
	}
	sec := 0
	var frac int64
	if strings.HasPrefix(s, ":") {
		sec, s, ok = scanInt(s[1:], 2)
		if !ok {
			return 0, "", false
		}
		if strings.HasPrefix(s, ".") {
			s = s[1:]
			i := 0
			for i < len(s) && s[i] >= '0' && s[i] <= '9' {
				if i < 9 {
					frac = frac*10 + int64(s[i]-'0')
				}
				i++
			}
			if i == 0 || i > 9 {
				return 0, "", false
			}
			frac *= pow10[9-i]
			s = s[i:]
		}
	}
	if h > 23 || m > 59 || sec > 59 {
		return 0, "", false
	}
	return (int64(h)*3600+int64(m)*60+int64(sec))*nanosPerSecond + frac, s, true
}

// IsLeapYear reports whether y is a leap year in the proleptic Gregorian
// calendar.
func IsLeapYear(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// DaysInMonth returns the number of days of month m (1-12) of year y.
func DaysInMonth(y, m int) int {
	switch m {
	case 2:
		if IsLeapYear(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
