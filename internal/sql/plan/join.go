package plan

import (
	"fmt"
	"strings"
	"time"

	"github.com/sluicehq/sluice/internal/types"
)

// JoinKind is the kind of a join.
type JoinKind uint8

const (
	InnerJoin JoinKind = iota
	LeftJoin
	RightJoin
	FullJoin
	SemiJoin // left rows with a match (IN, EXISTS); output: left columns
	AntiJoin // left rows without a match (NOT IN, NOT EXISTS); output: left columns
)

func (k JoinKind) String() string {
	return [...]string{"InnerJoin", "LeftOuterJoin", "RightOuterJoin", "FullOuterJoin", "LeftSemiJoin", "LeftAntiJoin"}[k]
}

// LeftOuter reports whether unmatched left rows are emitted NULL-padded.
func (k JoinKind) LeftOuter() bool { return k == LeftJoin || k == FullJoin }

// RightOuter reports whether unmatched right rows are emitted NULL-padded.
func (k JoinKind) RightOuter() bool { return k == RightJoin || k == FullJoin }

// Strategy is how a Join is executed (docs/design/joins.md).
type Strategy uint8

const (
	RegularJoin  Strategy = iota // both sides kept in state, changelog-correct
	IntervalJoin                 // bounded by each other's rowtime (Interval)
	WindowJoin                   // both sides the same window TVF (Window)
	TemporalJoin                 // FOR SYSTEM_TIME AS OF a rowtime (Temporal)
)

func (s Strategy) String() string {
	return [...]string{"Join", "IntervalJoin", "WindowJoin", "TemporalJoin"}[s]
}

// Join joins Left and Right on LeftKeys[i] = RightKeys[i] (for every i) and
// the residual condition Cond. The output row is the left columns followed
// by the right columns (SEMI/ANTI: the left columns only). Outer joins make
// the padded side's columns nullable.
type Join struct {
	Kind        JoinKind
	Strategy    Strategy
	Left, Right Node
	// LeftKeys and RightKeys are the equality keys, as column indexes into
	// each side's schema. A regular join without keys joins everything
	// (one key group).
	LeftKeys, RightKeys []int
	// Cond is the residual condition over the concatenated row (left
	// columns, then right columns), or nil. For SEMI/ANTI joins it is
	// still over left ++ right.
	Cond Expr
	// Planned is set once the optimizer has classified the join (keys
	// extracted, strategy chosen); until then a regular join keeps its
	// inputs' time attributes, since it may still become an interval or
	// window join.
	Planned bool
	// NullAwareAnti is set for NOT IN: a NULL key on either side means
	// "unknown", so a left row with a NULL key, or any left row once the
	// right side holds a NULL key, is not emitted (SQL semantics).
	NullAwareAnti bool

	Interval *IntervalBounds // Strategy == IntervalJoin
	Window   *WindowJoinSpec // Strategy == WindowJoin
	Temporal *TemporalSpec   // Strategy == TemporalJoin

	schema types.Schema
}

// IntervalBounds bound the right row's time relative to the left row's:
// a pair can match only when
//
//	left[LeftTime] + Lower <= right[RightTime] <= left[LeftTime] + Upper
//
// (nanoseconds; Lower <= Upper). Both columns are rowtime attributes.
// b.ts BETWEEN a.ts - INTERVAL '1' HOUR AND a.ts with a on the left gives
// Lower = -1h, Upper = 0.
type IntervalBounds struct {
	LeftTime, RightTime int
	Lower, Upper        int64
}

// WindowJoinSpec locates the window columns of both inputs of a window
// join; both are the same window (Window), and window_start and window_end
// are among the equality keys. A window's rows are joined and emitted when
// the watermark passes window_end - 1 ms (the window's last instant), as
// window aggregation fires.
type WindowJoinSpec struct {
	Window               Window
	LeftStart, LeftEnd   int
	RightStart, RightEnd int
}

// TemporalSpec describes an event-time temporal join: each left (probe) row
// joins the version of the right (versioned) table's row with the same
// primary key that was valid at left[LeftTime]: the latest version whose
// right[RightTime] <= left[LeftTime]. RightKeys hold the versioned table's
// primary key. A probe row is emitted once the watermark passes its time.
type TemporalSpec struct {
	LeftTime, RightTime int
}

