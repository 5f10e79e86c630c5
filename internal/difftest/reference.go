package difftest

import (
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
)

// Evaluate computes q's final result over rows (in file order) the slow,
// obvious way. The result is a multiset of rows. Window lateness is Flink's
// (AbstractWindowAggProcessor): a row counts in every window containing it
// that has not fired by the watermark in force before it.
func Evaluate(q *Query, rows [][]Value) [][]Value {
	if !q.Aggregate {
		var out [][]Value
		for _, r := range rows {
			if keep(q.Where, r) {
				out = append(out, evalAll(q.Select, r))
			}
		}
		return out
	}
	groups := map[string]*group{}
	var order []string
	add := func(prefix []Value, r []Value) {
		key := make([]Value, 0, len(prefix)+len(q.Keys))
		key = append(key, prefix...)
		for _, k := range q.Keys {
			key = append(key, r[k])
		}
		id := rowID(key)
		g, ok := groups[id]
		if !ok {
			g = &group{key: key}
			groups[id] = g
			order = append(order, id)
		}
		g.rows = append(g.rows, r)
	}
	maxTs, seen := int64(0), false
	for _, r := range rows {
		wm, hasWm := maxTs-q.Delay*1000, seen
		if !seen || r[tsCol].I > maxTs {
			maxTs, seen = r[tsCol].I, true
		}
		if !keep(q.Where, r) {
			continue // still advanced the watermark above
		}
		if q.Window == nil {
			add(nil, r)
			continue
		}
		for _, w := range windowsOf(q.Window, r[tsCol].I) {
			if fired := hasWm && w[1]-1 <= wm; !fired {
				add([]Value{ival(w[0]), ival(w[1])}, r)
			}
		}
	}
	var out [][]Value
	for _, id := range order {
		g := groups[id]
		row := append([]Value(nil), g.key...)
		for _, a := range q.Aggs {
			row = append(row, aggregate(a, g.rows))
		}
		if keep(q.Having, row) {
			out = append(out, evalAll(q.Select, row))
		}
	}
	return out
}

type group struct {
	key  []Value
	rows [][]Value
}

func keep(cond Expr, r []Value) bool {
	if cond == nil {
		return true
	}
	v := cond.Eval(r)
	return !v.Null && v.I == 1
}

func evalAll(es []Expr, r []Value) []Value {
	out := make([]Value, len(es))
	for i, e := range es {
		out[i] = e.Eval(r)
	}
	return out
}

func rowID(vals []Value) string {
	var b strings.Builder
	for _, v := range vals {
		if v.Null {
			b.WriteString("N|")
			continue
		}
		b.WriteString("V")
		b.WriteString(v.S)
		b.WriteString(":")
		b.WriteString(big.NewInt(v.I).String())
		b.WriteString(":")
		f := v.F
		if f == 0 {
			f = 0 // -0.0 and 0.0 are one value, as in the engine's keys (SQL equality)
		}
		b.WriteString(strconv.FormatUint(math.Float64bits(f), 16))
		b.WriteString("|")
	}
	return b.String()
}

// windowsOf lists every [start, end) window containing ts (slide divides
// size; starts aligned to the epoch).
func windowsOf(w *Window, ts int64) [][2]int64 {
	var out [][2]int64
	last := ts - mod(ts, w.Slide)
	for s := last; s > ts-w.Size; s -= w.Slide {
		out = append(out, [2]int64{s, s + w.Size})
	}
	return out
}

func mod(a, m int64) int64 {
	r := a % m
	if r < 0 {
		r += m
	}
	return r
}

// aggregate computes one aggregate over a group's input rows.
func aggregate(a *Agg, rows [][]Value) Value {
	var vals []Value
	for _, r := range rows {
		if !keep(a.Filter, r) {
			continue
		}
		if a.Arg == nil {
			vals = append(vals, ival(1))
			continue
		}
		if v := a.Arg.Eval(r); !v.Null {
			vals = append(vals, v)
		}
	}
	var t Type
	if a.Arg != nil {
		t = a.Arg.Type()
	}
	switch a.Fn {
	case Count:
		return ival(int64(len(vals)))
	case CountDis:
		distinct := map[string]bool{}
		for _, v := range vals {
			distinct[rowID([]Value{v})] = true
		}
		return ival(int64(len(distinct)))
	}
	if len(vals) == 0 {
		return null
	}
	switch a.Fn {
	case Min, Max:
		best := vals[0]
		for _, v := range vals[1:] {
			c := compare(v, t, best, t)
			if (a.Fn == Min && c < 0) || (a.Fn == Max && c > 0) {
				best = v
			}
		}
		return best
	case Sum:
		return sum(vals, t)
	case Avg:
		s := sum(vals, t)
		n := int64(len(vals))
		switch t.K {
		case KDouble:
			return fval(s.F / float64(n))
		case KDecimal:
			rt := a.Type()
			// exact quotient, rounded half-up (away from zero) at rt.S
			q := new(big.Rat).Quo(rat(s, t), new(big.Rat).SetInt64(n))
			return ival(roundHalfUp(q, rt.S))
		}
		v := s.I / n // truncates toward zero, as Java's long division
		if t.K == KInt {
			v = int64(int32(v))
		}
		return ival(v)
	}
	panic("unknown aggregate " + string(a.Fn))
}

func sum(vals []Value, t Type) Value {
	if t.K == KDouble {
		var f float64
		for _, v := range vals {
			f += v.F
		}
		return fval(f)
	}
	var s int64
	for _, v := range vals {
		s += v.I
	}
	if t.K == KInt {
		s = int64(int32(s))
	}
	return ival(s)
}

// roundHalfUp returns r * 10^scale rounded half away from zero.
func roundHalfUp(r *big.Rat, scale int) int64 {
	x := new(big.Rat).Mul(r, new(big.Rat).SetInt64(pow10(scale)))
	neg := x.Sign() < 0
	x.Abs(x)
	num, den := x.Num(), x.Denom()
	q, m := new(big.Int).QuoRem(num, den, new(big.Int))
	if new(big.Int).Mul(m, big.NewInt(2)).Cmp(den) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if neg {
		q.Neg(q)
	}
	return q.Int64()
}

// Table is a final result: one string per row, cells in print format joined
// by ", ", sorted.
type Table []string

// MakeTable formats rows of the given types.
func MakeTable(rows [][]Value, ts []Type) Table {
	out := make(Table, len(rows))
	for i, r := range rows {
		cells := make([]string, len(r))
		for j, v := range r {
			cells[j] = Format(v, ts[j])
		}
		out[i] = strings.Join(cells, ", ")
	}
	sort.Strings(out)
	return out
}
