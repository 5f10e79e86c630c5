package timefmt

import (
	"strconv"

	"github.com/sluicehq/sluice/internal/types"
)

// AppendDate writes days since the epoch as yyyy-MM-dd.
func AppendDate(b []byte, days int64) []byte {
	y, m, d := types.CivilFromDays(days)
	if y < 0 || y > 9999 {
		b = strconv.AppendInt(b, int64(y), 10)
	} else {
		b = pad(b, int64(y), 4)
	}
	b = append(b, '-')
	b = pad(b, int64(m), 2)
	b = append(b, '-')
	return pad(b, int64(d), 2)
}

// AppendTime writes nanoseconds of the day as HH:mm:ss[.fraction].
func AppendTime(b []byte, nanos int64) []byte {
	secs := nanos / 1e9
	b = pad(b, secs/3600, 2)
	b = append(b, ':')
	b = pad(b, secs/60%60, 2)
	b = append(b, ':')
	b = pad(b, secs%60, 2)
	if frac := nanos % 1e9; frac != 0 {
		b = append(b, '.')
		digits := 9
		for frac%10 == 0 {
			frac /= 10
			digits--
		}
		b = pad(b, frac, digits)
	}
	return b
}

// AppendTimestamp writes nanoseconds since the epoch as date, ' ' or 'T'
// (iso), and time.
func AppendTimestamp(b []byte, nanos int64, iso bool) []byte {
	days, rest := nanos/86_400e9, nanos%86_400e9
	if rest < 0 {
		days--
		rest += 86_400e9
	}
	b = AppendDate(b, days)
	if iso {
		b = append(b, 'T')
	} else {
		b = append(b, ' ')
	}
	return AppendTime(b, rest)
}

func pad(b []byte, n int64, width int) []byte {
	var tmp [20]byte
	s := strconv.AppendInt(tmp[:0], n, 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}