// NewJoin builds a Join and its output schema.
func NewJoin(j *Join) *Join {
	l, r := j.Left.Schema(), j.Right.Schema()
	var fs []types.Field
	for _, f := range l.Fields {
		if j.Kind.RightOuter() {
			f.Type = f.Type.WithNullable(true)
		}
		fs = append(fs, f)
	}
	if j.Kind != SemiJoin && j.Kind != AntiJoin {
		for _, f := range r.Fields {
			if j.Kind.LeftOuter() {
				f.Type = f.Type.WithNullable(true)
			}
			fs = append(fs, f)
		}
	}
	// Only interval, window and temporal joins keep rowtime attributes, as
	// in Flink: a regular join may emit a row long after its time, so its
	// time attributes become plain timestamps (once planned: see Planned).
	// A temporal join keeps the probe side's.
	for i := range fs {
		keep := !fs[i].Type.IsProcTime()
		switch j.Strategy {
		case RegularJoin:
			keep = keep && !j.Planned
		case TemporalJoin:
			keep = keep && i < l.Len()
		}
		if !keep && fs[i].Type.TimeAttr != types.NoTimeAttr {
			fs[i].Type = fs[i].Type.WithTimeAttr(types.NoTimeAttr)
		}
	}
	j.schema = types.Schema{Fields: fs}
	return j
}

func (n *Join) Schema() types.Schema { return n.schema }
func (n *Join) Inputs() []Node       { return []Node{n.Left, n.Right} }

// Mode: a regular join emits updates when an input does or when it is an
// outer join (a later match retracts a NULL-padded row); so does an ANTI
// join (a later match retracts the row) and a SEMI join over updates.
// Interval, window and temporal joins of append-only inputs are
// append-only.
func (n *Join) Mode() Mode {
	if n.Left.Mode() == Updates {
		return Updates
	}
	switch n.Strategy {
	case IntervalJoin, WindowJoin:
		if n.Right.Mode() == Updates {
			return Updates
		}
		return AppendOnly
	case TemporalJoin:
		return AppendOnly
	}
	if n.Right.Mode() == Updates || n.Kind != InnerJoin && n.Kind != SemiJoin {
		return Updates
	}
	return AppendOnly
}

func (n *Join) Describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s(joinType=[%s], where=[%s]", n.Strategy, n.Kind, n.condString())
	if n.NullAwareAnti {
		b.WriteString(", nullAware=[true]")
	}
	switch {
	case n.Interval != nil:
		d := func(ns int64) string { return time.Duration(ns).String() }
		fmt.Fprintf(&b, ", interval=[$%d + %s <= $%d <= $%d + %s]", n.Interval.LeftTime, d(n.Interval.Lower), n.Interval.RightTime+n.Left.Schema().Len(), n.Interval.LeftTime, d(n.Interval.Upper))
	case n.Window != nil:
		fmt.Fprintf(&b, ", window=[%s]", n.Window.Window)
	case n.Temporal != nil:
		fmt.Fprintf(&b, ", time=[$%d AS OF $%d]", n.Temporal.RightTime+n.Left.Schema().Len(), n.Temporal.LeftTime)
	}
	fmt.Fprintf(&b, ", select=[%s])", strings.Join(n.schema.Names(), ", "))
	return b.String()
}

