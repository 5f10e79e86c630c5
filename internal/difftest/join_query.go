package difftest

import (
	"fmt"
	"strings"
)

// JoinQuery is a reference query over several generated tables (t1, t2,
// t3: each of Schema, each its own file and watermark delay). Its FROM
// clause joins Sources left-deep by Steps; the joined row is the Sources'
// columns side by side (a missing side NULL). Conds are WHERE conjuncts
// over the joined row, Sub an optional IN/EXISTS conjunct; TopN, when set,
// ranks the rows passing them, and Select is over the joined row (or, with
// TopN, over the joined row followed by the row number).
type JoinQuery struct {
	Sources []*Source
	Steps   []*JoinStep // len(Sources)-1
	Conds   []Expr
	Sub     *Subquery
	TopN    *TopN
	Select  []Expr
	// Delays are the watermark delays of t1, t2, t3 in whole seconds.
	Delays []int64
	// EventTime is true for interval and window joins: their inputs drop
	// late rows (rows a regular join would keep).
	EventTime bool
}

// Source is one FROM item: a table, the table under a window TVF, or a
// GROUP BY over the table (a changelog when it has keys).
type Source struct {
	Table  int // 0 for t1
	Alias  string
	Window *Window
	Agg    *SourceAgg
}

// SourceAgg is SELECT keys, aggs FROM t [WHERE] GROUP BY keys.
type SourceAgg struct {
	Where Expr // over Schema
	Keys  []int
	Aggs  []*Agg
}

// JoinKind is the join's SQL keyword.
type JoinKind string

// The join kinds; Comma joins put their condition into WHERE.
const (
	Inner JoinKind = "JOIN"
	Left  JoinKind = "LEFT JOIN"
	Right JoinKind = "RIGHT JOIN"
	Full  JoinKind = "FULL JOIN"
	Comma JoinKind = ","
)

// JoinStep joins the next source to the row so far with condition On
// (over the row so far followed by the new source's columns).
type JoinStep struct {
	Kind JoinKind
	On   Expr // Comma: nil
}

// SubKind is the kind of a subquery conjunct.
type SubKind string

// Subquery kinds.
const (
	In        SubKind = "IN"
	NotIn     SubKind = "NOT IN"
	Exists    SubKind = "EXISTS"
	NotExists SubKind = "NOT EXISTS"
)

// Subquery is x [NOT] IN (SELECT y FROM t [WHERE w]) with w over t alone,
// or [NOT] EXISTS (SELECT * FROM t q WHERE w) with w over the joined row
// followed by t's columns (correlated).
type Subquery struct {
	Kind  SubKind
	Table int
	X     Expr // IN only
	Y     int  // IN only: the Schema column selected
	Where Expr
}

// TopN is ROW_NUMBER() OVER (PARTITION BY Part ORDER BY Order) filtered to
// rn <= N (rn = 1 when Eq). The columns are the joined row's.
type TopN struct {
	Part  []*Col
	Order []OrderKey
	N     int64
	Eq    bool
}

// OrderKey is one ORDER BY column; NULLs are the smallest values (Flink's
// default: first ascending, last descending).
type OrderKey struct {
	Col  *Col
	Desc bool
}

// Cols are the source's columns, named by bare column name.
func (s *Source) Cols() []*Col {
	var cols []*Col
	switch {
	case s.Agg != nil:
		for _, k := range s.Agg.Keys {
			cols = append(cols, &Col{Name: Schema[k].Name, Idx: len(cols), T: Schema[k].T})
		}
		for i, a := range s.Agg.Aggs {
			cols = append(cols, &Col{Name: fmt.Sprintf("x%d", i), Idx: len(cols), T: a.Type()})
		}
	default:
		for i := range Schema {
			c := Schema[i]
			cols = append(cols, &c)
		}
		if s.Window != nil {
			for _, n := range []string{"window_start", "window_end", "window_time"} {
				cols = append(cols, &Col{Name: n, Idx: len(cols), T: tTs})
			}
		}
	}
	return cols
}

// SQL is the FROM item.
func (s *Source) SQL() string {
	t := fmt.Sprintf("t%d", s.Table+1)
	switch {
	case s.Window != nil && s.Window.Kind == Tumble:
		t = fmt.Sprintf("(SELECT * FROM TABLE(TUMBLE(TABLE %s, DESCRIPTOR(ts), %s)))", t, interval(s.Window.Size))
	case s.Window != nil:
		t = fmt.Sprintf("(SELECT * FROM TABLE(HOP(TABLE %s, DESCRIPTOR(ts), %s, %s)))", t, interval(s.Window.Slide), interval(s.Window.Size))
	case s.Agg != nil:
		var items, keys []string
		for _, k := range s.Agg.Keys {
			items = append(items, Schema[k].Name)
			keys = append(keys, Schema[k].Name)
		}
		for i, a := range s.Agg.Aggs {
			items = append(items, fmt.Sprintf("%s AS x%d", a.SQL(), i))
		}
		q := "(SELECT " + strings.Join(items, ", ") + " FROM " + t
		if s.Agg.Where != nil {
			q += " WHERE " + s.Agg.Where.SQL()
		}
		if len(keys) > 0 {
			q += " GROUP BY " + strings.Join(keys, ", ")
		}
		t = q + ")"
	}
	return t + " AS " + s.Alias
}

