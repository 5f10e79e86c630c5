package types

import (
	"math"
	"strconv"
	"strings"
)

// Two renderings of values, because Flink has two:
//
//   - FormatSQL is CAST(x AS STRING) and what the SQL client shows: TRUE,
//     1.50, 2020-04-15 08:05:00.000, +1 02:03:04.000, NULL.
//   - FormatPrint is what the print connector writes inside +I[...]: Java's
//     toString of the external (java.time, BigDecimal, boxed) objects:
//     true, 1.50, 2020-04-15T08:05, null.
//
// TIMESTAMP_LTZ is shown in the session time zone, which in Sluice is always
// UTC. Doubles use the shortest representation that round-trips (Java 19+
// Double.toString; older JDKs occasionally print one more digit).

// FormatSQL renders v of type t as Flink's CAST(v AS STRING) does.
//
// BYTES render as x'0a1b' (the SQL literal form, which is how Flink's SQL
// client displays binary columns); the CAST of BYTES to STRING in the
// functions package decodes UTF-8 instead, as Flink's CAST does.
func FormatSQL(v Value, t Type) string {
	if v.K == KindNull {
		return "NULL"
	}
	var b []byte
	return string(appendSQL(b, v, t))
}

// AppendSQL appends FormatSQL(v, t) to dst.
func AppendSQL(dst []byte, v Value, t Type) []byte {
	if v.K == KindNull {
		return append(dst, "NULL"...)
	}
	return appendSQL(dst, v, t)
}

func appendSQL(b []byte, v Value, t Type) []byte {
	switch t.ID {
	case Boolean:
		if v.Bool() {
			return append(b, "TRUE"...)
		}
		return append(b, "FALSE"...)
	case TinyInt, SmallInt, Int, BigInt:
		return strconv.AppendInt(b, v.I, 10)
	case Double:
		return AppendJavaDouble(b, v.Float())
	case Float:
		return AppendJavaFloat(b, float32(v.Float()))
	case Decimal:
		return append(b, DecimalString(v, t.Scale)...)
	case Char, VarChar:
		return append(b, v.S...)
	case Binary, VarBinary:
		b = append(b, "x'"...)
		const hex = "0123456789abcdef"
		for i := 0; i < len(v.S); i++ {
			b = append(b, hex[v.S[i]>>4], hex[v.S[i]&15])
		}
		return append(b, '\'')
	case Date:
		return appendDate(b, v.I)
	case Time:
		return appendTimeOfDay(b, v.I, t.Precision, false)
	case Timestamp, TimestampLTZ:
		days, nanos := splitNanos(v.I)
		b = appendDate(b, days)
		b = append(b, ' ')
		return appendTimeOfDay(b, nanos, t.Precision, false)
	case IntervalDayTime:
		return appendIntervalDT(b, v.I)
	case IntervalYearMonth:
		return appendIntervalYM(b, v.I)
	case Array, Multiset:
		return appendArray(b, v, t, AppendSQL)
	case Map:
		return appendMap(b, v, t, AppendSQL)
	case RowType:
		b = append(b, '(')
		for i, f := range v.Fields() {
			if i > 0 {
				b = append(b, ", "...)
			}
			var ft Type
			if i < len(t.Fields) {
				ft = t.Fields[i].Type
			}
			b = AppendSQL(b, f, ft)
		}
		return append(b, ')')
	}
	return appendByKind(b, v)
}

// appendByKind renders a value whose type is unknown from its physical tag.
func appendByKind(b []byte, v Value) []byte {
	switch v.K {
	case KindBool:
		if v.Bool() {
			return append(b, "TRUE"...)
		}
		return append(b, "FALSE"...)
	case KindInt:
		return strconv.AppendInt(b, v.I, 10)
	case KindFloat:
		return AppendJavaDouble(b, v.Float())
	case KindDecimal:
		return append(b, DecimalString(v, 0)...)
	case KindString, KindBytes:
		return append(b, v.S...)
	}
	return b
}

