package functions

import (
	"fmt"
	"math"
	"math/big"
	"strings"
	"time"

	"github.com/sluicehq/sluice/internal/types"
)

// Date and time functions. The session time zone is always UTC: TIMESTAMP
// and TIMESTAMP_LTZ hold the same nanoseconds, CURRENT_TIMESTAMP equals
// LOCALTIMESTAMP, and formatting/parsing use UTC. The clock comes from
// Options.Now so tests can fix it.

const defaultTSFormat = "yyyy-MM-dd HH:mm:ss"

func timeFuncs(opts Options) []*Func {
	now := opts.now()
	nowNanos := func() int64 { return truncNanos(now().UnixNano(), 3) }
	clockFn := func(name string, t types.Type, f func() int64) simple {
		return simple{name: name, ret: ret(t), keepNull: true, nondet: true,
			f0: func() types.Value { return i64(f()) }}
	}
	fs := []simple{
		clockFn("CURRENT_TIMESTAMP", types.TimestampLTZType(3).NotNull(), nowNanos),
		clockFn("NOW", types.TimestampLTZType(3).NotNull(), nowNanos),
		clockFn("CURRENT_ROW_TIMESTAMP", types.TimestampLTZType(3).NotNull(), nowNanos),
		clockFn("LOCALTIMESTAMP", types.TimestampType(3).NotNull(), nowNanos),
		clockFn("PROCTIME", types.TimestampLTZType(3).NotNull().WithTimeAttr(types.ProcTime), nowNanos),
		clockFn("CURRENT_DATE", types.DateType.NotNull(), func() int64 { return floorDiv(nowNanos(), nanosPerDay) }),
		clockFn("CURRENT_TIME", types.TimeType(0).NotNull(), func() int64 { return truncNanos(floorMod(nowNanos(), nanosPerDay), 0) }),
		clockFn("LOCALTIME", types.TimeType(0).NotNull(), func() int64 { return truncNanos(floorMod(nowNanos(), nanosPerDay), 0) }),
		{name: "DATE_FORMAT", args: []argKind{kAny, kStr}, ret: retString, compile: compileDateFormat},
		{name: "TO_TIMESTAMP", args: []argKind{kStr}, opt: []argKind{kStr}, ret: ret(types.TimestampType(3).WithNullable(true)), compile: compileParseTS(false)},
		{name: "TO_DATE", args: []argKind{kStr}, opt: []argKind{kStr}, ret: ret(types.DateType), compile: compileParseTS(true)},
		{name: "TO_TIMESTAMP_LTZ", args: []argKind{kNum}, opt: []argKind{kInt}, ret: ret(types.TimestampLTZType(3)), compile: compileToTSLTZ},
		{name: "UNIX_TIMESTAMP", opt: []argKind{kStr, kStr}, ret: retBigInt, nondet: true, compile: compileUnixTS(now)},
		{name: "FROM_UNIXTIME", args: []argKind{kInt}, opt: []argKind{kStr}, ret: retString, compile: compileFromUnix},
		{name: "EXTRACT", args: []argKind{kSym, kAny}, ret: retBigInt, compile: compileExtract},
		{name: "TIMESTAMPADD", args: []argKind{kSym, kInt, kTime}, ret: tsAddType, compile: compileTSAdd},
		{name: "TIMESTAMPDIFF", args: []argKind{kSym, kTime, kTime}, ret: retInt, compile: compileTSDiff},
	}
	out := make([]*Func, 0, len(fs)+10)
	for _, s := range fs {
		out = append(out, s.toFunc())
	}
	for _, u := range []struct{ name, unit string }{
		{"YEAR", "YEAR"}, {"QUARTER", "QUARTER"}, {"MONTH", "MONTH"}, {"WEEK", "WEEK"},
		{"DAYOFYEAR", "DOY"}, {"DAYOFMONTH", "DAY"}, {"DAYOFWEEK", "DOW"},
		{"HOUR", "HOUR"}, {"MINUTE", "MINUTE"}, {"SECOND", "SECOND"},
	} {
		unit := u.unit
		out = append(out, simple{name: u.name, args: []argKind{kAny}, ret: retBigInt,
			compile: func(args []Arg, ret types.Type) (Eval, error) {
				return compileExtract([]Arg{{Symbol: unit}, args[0]}, ret)
			}}.toFunc())
	}
	return out
}

