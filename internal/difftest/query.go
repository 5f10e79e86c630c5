package difftest

import (
	"fmt"
	"strings"
)

// Schema is the fixed input schema: the columns of every generated table.
var Schema = []Col{
	{Name: "k1", Idx: 0, T: tString},
	{Name: "k2", Idx: 1, T: tInt},
	{Name: "v", Idx: 2, T: tBigInt},
	{Name: "d", Idx: 3, T: tDouble},
	{Name: "amt", Idx: 4, T: tDec(10, 2)},
	{Name: "ts", Idx: 5, T: tTs},
	{Name: "id", Idx: 6, T: tInt},
}

// tsCol is the event-time column's position; idCol the row's number in its
// file (1, 2, ...: unique, a tiebreaker for Top-N).
const tsCol, idCol = 5, 6

// AggFn is an aggregate function.
type AggFn string

// The aggregate functions the generator uses.
const (
	Count    AggFn = "COUNT" // Arg nil: COUNT(*)
	Sum      AggFn = "SUM"
	Min      AggFn = "MIN"
	Max      AggFn = "MAX"
	Avg      AggFn = "AVG"
	CountDis AggFn = "COUNT DISTINCT"
)

// Agg is one aggregate call, over input rows, with an optional FILTER.
type Agg struct {
	Fn     AggFn
	Arg    Expr // nil for COUNT(*)
	Filter Expr // nil: no FILTER clause
}

// SQL renders the call.
func (a *Agg) SQL() string {
	var s string
	switch {
	case a.Arg == nil:
		s = "COUNT(*)"
	case a.Fn == CountDis:
		s = "COUNT(DISTINCT " + a.Arg.SQL() + ")"
	default:
		s = string(a.Fn) + "(" + a.Arg.SQL() + ")"
	}
	if a.Filter != nil {
		s += " FILTER (WHERE " + a.Filter.SQL() + ")"
	}
	return s
}

// Type is the result type (Flink's).
func (a *Agg) Type() Type {
	switch a.Fn {
	case Count, CountDis:
		return tBigInt
	case Sum:
		if t := a.Arg.Type(); t.K == KDecimal {
			return tDec(38, t.S)
		}
	case Avg:
		if t := a.Arg.Type(); t.K == KDecimal {
			return tDec(38, max(6, t.S))
		}
	}
	return a.Arg.Type()
}

// WindowKind is TUMBLE or HOP.
type WindowKind string

// Window kinds.
const (
	Tumble WindowKind = "TUMBLE"
	Hop    WindowKind = "HOP"
)

// Window is a window TVF over ts; sizes in milliseconds. For TUMBLE Slide
// equals Size.
type Window struct {
	Kind        WindowKind
	Size, Slide int64
}

// Query is a reference query over the Schema table.
//
// A projection query (no Aggs, no Keys, no Window) outputs Select over each
// input row that passes Where. An aggregate query groups the rows passing
// Where by Keys (and the window when there is one); the group's row is
// [window_start, window_end (with a window)] ++ key values ++ aggregate
// results, and Having and Select are expressions over that row.
type Query struct {
	Where  Expr
	Keys   []int // input columns
	Aggs   []*Agg
	Window *Window
	Having Expr
	Select []Expr
	// Delay is the watermark delay in whole seconds.
	Delay int64
	// Aggregate is true for GROUP BY / global aggregation.
	Aggregate bool
}

// OutputTypes are the types of Select.
func (q *Query) OutputTypes() []Type {
	ts := make([]Type, len(q.Select))
	for i, e := range q.Select {
		ts[i] = e.Type()
	}
	return ts
}

// Updating reports whether the engine's output is a changelog with updates.
func (q *Query) Updating() bool { return q.Aggregate && q.Window == nil }

// SQL renders the SELECT statement.
func (q *Query) SQL() string {
	var b strings.Builder
	b.WriteString("SELECT ")
	for i, e := range q.Select {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(e.SQL())
	}
	if q.Window == nil {
		b.WriteString("\nFROM t")
	} else if q.Window.Kind == Tumble {
		fmt.Fprintf(&b, "\nFROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), %s))", interval(q.Window.Size))
	} else {
		fmt.Fprintf(&b, "\nFROM TABLE(HOP(TABLE t, DESCRIPTOR(ts), %s, %s))", interval(q.Window.Slide), interval(q.Window.Size))
	}
	if q.Where != nil {
		b.WriteString("\nWHERE " + q.Where.SQL())
	}
	var groups []string
	if q.Window != nil {
		groups = append(groups, "window_start", "window_end")
	}
	for _, k := range q.Keys {
		groups = append(groups, Schema[k].Name)
	}
	if len(groups) > 0 {
		b.WriteString("\nGROUP BY " + strings.Join(groups, ", "))
	}
	if q.Having != nil {
		b.WriteString("\nHAVING " + q.Having.SQL())
	}
	return b.String()
}

func interval(ms int64) string {
	if ms%1000 == 0 {
		return fmt.Sprintf("INTERVAL '%d' SECOND", ms/1000)
	}
	return fmt.Sprintf("INTERVAL '%s' SECOND", strings.TrimRight(formatDecimal(ms, 3), "0"))
}

// groupRow describes the group row of an aggregate query: one Col per
// position, for building Having and Select.
func (q *Query) groupRow() []*Col {
	var cols []*Col
	if q.Window != nil {
		cols = append(cols, &Col{Name: "window_start", Idx: 0, T: tTs}, &Col{Name: "window_end", Idx: 1, T: tTs})
	}
	for _, k := range q.Keys {
		cols = append(cols, &Col{Name: Schema[k].Name, Idx: len(cols), T: Schema[k].T})
	}
	for _, a := range q.Aggs {
		cols = append(cols, &Col{Name: a.SQL(), Idx: len(cols), T: a.Type()})
	}
	return cols
}