// FormatPrint renders v of type t as Flink's print connector shows it inside
// +I[...] (Java toString of the external type).
func FormatPrint(v Value, t Type) string {
	return string(AppendPrint(nil, v, t))
}

// AppendPrint appends FormatPrint(v, t) to dst.
func AppendPrint(b []byte, v Value, t Type) []byte {
	if v.K == KindNull {
		return append(b, "null"...)
	}
	switch t.ID {
	case Boolean:
		return strconv.AppendBool(b, v.Bool())
	case Decimal:
		return append(b, decimalJavaString(v, t.Scale)...)
	case Binary, VarBinary:
		// byte[] via Arrays.toString: signed bytes.
		b = append(b, '[')
		for i := 0; i < len(v.S); i++ {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = strconv.AppendInt(b, int64(int8(v.S[i])), 10)
		}
		return append(b, ']')
	case Time:
		return appendTimeOfDay(b, v.I, -1, true)
	case Timestamp:
		days, nanos := splitNanos(v.I)
		b = appendDate(b, days)
		b = append(b, 'T')
		return appendTimeOfDay(b, nanos, -1, true)
	case TimestampLTZ:
		days, nanos := splitNanos(v.I)
		b = appendDate(b, days)
		b = append(b, 'T')
		b = appendTimeOfDay(b, nanos, -1, false)
		return append(b, 'Z')
	case IntervalDayTime:
		return appendJavaDuration(b, v.I)
	case IntervalYearMonth:
		return appendJavaPeriod(b, v.I)
	case Array, Multiset:
		return appendArray(b, v, t, AppendPrint)
	case Map:
		return appendMap(b, v, t, AppendPrint)
	case RowType:
		b = append(b, "+I["...)
		for i, f := range v.Fields() {
			if i > 0 {
				b = append(b, ", "...)
			}
			var ft Type
			if i < len(t.Fields) {
				ft = t.Fields[i].Type
			}
			b = AppendPrint(b, f, ft)
		}
		return append(b, ']')
	case Null:
		return append(b, "null"...)
	}
	if v.K == KindBool {
		return strconv.AppendBool(b, v.Bool())
	}
	return appendSQL(b, v, t)
}

// FormatRowPrint renders a row as the print connector does:
// "+I[1001, foo, 2020-04-15T08:05]".
func FormatRowPrint(kind RowKind, row Row, schema Schema) string {
	b := make([]byte, 0, 16*len(row)+4)
	b = append(b, kind.String()...)
	b = append(b, '[')
	for i, v := range row {
		if i > 0 {
			b = append(b, ", "...)
		}
		var t Type
		if i < len(schema.Fields) {
			t = schema.Fields[i].Type
		}
		b = AppendPrint(b, v, t)
	}
	b = append(b, ']')
	return string(b)
}

// AppendJavaDouble appends f as Java's Double.toString: 1.0, 0.001, 1.5E10,
// 1.0E-5, NaN, Infinity, -0.0.
func AppendJavaDouble(b []byte, f float64) []byte { return appendJavaFloat(b, f, 64) }

// AppendJavaFloat appends f as Java's Float.toString.
func AppendJavaFloat(b []byte, f float32) []byte { return appendJavaFloat(b, float64(f), 32) }

// JavaDouble returns Java's Double.toString(f).
func JavaDouble(f float64) string { return string(AppendJavaDouble(nil, f)) }

func appendJavaFloat(b []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "Infinity"...)
	case math.IsInf(f, -1):
		return append(b, "-Infinity"...)
	case f == 0:
		if math.Signbit(f) {
			return append(b, "-0.0"...)
		}
		return append(b, "0.0"...)
	}
	a := math.Abs(f)
	if a >= 1e-3 && a < 1e7 {
		start := len(b)
		b = strconv.AppendFloat(b, f, 'f', -1, bits)
		for i := start; i < len(b); i++ {
			if b[i] == '.' {
				return b
			}
		}
		return append(b, ".0"...)
	}
	var tmp [32]byte
	s := strconv.AppendFloat(tmp[:0], f, 'e', -1, bits) // -d.ddde±dd
	e := 0
	for i := range s {
		if s[i] == 'e' {
			e = i
			break
		}
	}
	mant, exp := s[:e], s[e+1:]
	b = append(b, mant...)
	if !strings.Contains(string(mant), ".") {
		b = append(b, ".0"...)
	}
	b = append(b, 'E')
	if exp[0] == '-' {
		b = append(b, '-')
	}
	exp = exp[1:]
	for len(exp) > 1 && exp[0] == '0' {
		exp = exp[1:]
	}
	return append(b, exp...)
}

