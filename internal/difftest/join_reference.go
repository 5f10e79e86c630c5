package difftest

import (
	"sort"
)

// EvaluateJoin computes q's final result over tables (each in file order)
// by nested loops with SQL's three-valued logic. Regular joins, Top-N and
// aggregates over changelogs emit intermediate changes in the engine; the
// final table does not depend on them, so only it is computed here.
func EvaluateJoin(q *JoinQuery, tables [][][]Value) [][]Value {
	rows := q.sourceRows(0, tables)
	width := len(q.Sources[0].Cols())
	for i, st := range q.Steps {
		right := q.sourceRows(i+1, tables)
		rw := len(q.Sources[i+1].Cols())
		rows = joinRows(st, rows, right, width, rw)
		width += rw
	}
	var kept [][]Value
	for _, r := range rows {
		ok := true
		for _, c := range q.Conds {
			ok = ok && keep(c, r)
		}
		if ok && (q.Sub == nil || q.Sub.holds(r, tables)) {
			kept = append(kept, r)
		}
	}
	if q.TopN != nil {
		kept = q.TopN.apply(kept, q.joinedCols(false))
	}
	out := make([][]Value, len(kept))
	for i, r := range kept {
		out[i] = evalAll(q.Select, r)
	}
	return out
}

// sourceRows are the rows source i contributes.
func (q *JoinQuery) sourceRows(i int, tables [][][]Value) [][]Value {
	s := q.Sources[i]
	in := tables[s.Table]
	delay := q.Delays[s.Table] * 1000
	switch {
	case s.Window != nil:
		// One row per window; late when its window has fired by the
		// watermark in force before the row.
		var out [][]Value
		forEachWithWatermark(in, delay, func(r []Value, wm int64, hasWm bool) {
			for _, w := range windowsOf(s.Window, r[tsCol].I) {
				if hasWm && w[1]-1 <= wm {
					continue
				}
				out = append(out, append(append([]Value(nil), r...), ival(w[0]), ival(w[1]), ival(w[1]-1)))
			}
		})
		return out
	case s.Agg != nil:
		aq := &Query{Where: s.Agg.Where, Keys: s.Agg.Keys, Aggs: s.Agg.Aggs, Aggregate: true}
		for _, c := range aq.groupRow() {
			aq.Select = append(aq.Select, c)
		}
		return Evaluate(aq, in)
	case q.EventTime:
		// An interval join drops rows at or before their watermark.
		var out [][]Value
		forEachWithWatermark(in, delay, func(r []Value, wm int64, hasWm bool) {
			if !hasWm || r[tsCol].I > wm {
				out = append(out, r)
			}
		})
		return out
	}
	return in
}

// forEachWithWatermark calls f with each row and the watermark in force
// before it: the largest earlier ts minus delay (none before the first).
func forEachWithWatermark(rows [][]Value, delay int64, f func(r []Value, wm int64, hasWm bool)) {
	maxTs, seen := int64(0), false
	for _, r := range rows {
		f(r, maxTs-delay, seen)
		if !seen || r[tsCol].I > maxTs {
			maxTs, seen = r[tsCol].I, true
		}
	}
}

// joinRows joins left (width lw) with right (width rw) by nested loops.
func joinRows(st *JoinStep, left, right [][]Value, lw, rw int) [][]Value {
	var out [][]Value
	rightMatched := make([]bool, len(right))
	for _, l := range left {
		matched := false
		for j, r := range right {
			row := append(append(make([]Value, 0, lw+rw), l...), r...)
			if st.Kind == Comma || keep(st.On, row) {
				out = append(out, row)
				matched, rightMatched[j] = true, true
			}
		}
		if !matched && (st.Kind == Left || st.Kind == Full) {
			out = append(out, append(append(make([]Value, 0, lw+rw), l...), nulls(rw)...))
		}
	}
	if st.Kind == Right || st.Kind == Full {
		for j, r := range right {
			if !rightMatched[j] {
				out = append(out, append(nulls(lw), r...))
			}
		}
	}
	return out
}

func nulls(n int) []Value {
	out := make([]Value, n)
	for i := range out {
		out[i] = null
	}
	return out
}

// holds evaluates the subquery conjunct on the joined row r: whether it is
// TRUE (three-valued IN: TRUE on a match; else NULL when x is NULL or the
// subquery has a NULL, unless the subquery is empty; else FALSE).
func (s *Subquery) holds(r []Value, tables [][][]Value) bool {
	sub := tables[s.Table]
	switch s.Kind {
	case Exists, NotExists:
		found := false
		for _, y := range sub {
			if keep(s.Where, append(append([]Value(nil), r...), y...)) {
				found = true
				break
			}
		}
		return found == (s.Kind == Exists)
	}
	x := s.X.Eval(r)
	any, sawNull, match := false, false, false
	for _, y := range sub {
		if !keep(s.Where, y) {
			continue
		}
		any = true
		v := y[s.Y]
		switch {
		case v.Null || x.Null:
			sawNull = true
		case compare(x, s.X.Type(), v, Schema[s.Y].T) == 0:
			match = true
		}
	}
	var in Value // three-valued x IN (...)
	switch {
	case match:
		in = bval(true)
	case any && sawNull:
		in = null
	default:
		in = bval(false)
	}
	if in.Null {
		return false
	}
	return (in.I == 1) == (s.Kind == In)
}

// apply keeps the rows whose row number in their partition is within the
// limit and appends the row number (BIGINT).
func (t *TopN) apply(rows [][]Value, cols []*Col) [][]Value {
	parts := map[string][][]Value{}
	var order []string
	for _, r := range rows {
		key := make([]Value, len(t.Part))
		for i, c := range t.Part {
			key[i] = r[c.Idx]
		}
		id := rowID(key)
		if _, ok := parts[id]; !ok {
			order = append(order, id)
		}
		parts[id] = append(parts[id], r)
	}
	var out [][]Value
	for _, id := range order {
		p := parts[id]
		sort.SliceStable(p, func(i, j int) bool { return t.less(p[i], p[j]) })
		for i, r := range p {
			if int64(i) >= t.N {
				break
			}
			out = append(out, append(append([]Value(nil), r...), ival(int64(i+1))))
		}
	}
	return out
}

func (t *TopN) less(a, b []Value) bool {
	for _, o := range t.Order {
		x, y := a[o.Col.Idx], b[o.Col.Idx]
		var c int
		switch {
		case x.Null && y.Null:
		case x.Null:
			c = -1
		case y.Null:
			c = 1
		default:
			c = compare(x, o.Col.T, y, o.Col.T)
		}
		if o.Desc {
			c = -c
		}
		if c != 0 {
			return c < 0
		}
	}
	return false
}