func (n *Join) condString() string {
	ln := n.Left.Schema()
	rn := n.Right.Schema()
	var parts []string
	for i := range n.LeftKeys {
		parts = append(parts, fmt.Sprintf("=(%s, %s)", ln.Fields[n.LeftKeys[i]].Name, rn.Fields[n.RightKeys[i]].Name))
	}
	if n.Cond != nil {
		parts = append(parts, n.Cond.String())
	}
	if len(parts) == 0 {
		return "true"
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return "AND(" + strings.Join(parts, ", ") + ")"
}

// LookupJoin joins each row of Input with the rows of a dimension table
// looked up by key at processing time (FOR SYSTEM_TIME AS OF a proctime
// attribute): Table's physical column TableKeys[i] equals Input's column
// InputKeys[i]. Kind is InnerJoin or LeftJoin. The output row is Input's
// columns followed by the table's physical columns (nullable for a LEFT
// join). Cond is a residual condition over that output row, or nil.
type LookupJoin struct {
	Kind      JoinKind
	Input     Node
	Table     *Table
	TableKeys []int
	InputKeys []int
	Cond      Expr
	schema    types.Schema
}

// NewLookupJoin builds a LookupJoin and its output schema.
func NewLookupJoin(j *LookupJoin) *LookupJoin {
	fs := append([]types.Field(nil), j.Input.Schema().Fields...)
	for _, f := range j.Table.PhysicalSchema().Fields {
		if j.Kind == LeftJoin {
			f.Type = f.Type.WithNullable(true)
		}
		fs = append(fs, f)
	}
	j.schema = types.Schema{Fields: fs}
	return j
}

func (n *LookupJoin) Schema() types.Schema { return n.schema }
func (n *LookupJoin) Inputs() []Node       { return []Node{n.Input} }
func (n *LookupJoin) Mode() Mode           { return n.Input.Mode() }
func (n *LookupJoin) Describe() string {
	in := n.Input.Schema()
	ts := n.Table.PhysicalSchema()
	keys := make([]string, len(n.TableKeys))
	for i := range keys {
		keys[i] = fmt.Sprintf("%s=%s", ts.Fields[n.TableKeys[i]].Name, in.Fields[n.InputKeys[i]].Name)
	}
	cond := ""
	if n.Cond != nil {
		cond = fmt.Sprintf(", where=[%s]", n.Cond)
	}
	return fmt.Sprintf("LookupJoin(table=[%s], joinType=[%s], lookup=[%s]%s, select=[%s])",
		n.Table.Name, n.Kind, strings.Join(keys, ", "), cond, strings.Join(n.schema.Names(), ", "))
}

// SortKey is one ORDER BY column.
type SortKey struct {
	Column     int
	Desc       bool
	NullsFirst bool
}

// Rank is Flink's Top-N: per partition, the rows ranked by ROW_NUMBER()
// over Order, keeping ranks RankStart..RankEnd (1-based, inclusive). With
// OutputRank the row number is appended as a BIGINT column. Over an
// append-only input ordered by a time attribute with RankEnd == 1, it is
// deduplication (keep first row for ascending order, keep last for
// descending). With Window set it is window Top-N: ranks are computed per
// window (window_start/window_end among PartitionKeys, WindowEnd the
// window_end column) and emitted once when the window closes.
type Rank struct {
	Input         Node
	PartitionKeys []int
	Order         []SortKey
	RankStart     int64
	RankEnd       int64
	OutputRank    bool
	Window        *Window // window Top-N / window deduplication
	WindowEnd     int     // column of window_end when Window != nil
	RankName      string  // the row number column's name, with OutputRank
	schema        types.Schema
}

// NewRank builds a Rank and its output schema.
func NewRank(r *Rank) *Rank {
	fs := append([]types.Field(nil), r.Input.Schema().Fields...)
	if r.OutputRank {
		fs = append(fs, types.Field{Name: r.RankName, Type: types.BigIntType.NotNull()})
	}
	if r.Window == nil && !r.IsDeduplicate() {
		// Rows may be retracted and re-emitted later: no time attribute.
		for i := range fs {
			if fs[i].Type.IsRowTime() {
				fs[i].Type = fs[i].Type.WithTimeAttr(types.NoTimeAttr)
			}
		}
	}
	r.schema = types.Schema{Fields: fs}
	return r
}

// IsDeduplicate reports whether the Rank keeps one row per partition ordered
// by a time attribute: Flink's Deduplicate.
func (n *Rank) IsDeduplicate() bool {
	if n.RankStart != 1 || n.RankEnd != 1 || len(n.Order) != 1 {
		return false
	}
	t := n.Input.Schema().Fields[n.Order[0].Column].Type
	return t.TimeAttr != types.NoTimeAttr
}

// KeepLast reports, for a deduplication, whether the last row is kept
// (ORDER BY time DESC) rather than the first.
func (n *Rank) KeepLast() bool { return n.IsDeduplicate() && n.Order[0].Desc }

func (n *Rank) Schema() types.Schema { return n.schema }
func (n *Rank) Inputs() []Node       { return []Node{n.Input} }

// Mode: window Top-N and keep-first deduplication on processing time of an
// append-only input are append-only (a row, once emitted, stays);
// otherwise a later row can displace an emitted one (on event time, a
// late-arriving row with an earlier time replaces the first, as in Flink).
func (n *Rank) Mode() Mode {
	if n.Input.Mode() == Updates {
		return Updates
	}
	if n.Window != nil || n.IsDeduplicate() && !n.KeepLast() && n.Input.Schema().Fields[n.Order[0].Column].Type.IsProcTime() {
		return AppendOnly
	}
	return Updates
}

func (n *Rank) Describe() string {
	in := n.Input.Schema()
	names := func(cols []int) string {
		s := make([]string, len(cols))
		for i, c := range cols {
			s[i] = in.Fields[c].Name
		}
		return strings.Join(s, ", ")
	}
	order := make([]string, len(n.Order))
	for i, o := range n.Order {
		order[i] = in.Fields[o.Column].Name
		if o.Desc {
			order[i] += " DESC"
		} else {
			order[i] += " ASC"
		}
	}
	name := "Rank"
	switch {
	case n.Window != nil && n.IsDeduplicate():
		name = "WindowDeduplicate"
	case n.Window != nil:
		name = "WindowRank"
	case n.IsDeduplicate():
		name = "Deduplicate"
	}
	return fmt.Sprintf("%s(rankType=[ROW_NUMBER], rankRange=[rankStart=%d, rankEnd=%d], partitionBy=[%s], orderBy=[%s], select=[%s])",
		name, n.RankStart, n.RankEnd, names(n.PartitionKeys), strings.Join(order, ", "), strings.Join(n.schema.Names(), ", "))
}
