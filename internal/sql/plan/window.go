package plan

import (
	"fmt"
	"strings"
	"time"

	"github.com/sluicehq/sluice/internal/types"
)

// WindowKind is a window table-valued function.
type WindowKind uint8

const (
	Tumble WindowKind = iota
	Hop
	Cumulate
	Session
)

func (k WindowKind) String() string {
	return [...]string{"TUMBLE", "HOP", "CUMULATE", "SESSION"}[k]
}

// Window describes a window over an event-time (or processing-time) column.
// Durations are nanoseconds.
type Window struct {
	Kind    WindowKind
	TimeCol int   // input column holding the time attribute
	Size    int64 // TUMBLE, HOP, CUMULATE (max size)
	Slide   int64 // HOP
	Step    int64 // CUMULATE
	Gap     int64 // SESSION
	Offset  int64 // TUMBLE/HOP/CUMULATE offset
	// ProcTime is true when TimeCol is a processing-time attribute.
	ProcTime bool
	// PartitionKeys are SESSION's PARTITION BY columns (also used as keys).
	PartitionKeys []int
}

func (w Window) String() string {
	d := func(ns int64) string { return time.Duration(ns).String() }
	off := ""
	if w.Offset != 0 {
		off = ", offset=[" + d(w.Offset) + "]"
	}
	switch w.Kind {
	case Tumble:
		return fmt.Sprintf("TUMBLE(time_col=[$%d], size=[%s]%s)", w.TimeCol, d(w.Size), off)
	case Hop:
		return fmt.Sprintf("HOP(time_col=[$%d], size=[%s], slide=[%s]%s)", w.TimeCol, d(w.Size), d(w.Slide), off)
	case Cumulate:
		return fmt.Sprintf("CUMULATE(time_col=[$%d], max_size=[%s], step=[%s]%s)", w.TimeCol, d(w.Size), d(w.Step), off)
	}
	return fmt.Sprintf("SESSION(time_col=[$%d], gap=[%s])", w.TimeCol, d(w.Gap))
}

// WindowTVF appends window_start, window_end and window_time to each row
// (HOP and CUMULATE emit a row per window). It appears in the plan only when
// the windowed rows are not aggregated directly (the analyzer folds TVF +
// GROUP BY into WindowAggregate).
type WindowTVF struct {
	Input  Node
	Window Window
	schema types.Schema
}

// WindowColumns returns window_start, window_end, window_time for a window
// over a column of type t. As in Flink, window_start and window_end are
// TIMESTAMP(p) whatever the time attribute (computed in the session time
// zone, UTC here); window_time keeps the attribute's type and stays a time
// attribute.
func WindowColumns(t types.Type) []types.Field {
	p := t.Precision
	if t.IsProcTime() {
		p = 3
	}
	ts := types.TimestampType(p).NotNull()
	wt := t.NotNull()
	if t.IsProcTime() {
		wt = types.TimestampLTZType(3).NotNull().WithTimeAttr(types.ProcTime)
	}
	return []types.Field{{Name: "window_start", Type: ts}, {Name: "window_end", Type: ts}, {Name: "window_time", Type: wt}}
}

// NewWindowTVF builds a WindowTVF.
func NewWindowTVF(in Node, w Window) *WindowTVF {
	fs := append([]types.Field{}, in.Schema().Fields...)
	// The input's time column stops being a time attribute downstream of the
	// TVF only in Flink's later versions; keep it, as Flink 1.17+ does.
	fs = append(fs, WindowColumns(in.Schema().Fields[w.TimeCol].Type)...)
	return &WindowTVF{Input: in, Window: w, schema: types.Schema{Fields: fs}}
}

func (n *WindowTVF) Schema() types.Schema { return n.schema }
func (n *WindowTVF) Inputs() []Node       { return []Node{n.Input} }
func (n *WindowTVF) Mode() Mode           { return AppendOnly }
func (n *WindowTVF) Describe() string {
	return fmt.Sprintf("WindowTableFunction(window=[%s])", n.Window)
}

// WindowAggregate aggregates per window and key. Output: the key columns,
// then one column per aggregate, then the window properties
// window_start, window_end, window_time. It emits each window's final
// result once, when the watermark passes the window's end.
type WindowAggregate struct {
	Input  Node
	Window Window
	Keys   []int
	Aggs   []AggCall
	schema types.Schema
}

// NewWindowAggregate builds a WindowAggregate.
func NewWindowAggregate(in Node, w Window, keys []int, aggs []AggCall) *WindowAggregate {
	ins := in.Schema()
	var fs []types.Field
	for _, k := range keys {
		f := ins.Fields[k]
		f.Type = f.Type.WithTimeAttr(types.NoTimeAttr)
		fs = append(fs, f)
	}
	for _, a := range aggs {
		fs = append(fs, types.Field{Name: a.Name, Type: a.T})
	}
	fs = append(fs, WindowColumns(ins.Fields[w.TimeCol].Type)...)
	return &WindowAggregate{Input: in, Window: w, Keys: keys, Aggs: aggs, schema: types.Schema{Fields: fs}}
}

func (n *WindowAggregate) Schema() types.Schema { return n.schema }
func (n *WindowAggregate) Inputs() []Node       { return []Node{n.Input} }
func (n *WindowAggregate) Mode() Mode           { return AppendOnly }
func (n *WindowAggregate) Describe() string {
	keys := colNames(n.Input.Schema(), n.Keys)
	return fmt.Sprintf("WindowAggregate(groupBy=[%s], window=[%s], select=[%s])", keys, n.Window, strings.TrimSpace(aggList(n.Aggs)))
}

// WindowPropsOffset is the index of window_start in the output.
func (n *WindowAggregate) WindowPropsOffset() int { return len(n.Keys) + len(n.Aggs) }