func compileDateFormat(args []Arg, _ types.Type) (Eval, error) {
	t := args[0].Type
	if !(t.IsTimestamp() || t.ID == types.Date || t.IsString() || t.ID == types.Null) {
		return nil, fmt.Errorf("DATE_FORMAT expects a TIMESTAMP or STRING, got %s", t)
	}
	toNanos := timeInput(t)
	return withPattern(args[1], func(toks []fmtToken, v types.Value) types.Value {
		ns, ok := toNanos(v)
		if !ok {
			return types.Value{}
		}
		return str(formatNanos(toks, ns))
	}, args[0].Eval)
}

// timeInput converts a TIMESTAMP/DATE/STRING value to nanoseconds.
func timeInput(t types.Type) func(types.Value) (int64, bool) {
	switch {
	case t.ID == types.Date:
		return func(v types.Value) (int64, bool) { return v.I * nanosPerDay, true }
	case t.IsString():
		return func(v types.Value) (int64, bool) {
			ns, err := types.ParseTimestamp(v.S)
			return ns, err == nil
		}
	}
	return func(v types.Value) (int64, bool) { return v.I, true }
}

// withPattern compiles a (usually constant) pattern argument once and
// calls f with the tokens and the value of x per row.
func withPattern(p Arg, f func([]fmtToken, types.Value) types.Value, x Eval) (Eval, error) {
	if p.Const != nil && p.Const.K != types.KindNull {
		toks, err := parsePattern(p.Const.S)
		if err != nil {
			return nil, err
		}
		return func(r types.Row) types.Value {
			v := x(r)
			if v.K == types.KindNull {
				return v
			}
			return f(toks, v)
		}, nil
	}
	pe := p.Eval
	return func(r types.Row) types.Value {
		v := x(r)
		if v.K == types.KindNull {
			return v
		}
		pv := pe(r)
		if pv.K == types.KindNull {
			return pv
		}
		toks, err := parsePattern(pv.S)
		if err != nil {
			return types.Value{}
		}
		return f(toks, v)
	}, nil
}

func constPattern(s string) Arg {
	v := str(s)
	return Arg{Type: types.StringType, Const: &v, Eval: func(types.Row) types.Value { return v }}
}

// TO_TIMESTAMP(s [, fmt]) and TO_DATE(s [, fmt]): NULL when s does not
// parse (Flink).
func compileParseTS(date bool) func(args []Arg, _ types.Type) (Eval, error) {
	return func(args []Arg, _ types.Type) (Eval, error) {
		x := args[0].Eval
		if len(args) == 1 {
			return func(r types.Row) types.Value {
				v := x(r)
				if v.K == types.KindNull {
					return v
				}
				if date {
					d, err := types.ParseDate(v.S)
					if err != nil {
						return types.Value{}
					}
					return i64(d)
				}
				ns, err := types.ParseTimestamp(v.S)
				if err != nil {
					return types.Value{}
				}
				return i64(truncNanos(ns, 3))
			}, nil
		}
		return withPattern(args[1], func(toks []fmtToken, v types.Value) types.Value {
			ns, ok := parseWithPattern(toks, v.S)
			if !ok {
				return types.Value{}
			}
			if date {
				return i64(floorDiv(ns, nanosPerDay))
			}
			return i64(truncNanos(ns, 3))
		}, x)
	}
}

