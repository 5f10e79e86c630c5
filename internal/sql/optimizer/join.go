package optimizer

import (
	"math"
	"slices"

	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

// Joins come from the analyzer with their whole ON condition in Cond and
// strategy RegularJoin (temporal joins excepted). After filters have been
// pushed into them, planJoins moves single-side conditions into the inputs,
// extracts the equality keys, and recognises window joins (both sides the
// same window, joined on window_start and window_end) and interval joins
// (each side's rowtime bounded by the other's). What remains is a regular
// join, whose output time attributes become plain timestamps, as Flink
// materialises them (a regular join emits rows long after their time).

// pushIntoJoin pushes the conjuncts of a filter above join j where the
// join kind allows: a conjunct on one side's columns goes into that side
// when the side is not padded with NULLs; a conjunct on both sides becomes
// part of an inner join's condition.
func pushIntoJoin(f *plan.Filter, j *plan.Join) plan.Node {
	lw := j.Left.Schema().Len()
	var above, left, right, both []plan.Expr
	for _, c := range plan.Conjuncts(f.Cond) {
		l, r := sides(c, lw)
		switch {
		case !plan.Deterministic(c):
			above = append(above, c)
		case !r && !j.Kind.RightOuter():
			left = append(left, c)
		case !l && r && !j.Kind.LeftOuter() && j.Kind != plan.SemiJoin && j.Kind != plan.AntiJoin && j.Strategy != plan.TemporalJoin:
			// (Filtering a versioned table's changes would make an older
			// version valid instead of none.)
			right = append(right, shiftCols(c, -lw))
		case j.Kind == plan.InnerJoin && j.Strategy == plan.RegularJoin:
			both = append(both, c)
		default:
			above = append(above, c)
		}
	}
	if len(left)+len(right)+len(both) == 0 {
		return f
	}
	nj := *j
	nj.Left = filterOn(j.Left, left)
	nj.Right = filterOn(j.Right, right)
	nj.Cond = plan.And(append([]plan.Expr{j.Cond}, both...)...)
	var out plan.Node = plan.NewJoin(&nj)
	if len(above) > 0 {
		out = &plan.Filter{Input: out, Cond: plan.And(above...)}
	}
	return out
}

// sides reports whether e reads left columns (< lw) and right columns.
func sides(e plan.Expr, lw int) (l, r bool) {
	for _, c := range plan.Columns(e) {
		if c < lw {
			l = true
		} else {
			r = true
		}
	}
	return l, r
}

// shiftCols moves every column reference of e by by positions.
func shiftCols(e plan.Expr, by int) plan.Expr {
	return plan.MapColumns(e, func(x *plan.ColumnRef) plan.Expr {
		return &plan.ColumnRef{Index: x.Index + by, Name: x.Name, T: x.T}
	})
}

func filterOn(n plan.Node, conds []plan.Expr) plan.Node {
	if len(conds) == 0 {
		return n
	}
	return pushFilter(&plan.Filter{Input: n, Cond: plan.And(conds...)})
}

// planJoins classifies every regular join, bottom-up.
func planJoins(n plan.Node) plan.Node {
	return mapNode(n, func(n plan.Node) plan.Node {
		switch x := n.(type) {
		case *plan.Join:
			if x.Strategy == plan.RegularJoin && !x.Planned {
				return planJoin(x)
			}
		case *plan.Rank:
			return planRank(x)
		}
		return n
	})
}

func planJoin(j *plan.Join) plan.Node {
	lw := j.Left.Schema().Len()
	nj := *j
	nj.Planned = true
	// Conditions of the ON clause on one side only: into that side when
	// it is not preserved (the condition decides matches, not rows).
	var rest, left, right []plan.Expr
	for _, c := range plan.Conjuncts(j.Cond) {
		l, r := sides(c, lw)
		switch {
		case !plan.Deterministic(c) || l && r:
			rest = append(rest, c)
		case !r && (j.Kind == plan.InnerJoin || j.Kind == plan.RightJoin):
			left = append(left, c)
		case !l && r && j.Kind != plan.FullJoin && j.Kind != plan.RightJoin:
			right = append(right, shiftCols(c, -lw))
		default:
			rest = append(rest, c)
		}
	}
	nj.Left = filterOn(j.Left, left)
	nj.Right = filterOn(j.Right, right)
	nj.LeftKeys, nj.RightKeys = nil, nil
	var residual []plan.Expr
	for _, c := range rest {
		if l, r, ok := plan.ColumnEquality(c, lw); ok {
			nj.LeftKeys, nj.RightKeys = append(nj.LeftKeys, l), append(nj.RightKeys, r)
			continue
		}
		residual = append(residual, c)
	}
	nj.Cond = plan.And(residual...)
	if w, ok := windowJoin(&nj); ok {
		nj.Strategy, nj.Window = plan.WindowJoin, w
	} else if b, rest, ok := intervalBounds(&nj, residual); ok {
		nj.Strategy, nj.Interval, nj.Cond = plan.IntervalJoin, b, plan.And(rest...)
	}
	return plan.NewJoin(&nj)
}

// windowJoin recognises a join of two windowed relations of the same window
// on window_start and window_end.
func windowJoin(j *plan.Join) (*plan.WindowJoinSpec, bool) {
	lw, lok := windowOf(j.Left)
	rw, rok := windowOf(j.Right)
	if !lok || !rok || !sameWindow(lw.w, rw.w) {
		return nil, false
	}
	hasPair := func(l, r int) bool {
		for i := range j.LeftKeys {
			if j.LeftKeys[i] == l && j.RightKeys[i] == r {
				return true
			}
		}
		return false
	}
	if !hasPair(lw.start, rw.start) || !hasPair(lw.end, rw.end) {
		return nil, false
	}
	return &plan.WindowJoinSpec{Window: lw.w, LeftStart: lw.start, LeftEnd: lw.end, RightStart: rw.start, RightEnd: rw.end}, true
}

func sameWindow(a, b plan.Window) bool {
	return a.Kind == b.Kind && a.Size == b.Size && a.Slide == b.Slide && a.Step == b.Step && a.Offset == b.Offset && a.Kind != plan.Session && !a.ProcTime && !b.ProcTime
}

// windowCols locates the window of a windowed relation: the columns that
// hold window_start and window_end of window w.
type windowCols struct {
	w          plan.Window
	start, end int
}

// windowOf traces window_start and window_end through projections and
// filters to the window TVF, window aggregate, window join or window Top-N
// that produced them.
func windowOf(n plan.Node) (windowCols, bool) {
	switch x := n.(type) {
	case *plan.WindowTVF:
		w := x.Input.Schema().Len()
		return windowCols{x.Window, w, w + 1}, true
	case *plan.WindowAggregate:
		w := len(x.Keys) + len(x.Aggs)
		return windowCols{x.Window, w, w + 1}, true
	case *plan.Filter:
		return windowOf(x.Input)
	case *plan.Rank:
		if x.Window != nil {
			return windowOf(x.Input)
		}
	case *plan.Join:
		if x.Window != nil {
			return windowCols{x.Window.Window, x.Window.LeftStart, x.Window.LeftEnd}, true
		}
	case *plan.Project:
		in, ok := windowOf(x.Input)
		if !ok {
			return windowCols{}, false
		}
		out := windowCols{w: in.w, start: -1, end: -1}
		for i, e := range x.Exprs {
			if c, ok := e.(*plan.ColumnRef); ok {
				if c.Index == in.start && out.start < 0 {
					out.start = i
				}
				if c.Index == in.end && out.end < 0 {
					out.end = i
				}
			}
		}
		return out, out.start >= 0 && out.end >= 0
	}
	return windowCols{}, false
}

// intervalBounds recognises an interval join: conditions bounding the
// right side's rowtime by the left side's from below and above, such as
// r.ts BETWEEN l.ts - INTERVAL '1' HOUR AND l.ts. It returns the bounds and
// the conditions left over.
func intervalBounds(j *plan.Join, conds []plan.Expr) (*plan.IntervalBounds, []plan.Expr, bool) {
	if j.Kind == plan.SemiJoin || j.Kind == plan.AntiJoin || j.Left.Mode() == plan.Updates || j.Right.Mode() == plan.Updates {
		return nil, nil, false
	}
	ls, rs := j.Left.Schema(), j.Right.Schema()
	lw := ls.Len()
	var flat []plan.Expr
	for _, c := range conds {
		if call, ok := c.(*plan.Call); ok && call.Fn.Name == "BETWEEN" && len(call.Args) == 3 {
			ge, err1 := plan.NewCall(">=", call.Args[0], call.Args[1])
			le, err2 := plan.NewCall("<=", call.Args[0], call.Args[2])
			if err1 == nil && err2 == nil {
				flat = append(flat, ge, le)
				continue
			}
		}
		flat = append(flat, c)
	}
	b := plan.IntervalBounds{LeftTime: -1, RightTime: -1, Lower: math.MinInt64, Upper: math.MaxInt64}
	var rest []plan.Expr
	used := false
	for _, c := range flat {
		lt, rt, lo, hi, ok := timeBound(c, lw, ls, rs)
		if ok && (b.LeftTime < 0 || b.LeftTime == lt && b.RightTime == rt) {
			b.LeftTime, b.RightTime = lt, rt
			b.Lower, b.Upper = max(b.Lower, lo), min(b.Upper, hi)
			used = true
			continue
		}
		rest = append(rest, c)
	}
	if !used || b.Lower == math.MinInt64 || b.Upper == math.MaxInt64 {
		return nil, nil, false
	}
	return &b, rest, true
}

// timeBound reads one comparison between a left and a right rowtime column
// (each plus or minus a constant interval) as bounds on right - left.
func timeBound(c plan.Expr, lw int, ls, rs types.Schema) (lt, rt int, lo, hi int64, ok bool) {
	call, isCall := c.(*plan.Call)
	if !isCall || len(call.Args) != 2 {
		return
	}
	op := call.Fn.Name
	if op != "<" && op != "<=" && op != ">" && op != ">=" {
		return
	}
	ac, ao, aok := timeTerm(call.Args[0])
	bc, bo, bok := timeTerm(call.Args[1])
	if !aok || !bok {
		return
	}
	// Normalise to: r + ro  op  l + lo.
	if ac < lw && bc >= lw {
		ac, ao, bc, bo = bc, bo, ac, ao
		op = map[string]string{"<": ">", "<=": ">=", ">": "<", ">=": "<="}[op]
	} else if !(ac >= lw && bc < lw) {
		return
	}
	rt, lt = ac-lw, bc
	if !ls.Fields[lt].Type.IsRowTime() || !rs.Fields[rt].Type.IsRowTime() {
		return
	}
	d := bo - ao // r - l  op  d
	lo, hi = math.MinInt64, math.MaxInt64
	switch op {
	case "<":
		hi = d - 1
	case "<=":
		hi = d
	case ">":
		lo = d + 1
	case ">=":
		lo = d
	}
	return lt, rt, lo, hi, true
}

// timeTerm matches col, col + interval or col - interval (a day-time
// interval literal) and returns the column and the offset in nanoseconds.
func timeTerm(e plan.Expr) (int, int64, bool) {
	switch x := e.(type) {
	case *plan.ColumnRef:
		return x.Index, 0, x.T.IsTimestamp()
	case *plan.Cast:
		if x.T.IsTimestamp() {
			return timeTerm(x.X)
		}
	case *plan.Call:
		if (x.Fn.Name == "+" || x.Fn.Name == "-") && len(x.Args) == 2 {
			col, off, ok := timeTerm(x.Args[0])
			lit, isLit := x.Args[1].(*plan.Literal)
			if !ok || !isLit || lit.T.ID != types.IntervalDayTime || lit.V.IsNull() {
				return 0, 0, false
			}
			if x.Fn.Name == "+" {
				return col, off + lit.V.I, true
			}
			return col, off - lit.V.I, true
		}
	}
	return 0, 0, false
}

// planRank turns conditions on the row number above a Rank into its range
// (the analyzer leaves them as a filter) and recognises window Top-N.
func planRank(r *plan.Rank) plan.Node {
	nr := *r
	if w, ok := windowOf(r.Input); ok && slices.Contains(r.PartitionKeys, w.start) && slices.Contains(r.PartitionKeys, w.end) && !w.w.ProcTime && w.w.Kind != plan.Session {
		win := w.w
		nr.Window, nr.WindowEnd = &win, w.end
	}
	return plan.NewRank(&nr)
}

// pushIntoRank narrows a Rank's range by the filter's conditions on the row
// number: rn <= N, rn < N, rn = N, rn BETWEEN a AND b, and their mirrors.
func pushIntoRank(f *plan.Filter, r *plan.Rank) plan.Node {
	if !r.OutputRank {
		return f
	}
	rn := r.Input.Schema().Len()
	start, end := r.RankStart, r.RankEnd
	var rest []plan.Expr
	for _, c := range plan.Conjuncts(f.Cond) {
		lo, hi, ok := rankBound(c, rn)
		if !ok {
			rest = append(rest, c)
			continue
		}
		start, end = max(start, lo), min(end, hi)
	}
	if start == r.RankStart && end == r.RankEnd {
		return f
	}
	nr := *r
	nr.RankStart, nr.RankEnd = start, end
	var out plan.Node = plan.NewRank(&nr)
	if len(rest) > 0 {
		out = &plan.Filter{Input: out, Cond: plan.And(rest...)}
	}
	return out
}

func rankBound(c plan.Expr, rn int) (lo, hi int64, ok bool) {
	call, isCall := c.(*plan.Call)
	if !isCall {
		return
	}
	isRN := func(e plan.Expr) bool { col, ok := e.(*plan.ColumnRef); return ok && col.Index == rn }
	lit := func(e plan.Expr) (int64, bool) {
		if l, ok := e.(*plan.Literal); ok && l.T.IsInteger() && !l.V.IsNull() {
			return l.V.I, true
		}
		return 0, false
	}
	lo, hi = 1, math.MaxInt64
	if call.Fn.Name == "BETWEEN" && len(call.Args) == 3 && isRN(call.Args[0]) {
		a, ok1 := lit(call.Args[1])
		b, ok2 := lit(call.Args[2])
		return max(a, 1), b, ok1 && ok2
	}
	if len(call.Args) != 2 {
		return
	}
	op := call.Fn.Name
	x, y := call.Args[0], call.Args[1]
	if !isRN(x) {
		x, y = y, x
		op = map[string]string{"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "="}[op]
	}
	n, isLit := lit(y)
	if !isRN(x) || !isLit {
		return
	}
	switch op {
	case "<":
		hi = n - 1
	case "<=":
		hi = n
	case ">":
		lo = n + 1
	case ">=":
		lo = n
	case "=":
		lo, hi = n, n
	default:
		return
	}
	return max(lo, 1), hi, true
}

// pruneJoin reads only the columns of each side that the output, the keys,
// the condition and the time columns need.
func pruneJoin(x *plan.Join, req []bool) (plan.Node, []int) {
	ls, rs := x.Left.Schema(), x.Right.Schema()
	lw := ls.Len()
	lreq := make([]bool, lw)
	rreq := make([]bool, rs.Len())
	copy(lreq, req[:lw])
	if len(req) > lw {
		copy(rreq, req[lw:])
	}
	mark(lreq, x.LeftKeys)
	mark(rreq, x.RightKeys)
	if x.Cond != nil {
		for _, c := range plan.Columns(x.Cond) {
			if c < lw {
				lreq[c] = true
			} else {
				rreq[c-lw] = true
			}
		}
	}
	switch {
	case x.Interval != nil:
		lreq[x.Interval.LeftTime], rreq[x.Interval.RightTime] = true, true
	case x.Window != nil:
		mark(lreq, []int{x.Window.LeftStart, x.Window.LeftEnd})
		mark(rreq, []int{x.Window.RightStart, x.Window.RightEnd})
	case x.Temporal != nil:
		lreq[x.Temporal.LeftTime], rreq[x.Temporal.RightTime] = true, true
	}
	left, lm := pruneNode(x.Left, lreq)
	right, rm := pruneNode(x.Right, rreq)
	nlw := left.Schema().Len()
	m := make([]int, lw+rs.Len())
	for i := range m {
		switch {
		case i < lw:
			m[i] = lm[i]
		case rm[i-lw] >= 0:
			m[i] = nlw + rm[i-lw]
		default:
			m[i] = -1
		}
	}
	nj := *x
	nj.Left, nj.Right = left, right
	nj.LeftKeys, nj.RightKeys = remapCols(x.LeftKeys, lm), remapCols(x.RightKeys, rm)
	if x.Cond != nil {
		nj.Cond = remap(x.Cond, m)
	}
	switch {
	case x.Interval != nil:
		b := *x.Interval
		b.LeftTime, b.RightTime = lm[b.LeftTime], rm[b.RightTime]
		nj.Interval = &b
	case x.Window != nil:
		w := *x.Window
		w.LeftStart, w.LeftEnd, w.RightStart, w.RightEnd = lm[w.LeftStart], lm[w.LeftEnd], rm[w.RightStart], rm[w.RightEnd]
		nj.Window = &w
	case x.Temporal != nil:
		t := *x.Temporal
		t.LeftTime, t.RightTime = lm[t.LeftTime], rm[t.RightTime]
		nj.Temporal = &t
	}
	if x.Kind == plan.SemiJoin || x.Kind == plan.AntiJoin {
		m = m[:lw]
	}
	return plan.NewJoin(&nj), m
}

// pruneLookupJoin prunes the probe side; the looked-up row is whole.
func pruneLookupJoin(x *plan.LookupJoin, req []bool) (plan.Node, []int) {
	iw := x.Input.Schema().Len()
	creq := make([]bool, iw)
	copy(creq, req[:iw])
	mark(creq, x.InputKeys)
	if x.Cond != nil {
		for _, c := range plan.Columns(x.Cond) {
			if c < iw {
				creq[c] = true
			}
		}
	}
	child, cm := pruneNode(x.Input, creq)
	niw := child.Schema().Len()
	m := make([]int, len(req))
	for i := range m {
		if i < iw {
			m[i] = cm[i]
		} else {
			m[i] = niw + i - iw
		}
	}
	nj := *x
	nj.Input = child
	nj.InputKeys = remapCols(x.InputKeys, cm)
	if x.Cond != nil {
		nj.Cond = remap(x.Cond, m)
	}
	return plan.NewLookupJoin(&nj), m
}

// pruneRank keeps the partition and order columns, and drops the row
// number when nothing reads it.
func pruneRank(x *plan.Rank, req []bool) (plan.Node, []int) {
	iw := x.Input.Schema().Len()
	creq := make([]bool, iw)
	copy(creq, req[:iw])
	mark(creq, x.PartitionKeys)
	for _, o := range x.Order {
		creq[o.Column] = true
	}
	if x.Window != nil {
		creq[x.WindowEnd] = true
	}
	child, cm := pruneNode(x.Input, creq)
	nr := *x
	nr.Input = child
	nr.PartitionKeys = remapCols(x.PartitionKeys, cm)
	nr.Order = make([]plan.SortKey, len(x.Order))
	for i, o := range x.Order {
		o.Column = cm[o.Column]
		nr.Order[i] = o
	}
	if x.Window != nil {
		nr.WindowEnd = cm[x.WindowEnd]
	}
	m := append([]int(nil), cm...)
	if x.OutputRank {
		if req[iw] {
			m = append(m, child.Schema().Len())
		} else {
			nr.OutputRank = false
			m = append(m, -1)
		}
	}
	return plan.NewRank(&nr), m
}