const (
	nanosPerSecond = int64(1e9)
	nanosPerDay    = 86400 * nanosPerSecond
)

// splitNanos splits nanoseconds since the epoch into days and nanos of day.
func splitNanos(n int64) (days, nanos int64) {
	days, nanos = n/nanosPerDay, n%nanosPerDay
	if nanos < 0 {
		days--
		nanos += nanosPerDay
	}
	return days, nanos
}

// CivilFromDays converts days since 1970-01-01 to a proleptic Gregorian
// year, month (1-12) and day (1-31).
func CivilFromDays(z int64) (y, m, d int) {
	z += 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	yy := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	dd := doy - (153*mp+2)/5 + 1
	mm := mp + 3
	if mp >= 10 {
		mm = mp - 9
	}
	if mm <= 2 {
		yy++
	}
	return int(yy), int(mm), int(dd)
}

// DaysFromCivil converts a proleptic Gregorian date to days since
// 1970-01-01.
func DaysFromCivil(y, m, d int) int64 {
	yy := int64(y)
	if m <= 2 {
		yy--
	}
	era := yy / 400
	if yy < 0 && yy%400 != 0 {
		era = (yy - 399) / 400
	}
	yoe := yy - era*400
	mm := int64(m)
	var mp int64
	if mm > 2 {
		mp = mm - 3
	} else {
		mp = mm + 9
	}
	doy := (153*mp+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func appendPad(b []byte, n int64, width int) []byte {
	var tmp [20]byte
	s := strconv.AppendInt(tmp[:0], n, 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

func appendDate(b []byte, days int64) []byte {
	y, m, d := CivilFromDays(days)
	if y < 0 {
		b = append(b, '-')
		y = -y
	}
	b = appendPad(b, int64(y), 4)
	b = append(b, '-')
	b = appendPad(b, int64(m), 2)
	b = append(b, '-')
	return appendPad(b, int64(d), 2)
}

// appendTimeOfDay writes HH:mm:ss and a fraction. prec >= 0 writes exactly
// prec fraction digits (truncating). prec < 0 is Java's style: the fraction
// in groups of 3 digits as needed; with javaShort, seconds are also omitted
// when seconds and fraction are zero (LocalTime.toString).
func appendTimeOfDay(b []byte, nanos int64, prec int, javaShort bool) []byte {
	sec := nanos / nanosPerSecond
	frac := nanos % nanosPerSecond
	b = appendPad(b, sec/3600, 2)
	b = append(b, ':')
	b = appendPad(b, sec/60%60, 2)
	if javaShort && sec%60 == 0 && frac == 0 {
		return b
	}
	b = append(b, ':')
	b = appendPad(b, sec%60, 2)
	return appendFraction(b, frac, prec)
}

func appendFraction(b []byte, frac int64, prec int) []byte {
	if prec < 0 {
		switch {
		case frac == 0:
			return b
		case frac%1000000 == 0:
			prec = 3
		case frac%1000 == 0:
			prec = 6
		default:
			prec = 9
		}
	}
	if prec == 0 {
		return b
	}
	if prec > 9 {
		prec = 9
	}
	b = append(b, '.')
	return appendPad(b, frac/pow10[9-prec], prec)
}

// appendIntervalDT writes Flink's INTERVAL DAY TO SECOND string form,
// "+1 02:03:04.000" (millisecond precision, as Flink stores millis).
func appendIntervalDT(b []byte, nanos int64) []byte {
	u := absU(nanos)
	if nanos < 0 {
		b = append(b, '-')
	} else {
		b = append(b, '+')
	}
	ms := u / 1e6
	b = strconv.AppendUint(b, ms/86400000, 10)
	b = append(b, ' ')
	b = appendPad(b, int64(ms/3600000%24), 2)
	b = append(b, ':')
	b = appendPad(b, int64(ms/60000%60), 2)
	b = append(b, ':')
	b = appendPad(b, int64(ms/1000%60), 2)
	b = append(b, '.')
	return appendPad(b, int64(ms%1000), 3)
}

// appendIntervalYM writes Flink's INTERVAL YEAR TO MONTH form, "+1-02".
func appendIntervalYM(b []byte, months int64) []byte {
	u := absU(months)
	if months < 0 {
		b = append(b, '-')
	} else {
		b = append(b, '+')
	}
	b = strconv.AppendUint(b, u/12, 10)
	b = append(b, '-')
	return appendPad(b, int64(u%12), 2)
}

// appendJavaDuration writes java.time.Duration.toString at millisecond
// precision (Flink's external form of INTERVAL DAY TO SECOND): PT26H3M4S,
// PT0.5S, PT-1.5S, PT0S.
func appendJavaDuration(b []byte, nanos int64) []byte {
	ms := nanos / 1e6
	if ms == 0 {
		return append(b, "PT0S"...)
	}
	seconds := floorDiv(ms, 1000)
	msPart := ms - seconds*1000 // 0..999, as Duration's nanos
	eff := seconds
	if seconds < 0 && msPart > 0 {
		eff++
	}
	hours, minutes, secs := eff/3600, eff%3600/60, eff%60
	b = append(b, "PT"...)
	if hours != 0 {
		b = strconv.AppendInt(b, hours, 10)
		b = append(b, 'H')
	}
	if minutes != 0 {
		b = strconv.AppendInt(b, minutes, 10)
		b = append(b, 'M')
	}
	if secs == 0 && msPart == 0 && len(b) > 2 {
		return b
	}
	if seconds < 0 && msPart > 0 && secs == 0 {
		b = append(b, "-0"...)
	} else {
		b = strconv.AppendInt(b, secs, 10)
	}
	if msPart > 0 {
		f := msPart
		if seconds < 0 {
			f = 1000 - msPart
		}
		frac := appendPad(nil, f, 3)
		for len(frac) > 0 && frac[len(frac)-1] == '0' {
			frac = frac[:len(frac)-1]
		}
		b = append(b, '.')
		b = append(b, frac...)
	}
	return append(b, 'S')
}

// appendJavaPeriod writes java.time.Period.toString for a months count
// (Flink's external form of INTERVAL YEAR TO MONTH): P1Y2M, P3M, P0D.
func appendJavaPeriod(b []byte, months int64) []byte {
	if months == 0 {
		return append(b, "P0D"...)
	}
	b = append(b, 'P')
	if y := months / 12; y != 0 {
		b = strconv.AppendInt(b, y, 10)
		b = append(b, 'Y')
	}
	if m := months % 12; m != 0 {
		b = strconv.AppendInt(b, m, 10)
		b = append(b, 'M')
	}
	return b
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// appendArray renders an ARRAY or MULTISET as [e1, e2], each element with
// elem (the SQL or the print rendering).
func appendArray(b []byte, v Value, t Type, elem func([]byte, Value, Type) []byte) []byte {
	var et Type
	if t.Elem != nil {
		et = *t.Elem
	}
	b = append(b, '[')
	for i, e := range v.Array() {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = elem(b, e, et)
	}
	return append(b, ']')
}

// appendMap renders a MAP as {k1=v1, k2=v2}, keys and values with elem.
func appendMap(b []byte, v Value, t Type, elem func([]byte, Value, Type) []byte) []byte {
	var kt, vt Type
	if t.Key != nil {
		kt, vt = *t.Key, *t.Elem
	}
	m := v.MapV()
	b = append(b, '{')
	for i := range m.Keys {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = elem(b, m.Keys[i], kt)
		b = append(b, '=')
		b = elem(b, m.Values[i], vt)
	}
	return append(b, '}')
}