// TO_TIMESTAMP_LTZ(n, precision): n seconds (precision 0) or milliseconds
// (precision 3, the default) since the epoch.
func compileToTSLTZ(args []Arg, _ types.Type) (Eval, error) {
	unit := 3
	if len(args) == 2 {
		if args[1].Const == nil || (args[1].Const.I != 0 && args[1].Const.I != 3) {
			return nil, fmt.Errorf("TO_TIMESTAMP_LTZ: precision must be the literal 0 or 3")
		}
		unit = int(args[1].Const.I)
	}
	mult := int64(1e9)
	if unit == 3 {
		mult = 1e6
	}
	x := args[0].Eval
	if args[0].Type.IsInteger() {
		return func(r types.Row) types.Value {
			v := x(r)
			if v.K == types.KindNull {
				return v
			}
			return i64(v.I * mult)
		}, nil
	}
	d, err := coerce(args[0], types.DoubleType)
	if err != nil {
		return nil, err
	}
	return func(r types.Row) types.Value {
		v := d(r)
		if v.K == types.KindNull {
			return v
		}
		return i64(truncNanos(int64(v.Float()*float64(mult)), 3))
	}, nil
}

// UNIX_TIMESTAMP() is the current time in seconds; UNIX_TIMESTAMP(s [,
// fmt]) parses s (default 'yyyy-MM-dd HH:mm:ss') and returns
// Long.MIN_VALUE when it does not parse, as Flink.
func compileUnixTS(now func() time.Time) func(args []Arg, _ types.Type) (Eval, error) {
	return func(args []Arg, _ types.Type) (Eval, error) {
		if len(args) == 0 {
			return func(types.Row) types.Value { return i64(floorDiv(now().UnixNano(), 1e9)) }, nil
		}
		p := constPattern(defaultTSFormat)
		if len(args) == 2 {
			p = args[1]
		}
		return withPattern(p, func(toks []fmtToken, v types.Value) types.Value {
			ns, ok := parseWithPattern(toks, v.S)
			if !ok {
				return i64(math.MinInt64)
			}
			return i64(floorDiv(ns, 1e9))
		}, args[0].Eval)
	}
}

func compileFromUnix(args []Arg, _ types.Type) (Eval, error) {
	p := constPattern(defaultTSFormat)
	if len(args) == 2 {
		p = args[1]
	}
	return withPattern(p, func(toks []fmtToken, v types.Value) types.Value {
		return str(formatNanos(toks, v.I*1e9))
	}, args[0].Eval)
}

// ---- EXTRACT ----

// extractUnit returns the field of unit from a TIMESTAMP (ns), DATE (days)
// or TIME (ns of day) value already converted to nanoseconds.
func extractField(unit string, ns int64) (int64, bool) {
	days, tod := floorDiv(ns, nanosPerDay), floorMod(ns, nanosPerDay)
	y, m, d := types.CivilFromDays(days)
	switch unit {
	case "MILLENNIUM":
		return int64((y + 999) / 1000), true
	case "CENTURY":
		return int64((y + 99) / 100), true
	case "DECADE":
		return int64(y / 10), true
	case "YEAR":
		return int64(y), true
	case "QUARTER":
		return int64((m-1)/3 + 1), true
	case "MONTH":
		return int64(m), true
	case "WEEK":
		return isoWeek(days), true
	case "DAY":
		return int64(d), true
	case "DOY":
		return days - types.DaysFromCivil(y, 1, 1) + 1, true
	case "DOW":
		return floorMod(days+4, 7) + 1, true // Sunday = 1
	case "ISODOW":
		return floorMod(days+3, 7) + 1, true // Monday = 1
	case "HOUR":
		return tod / 3600e9, true
	case "MINUTE":
		return tod / 60e9 % 60, true
	case "SECOND":
		return tod / 1e9 % 60, true
	case "MILLISECOND":
		return tod / 1e6 % 60000, true
	case "MICROSECOND":
		return tod / 1e3 % 60000000, true
	case "NANOSECOND":
		return tod % 60e9, true
	case "EPOCH":
		return floorDiv(ns, 1e9), true
	}
	return 0, false
}

// isoWeek is the ISO-8601 week number of a date.
func isoWeek(days int64) int64 {
	dow := floorMod(days+3, 7) // Monday = 0
	thursday := days - dow + 3
	y, _, _ := types.CivilFromDays(thursday)
	return (thursday-types.DaysFromCivil(y, 1, 1))/7 + 1
}

