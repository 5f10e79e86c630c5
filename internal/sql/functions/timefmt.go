package functions

import (
	"fmt"
	"strings"

	"github.com/sluicehq/sluice/internal/types"
)

// Java date-time patterns (DateTimeFormatter / SimpleDateFormat letters) as
// used by DATE_FORMAT, TO_TIMESTAMP, TO_DATE, UNIX_TIMESTAMP and
// FROM_UNIXTIME. Supported letters: y M d H h k m s S a E D z Z X, quoted
// text ('...') and '' for a quote. S is the fraction of a second truncated
// to the number of letters (SSS milliseconds, SSSSSS microseconds). The
// session zone is UTC, so z prints UTC and Z +0000.

type fmtToken struct {
	letter byte // 0 for a literal
	count  int
	lit    string
}

var monthNames = [...]string{"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"}
var dayNames = [...]string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}

// parsePattern splits a Java pattern into tokens.
func parsePattern(p string) ([]fmtToken, error) {
	var out []fmtToken
	for i := 0; i < len(p); {
		c := p[i]
		switch {
		case c == '\'':
			if i+1 < len(p) && p[i+1] == '\'' {
				out = append(out, fmtToken{lit: "'"})
				i += 2
				continue
			}
			j := strings.IndexByte(p[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unterminated quote in pattern '%s'", p)
			}
			out = append(out, fmtToken{lit: p[i+1 : i+1+j]})
			i += j + 2
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i
			for j < len(p) && p[j] == c {
				j++
			}
			if !strings.ContainsRune("yMdHhkmsSaEDzZXuL", rune(c)) {
				return nil, fmt.Errorf("unsupported pattern letter '%c' in '%s'", c, p)
			}
			out = append(out, fmtToken{letter: c, count: j - i})
			i = j
		default:
			out = append(out, fmtToken{lit: string(c)})
			i++
		}
	}
	return out, nil
}

func padNum(b []byte, n int64, width int) []byte {
	s := fmt.Sprint(n)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// formatNanos renders nanoseconds since the epoch (UTC) with tokens.
func formatNanos(toks []fmtToken, ns int64) string {
	days, tod := floorDiv(ns, nanosPerDay), floorMod(ns, nanosPerDay)
	y, m, d := types.CivilFromDays(days)
	h := tod / 3600e9
	mi := tod / 60e9 % 60
	s := tod / 1e9 % 60
	frac := tod % 1e9
	b := make([]byte, 0, 32)
	for _, t := range toks {
		switch t.letter {
		case 0:
			b = append(b, t.lit...)
		case 'y', 'u':
			if t.count == 2 {
				b = padNum(b, int64(y%100), 2)
			} else {
				b = padNum(b, int64(y), t.count)
			}
		case 'M', 'L':
			switch {
			case t.count >= 4:
				b = append(b, monthNames[m-1]...)
			case t.count == 3:
				b = append(b, monthNames[m-1][:3]...)
			default:
				b = padNum(b, int64(m), t.count)
			}
		case 'd':
			b = padNum(b, int64(d), t.count)
		case 'D':
			b = padNum(b, days-types.DaysFromCivil(y, 1, 1)+1, t.count)
		case 'H':
			b = padNum(b, h, t.count)
		case 'k':
			hh := h
			if hh == 0 {
				hh = 24
			}
			b = padNum(b, hh, t.count)
		case 'h':
			hh := h % 12
			if hh == 0 {
				hh = 12
			}
			b = padNum(b, hh, t.count)
		case 'm':
			b = padNum(b, mi, t.count)
		case 's':
			b = padNum(b, s, t.count)
		case 'S':
			n := min(t.count, 9)
			b = padNum(b, frac/types.Pow10(9-n), n)
			for i := 9; i < t.count; i++ {
				b = append(b, '0')
			}
		case 'a':
			if h < 12 {
				b = append(b, "AM"...)
			} else {
				b = append(b, "PM"...)
			}
		case 'E':
			dn := dayNames[floorMod(days+3, 7)] // 1970-01-01 was a Thursday
			if t.count >= 4 {
				b = append(b, dn...)
			} else {
				b = append(b, dn[:3]...)
			}
		case 'z':
			b = append(b, "UTC"...)
		case 'Z':
			b = append(b, "+0000"...)
		case 'X':
			b = append(b, 'Z')
		}
	}
	return string(b)
}

// parseWithPattern parses s with tokens into nanoseconds since the epoch
// (UTC). Numeric fields followed by a literal or the end take a variable
// number of digits; adjacent numeric fields take exactly their width.
func parseWithPattern(toks []fmtToken, s string) (int64, bool) {
	y, m, d := 1970, 1, 1
	var h, mi, sec, frac, off int64
	pm, hasAmPm := false, false
	for i, t := range toks {
		if t.letter == 0 {
			if !strings.HasPrefix(s, t.lit) {
				return 0, false
			}
			s = s[len(t.lit):]
			continue
		}
		fixed := i+1 < len(toks) && toks[i+1].letter != 0
		readNum := func(maxw int) (int64, bool) {
			w := 0
			for w < len(s) && s[w] >= '0' && s[w] <= '9' && (!fixed || w < maxw) {
				w++
			}
			if w == 0 {
				return 0, false
			}
			var n int64
			for _, c := range s[:w] {
				n = n*10 + int64(c-'0')
			}
			s = s[w:]
			return n, true
		}
		var n int64
		var ok bool
		switch t.letter {
		case 'a':
			switch {
			case strings.HasPrefix(strings.ToUpper(s), "AM"):
				hasAmPm = true
			case strings.HasPrefix(strings.ToUpper(s), "PM"):
				hasAmPm, pm = true, true
			default:
				return 0, false
			}
			s = s[2:]
			continue
		case 'E':
			matched := false
			for _, dn := range dayNames {
				for _, cand := range []string{dn, dn[:3]} {
					if strings.HasPrefix(s, cand) {
						s, matched = s[len(cand):], true
						break
					}
				}
				if matched {
					break
				}
			}
			if !matched {
				return 0, false
			}
			continue
		case 'X', 'Z', 'z':
			o, rest, good := parseZone(s)
			if !good {
				return 0, false
			}
			off, s = o, rest
			continue
		case 'M':
			if t.count >= 3 {
				matched := false
				for mi2, mn := range monthNames {
					for _, cand := range []string{mn, mn[:3]} {
						if strings.HasPrefix(s, cand) {
							m, s, matched = mi2+1, s[len(cand):], true
							break
						}
					}
					if matched {
						break
					}
				}
				if !matched {
					return 0, false
				}
				continue
			}
		}
		width := t.count
		if t.letter == 'y' && t.count <= 2 {
			width = 2
		}
		if !fixed && t.letter != 'S' {
			width = 9
		}
		before := len(s)
		if n, ok = readNum(max(width, 1)); !ok {
			return 0, false
		}
		read := before - len(s)
		switch t.letter {
		case 'y', 'u':
			y = int(n)
			if t.count == 2 {
				y += 2000
			}
		case 'M', 'L':
			m = int(n)
		case 'd':
			d = int(n)
		case 'D':
			d = int(n) // day of year: resolved below with m == 1
		case 'H', 'k', 'h':
			h = n
		case 'm':
			mi = n
		case 's':
			sec = n
		case 'S':
			// The digits read are a fraction of a second.
			if read > 9 {
				return 0, false
			}
			frac = n * types.Pow10(9-read)
		}
	}
	if strings.TrimSpace(s) != "" {
		return 0, false
	}
	if hasAmPm {
		h %= 12
		if pm {
			h += 12
		}
	}
	if m < 1 || m > 12 || d < 1 || h > 23 || mi > 59 || sec > 59 {
		return 0, false
	}
	if d > types.DaysInMonth(y, m) {
		return 0, false
	}
	days := types.DaysFromCivil(y, m, d)
	return days*nanosPerDay + ((h*60+mi)*60+sec)*1e9 + frac - off, true
}

// parseZone reads Z, +08:00, +0800, +08, UTC.
func parseZone(s string) (int64, string, bool) {
	switch {
	case strings.HasPrefix(s, "Z"):
		return 0, s[1:], true
	case strings.HasPrefix(s, "UTC"), strings.HasPrefix(s, "GMT"):
		return 0, s[3:], true
	case s == "" || (s[0] != '+' && s[0] != '-'):
		return 0, s, false
	}
	sign := int64(1)
	if s[0] == '-' {
		sign = -1
	}
	r := s[1:]
	digits := func(n int) (int64, bool) {
		if len(r) < n {
			return 0, false
		}
		var v int64
		for i := 0; i < n; i++ {
			if r[i] < '0' || r[i] > '9' {
				return 0, false
			}
			v = v*10 + int64(r[i]-'0')
		}
		r = r[n:]
		return v, true
	}
	h, ok := digits(2)
	if !ok {
		return 0, s, false
	}
	var m int64
	if strings.HasPrefix(r, ":") {
		r = r[1:]
	}
	if len(r) >= 2 && r[0] >= '0' && r[0] <= '9' {
		m, _ = digits(2)
	}
	return sign * (h*3600 + m*60) * 1e9, r, true
}