// joinedCols are the columns of the joined row, named alias.column (or
// alias_column when flat, as the Top-N subquery's select list names them).
func (q *JoinQuery) joinedCols(flat bool) []*Col {
	var out []*Col
	for _, s := range q.Sources {
		for _, c := range s.Cols() {
			sep := "."
			if flat {
				sep = "_"
			}
			out = append(out, &Col{Name: s.Alias + sep + c.Name, Idx: len(out), T: c.T})
		}
	}
	return out
}

// OutputTypes are the types of Select.
func (q *JoinQuery) OutputTypes() []Type {
	ts := make([]Type, len(q.Select))
	for i, e := range q.Select {
		ts[i] = e.Type()
	}
	return ts
}

// SQL renders the SELECT statement.
func (q *JoinQuery) SQL() string {
	var b strings.Builder
	from := q.Sources[0].SQL()
	conds := q.Conds
	for i, st := range q.Steps {
		if st.Kind == Comma {
			from += ",\n  " + q.Sources[i+1].SQL()
			continue
		}
		from += "\n  " + string(st.Kind) + " " + q.Sources[i+1].SQL() + " ON " + st.On.SQL()
	}
	var where []string
	for _, c := range conds {
		where = append(where, c.SQL())
	}
	if q.Sub != nil {
		where = append(where, q.Sub.SQL())
	}
	core := from
	if len(where) > 0 {
		core += "\nWHERE " + strings.Join(where, "\n  AND ")
	}
	sel := make([]string, len(q.Select))
	for i, e := range q.Select {
		sel[i] = e.SQL()
	}
	if q.TopN == nil {
		b.WriteString("SELECT " + strings.Join(sel, ", ") + "\nFROM " + core)
		return b.String()
	}
	var items []string
	flat := q.joinedCols(true)
	for i, c := range q.joinedCols(false) {
		items = append(items, c.Name+" AS "+flat[i].Name)
	}
	fmt.Fprintf(&b, "SELECT %s\nFROM (SELECT %s,\n  ROW_NUMBER() OVER (%s) AS rn\nFROM %s)\n", strings.Join(sel, ", "), strings.Join(items, ", "), q.TopN.over(), core)
	if q.TopN.Eq {
		b.WriteString("WHERE rn = 1")
	} else {
		fmt.Fprintf(&b, "WHERE rn <= %d", q.TopN.N)
	}
	return b.String()
}

func (t *TopN) over() string {
	var parts, order []string
	for _, c := range t.Part {
		parts = append(parts, c.SQL())
	}
	for _, o := range t.Order {
		s := o.Col.SQL()
		if o.Desc {
			s += " DESC"
		}
		order = append(order, s)
	}
	s := ""
	if len(parts) > 0 {
		s = "PARTITION BY " + strings.Join(parts, ", ") + " "
	}
	return s + "ORDER BY " + strings.Join(order, ", ")
}

// SQL renders the conjunct.
func (s *Subquery) SQL() string {
	t := fmt.Sprintf("t%d", s.Table+1)
	switch s.Kind {
	case In, NotIn:
		q := fmt.Sprintf("%s %s (SELECT %s FROM %s", s.X.SQL(), s.Kind, Schema[s.Y].Name, t)
		if s.Where != nil {
			q += " WHERE " + s.Where.SQL()
		}
		return q + ")"
	}
	return fmt.Sprintf("%s (SELECT * FROM %s AS q WHERE %s)", s.Kind, t, s.Where.SQL())
}

// TimeBetween is X BETWEEN Y + Lo AND Y + Hi on timestamps (offsets in
// milliseconds), the interval join's condition.
type TimeBetween struct {
	X, Y   *Col
	Lo, Hi int64
}

func (t *TimeBetween) Type() Type { return tBool }
func (t *TimeBetween) SQL() string {
	return fmt.Sprintf("(%s BETWEEN %s AND %s)", t.X.SQL(), shifted(t.Y, t.Lo), shifted(t.Y, t.Hi))
}
func (t *TimeBetween) Eval(row []Value) Value {
	x, y := t.X.Eval(row), t.Y.Eval(row)
	if x.Null || y.Null {
		return null
	}
	return bval(x.I >= y.I+t.Lo && x.I <= y.I+t.Hi)
}

func shifted(c *Col, ms int64) string {
	switch {
	case ms > 0:
		return c.SQL() + " + " + interval(ms)
	case ms < 0:
		return c.SQL() + " - " + interval(-ms)
	}
	return c.SQL()
}