func compileExtract(args []Arg, _ types.Type) (Eval, error) {
	unit := strings.ToUpper(args[0].Symbol)
	t := args[1].Type
	x := args[1].Eval
	if _, ok := extractField(unit, 0); !ok {
		return nil, fmt.Errorf("EXTRACT: unsupported unit %s", unit)
	}
	var toNs func(int64) int64
	switch {
	case t.IsTimestamp(), t.ID == types.Time:
		toNs = func(i int64) int64 { return i }
	case t.ID == types.Date:
		toNs = func(i int64) int64 { return i * nanosPerDay }
	case t.ID == types.IntervalDayTime:
		return extractInterval(unit, x, false)
	case t.ID == types.IntervalYearMonth:
		return extractInterval(unit, x, true)
	case t.ID == types.Null:
		return constNull, nil
	default:
		return nil, fmt.Errorf("EXTRACT expects a date, time, timestamp or interval, got %s", t)
	}
	return func(r types.Row) types.Value {
		v := x(r)
		if v.K == types.KindNull {
			return v
		}
		n, _ := extractField(unit, toNs(v.I))
		return i64(n)
	}, nil
}

func extractInterval(unit string, x Eval, months bool) (Eval, error) {
	return func(r types.Row) types.Value {
		v := x(r)
		if v.K == types.KindNull {
			return v
		}
		if months {
			switch unit {
			case "YEAR":
				return i64(v.I / 12)
			case "MONTH":
				return i64(v.I % 12)
			case "QUARTER":
				return i64(v.I % 12 / 3)
			}
			return i64(0)
		}
		ms := v.I / 1e6
		switch unit {
		case "DAY":
			return i64(ms / 86400000)
		case "HOUR":
			return i64(ms / 3600000 % 24)
		case "MINUTE":
			return i64(ms / 60000 % 60)
		case "SECOND":
			return i64(ms / 1000 % 60)
		case "MILLISECOND":
			return i64(ms % 60000)
		case "EPOCH":
			return i64(ms / 1000)
		}
		return i64(0)
	}, nil
}

// ---- FLOOR / CEIL ----

// floorCeil is FLOOR/CEIL of a number, or of a timestamp/date to a unit
// (FLOOR(ts TO DAY) arrives as FLOOR(ts, Symbol DAY)). Weeks start on
// Sunday, as Calcite's.
func floorCeil(name string, ceil bool) *Func {
	return &Func{
		Name:       name,
		Signatures: []string{name + "(NUMERIC)", name + "(TIMESTAMP|DATE TO unit)"},
		Infer: func(args []Arg) (types.Type, error) {
			switch {
			case len(args) == 1 && (args[0].Type.IsNumeric() || args[0].Type.ID == types.Null):
				t := plain(args[0].Type)
				if t.ID == types.Decimal {
					t = types.DecimalType(min(types.MaxDecimalPrecision, 1+t.Precision-t.Scale), 0)
				}
				if t.ID == types.Null {
					t = types.IntType
				}
				return withNull(t, anyNullable(args)), nil
			case len(args) == 2 && args[1].Symbol != "" && (args[0].Type.IsTimestamp() || args[0].Type.ID == types.Date || args[0].Type.ID == types.Time):
				if _, ok := unitNanos(strings.ToUpper(args[1].Symbol)); !ok {
					return types.Type{}, fmt.Errorf("%s: unsupported unit %s", name, args[1].Symbol)
				}
				return withNull(args[0].Type, args[0].Type.Nullable), nil
			}
			return types.Type{}, fmt.Errorf("invalid arguments to %s: (%s)", name, typeList(args))
		},
		Compile: func(args []Arg, ret types.Type) (Eval, error) {
			if len(args) == 1 {
				return compileNumFloor(args[0], ret, ceil)
			}
			unit := strings.ToUpper(args[1].Symbol)
			x := args[0].Eval
			isDate := args[0].Type.ID == types.Date
			return func(r types.Row) types.Value {
				v := x(r)
				if v.K == types.KindNull {
					return v
				}
				ns := v.I
				if isDate {
					ns *= nanosPerDay
				}
				out := floorTime(ns, unit, ceil)
				if isDate {
					out = floorDiv(out, nanosPerDay)
				}
				return i64(out)
			}, nil
		},
	}
}

func unitNanos(unit string) (int64, bool) {
	switch unit {
	case "NANOSECOND":
		return 1, true
	case "MICROSECOND":
		return 1e3, true
	case "MILLISECOND":
		return 1e6, true
	case "SECOND":
		return 1e9, true
	case "MINUTE":
		return 60e9, true
	case "HOUR":
		return 3600e9, true
	case "DAY":
		return nanosPerDay, true
	case "WEEK":
		return 7 * nanosPerDay, true
	case "MONTH", "QUARTER", "YEAR", "DECADE", "CENTURY", "MILLENNIUM":
		return 0, true
	}
	return 0, false
}

func floorTime(ns int64, unit string, ceil bool) int64 {
	u, _ := unitNanos(unit)
	if u > 0 && unit != "WEEK" {
		f := floorDiv(ns, u) * u
		if ceil && f != ns {
			f += u
		}
		return f
	}
	// Calendar units work on the date alone, as Flink's
	// DateTimeUtils.unixTimestampFloor/Ceil and unixDateFloor/Ceil do
	// (julianDateFloor): the time of day is dropped (the millisecond count
	// divided by a day, truncated), so CEIL(TIMESTAMP '2020-05-01 10:00' TO
	// MONTH) is 2020-05-01 00:00.
	return calendarFloor(ns/nanosPerDay, unit, ceil) * nanosPerDay
}

// calendarFloor is Flink's DateTimeUtils.julianDateFloor over days since
// 1970-01-01, ceiling included with its quirks: weeks start on Sunday,
// CEIL to QUARTER moves on unless the date is January 1st, and CEIL to
// DECADE, CENTURY or MILLENNIUM always moves on.
func calendarFloor(days int64, unit string, ceil bool) int64 {
	y, m, d := types.CivilFromDays(days)
	ymd := func(y, m int) int64 {
		y += (m - 1) / 12
		m = (m-1)%12 + 1
		return types.DaysFromCivil(y, m, 1)
	}
	switch unit {
	case "MILLENNIUM":
		if ceil {
			return ymd(1000*((y+999)/1000)+1, 1)
		}
		return ymd(1000*((y+999)/1000)-999, 1)
	case "CENTURY":
		if ceil {
			return ymd(100*((y+99)/100)+1, 1)
		}
		return ymd(100*((y+99)/100)-99, 1)
	case "DECADE":
		if ceil {
			return ymd(10*(1+y/10), 1)
		}
		return ymd(10*(y/10), 1)
	case "YEAR":
		if ceil && (m > 1 || d > 1) {
			y++
		}
		return ymd(y, 1)
	case "MONTH":
		if ceil && d > 1 {
			m++
		}
		return ymd(y, m)
	case "QUARTER":
		q := (m + 2) / 3
		if ceil && (m > 1 || d > 1) {
			q++
		}
		return ymd(y, q*3-2)
	case "WEEK":
		dow := floorMod(days+4, 7) // 1970-01-01 was a Thursday; Sunday is 0
		if ceil && dow > 0 {
			return days + 7 - dow
		}
		if ceil {
			return days
		}
		return days - dow
	}
	return days
}

func compileNumFloor(a Arg, ret types.Type, ceil bool) (Eval, error) {
	x := a.Eval
	switch {
	case ret.IsInteger():
		return x, nil
	case ret.IsApprox():
		f := math.Floor
		if ceil {
			f = math.Ceil
		}
		return func(r types.Row) types.Value {
			v := x(r)
			if v.K == types.KindNull {
				return v
			}
			return f64(f(v.Float()))
		}, nil
	case ret.ID == types.Decimal:
		s := a.Type.Scale
		return func(r types.Row) types.Value {
			v := x(r)
			if v.K == types.KindNull {
				return v
			}
			t := roundDecimal(v, s, 0, true) // toward zero
			// Adjust toward -inf (floor) or +inf (ceil) when digits were dropped.
			back := types.RescaleDecimal(t, 0, s)
			if cmpDecimal(back, v) != 0 {
				neg := v.BigUnscaled().Sign() < 0
				if ceil && !neg {
					t = addUnscaled(t, 1)
				} else if !ceil && neg {
					t = addUnscaled(t, -1)
				}
			}
			return t
		}, nil
	}
	return constNull, nil
}

func addUnscaled(v types.Value, d int64) types.Value {
	if v.X == nil && v.I > math.MinInt64+1 && v.I < math.MaxInt64-1 {
		return types.DecimalValue(v.I + d)
	}
	return types.BigDecimalValue(v.BigUnscaled().Add(v.BigUnscaled(), big.NewInt(d)))
}

// ---- TIMESTAMPADD / TIMESTAMPDIFF ----

func tsAddType(args []Arg) (types.Type, error) {
	t := plain(args[2].Type)
	if t.ID == types.Date {
		switch strings.ToUpper(args[0].Symbol) {
		case "YEAR", "QUARTER", "MONTH", "WEEK", "DAY":
			return t, nil
		}
		return types.TimestampType(0), nil
	}
	return t, nil
}

func compileTSAdd(args []Arg, ret types.Type) (Eval, error) {
	unit := strings.ToUpper(args[0].Symbol)
	n, x := args[1].Eval, args[2].Eval
	isDate := args[2].Type.ID == types.Date
	retDate := ret.ID == types.Date
	months := map[string]int64{"MONTH": 1, "QUARTER": 3, "YEAR": 12}[unit]
	u, ok := unitNanos(unit)
	if !ok || (u == 0 && months == 0) {
		return nil, fmt.Errorf("TIMESTAMPADD: unsupported unit %s", unit)
	}
	return func(r types.Row) types.Value {
		c := n(r)
		if c.K == types.KindNull {
			return c
		}
		v := x(r)
		if v.K == types.KindNull {
			return v
		}
		ns := v.I
		if isDate {
			ns *= nanosPerDay
		}
		if months != 0 {
			d, tod := floorDiv(ns, nanosPerDay), floorMod(ns, nanosPerDay)
			ns = addMonths(d, c.I*months)*nanosPerDay + tod
		} else {
			ns += c.I * u
		}
		if retDate {
			return i64(floorDiv(ns, nanosPerDay))
		}
		return i64(ns)
	}, nil
}

// TIMESTAMPDIFF(unit, a, b) is the number of whole units from a to b
// (negative when b is before a); months count whole calendar months.
func compileTSDiff(args []Arg, _ types.Type) (Eval, error) {
	unit := strings.ToUpper(args[0].Symbol)
	months := map[string]int64{"MONTH": 1, "QUARTER": 3, "YEAR": 12}[unit]
	u, ok := unitNanos(unit)
	if !ok || (u == 0 && months == 0) {
		return nil, fmt.Errorf("TIMESTAMPDIFF: unsupported unit %s", unit)
	}
	toNs := func(t types.Type) func(int64) int64 {
		if t.ID == types.Date {
			return func(i int64) int64 { return i * nanosPerDay }
		}
		return func(i int64) int64 { return i }
	}
	fa, fb := toNs(args[1].Type), toNs(args[2].Type)
	a, b := args[1].Eval, args[2].Eval
	return func(r types.Row) types.Value {
		va, vb := a(r), b(r)
		if va.K == types.KindNull || vb.K == types.KindNull {
			return types.Value{}
		}
		x, y := fa(va.I), fb(vb.I)
		if months == 0 {
			return i64(int64(int32((y - x) / u)))
		}
		return i64(monthsBetween(x, y) / months)
	}, nil
}

// monthsBetween counts whole months from x to y (nanoseconds).
func monthsBetween(x, y int64) int64 {
	sign := int64(1)
	if y < x {
		x, y, sign = y, x, -1
	}
	dx, dy := floorDiv(x, nanosPerDay), floorDiv(y, nanosPerDay)
	y1, m1, _ := types.CivilFromDays(dx)
	y2, m2, _ := types.CivilFromDays(dy)
	n := int64(y2-y1)*12 + int64(m2-m1)
	// Not a whole month yet if adding n months to x passes y.
	for n > 0 && addMonths(dx, n)*nanosPerDay+floorMod(x, nanosPerDay) > y {
		n--
	}
	return sign * n
}
