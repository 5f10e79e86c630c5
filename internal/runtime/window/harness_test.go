package window

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/runtime/agg"
	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/types"
)

type fakeNode struct{ schema types.Schema }

func (f fakeNode) Schema() types.Schema { return f.schema }
func (f fakeNode) Inputs() []plan.Node  { return nil }
func (f fakeNode) Mode() plan.Mode      { return plan.AppendOnly }
func (f fakeNode) Describe() string     { return "Fake" }

func col(name string, t types.Type) types.Field { return types.Field{Name: name, Type: t} }

var rowtime = types.TimestampType(3).WithTimeAttr(types.RowTime)

// The test input: k STRING, v INT, ts TIMESTAMP(3) *ROWTIME*.
var in = fakeNode{types.Schema{Fields: []types.Field{
	col("k", types.StringType), col("v", types.IntType), col("ts", rowtime),
}}}

const tsCol = 2

func msv(m int64) types.Value { return types.IntValue(m * ms) }

// r builds an input row k, v, ts (ms).
func r(k string, v int64, tsMs int64) types.Row {
	return types.Row{types.StringValue(k), types.IntValue(v), msv(tsMs)}
}

func call(t testing.TB, kind plan.AggKind, name string, args ...int) plan.AggCall {
	ts := make([]types.Type, len(args))
	for i, a := range args {
		ts[i] = in.schema.Fields[a].Type
	}
	rt, err := agg.ResultType(kind, ts)
	if err != nil {
		t.Fatal(err)
	}
	return plan.AggCall{Kind: kind, Args: args, Filter: -1, T: rt, Name: name}
}

// format renders a row as the print connector would, with timestamps as
// integer milliseconds to keep expectations readable.
func format(kind types.RowKind, row types.Row, s types.Schema) string {
	parts := make([]string, len(row))
	for i, v := range row {
		t := s.Fields[i].Type
		if t.IsTimestamp() && !v.IsNull() {
			parts[i] = strconv.FormatInt(v.I/ms, 10)
			continue
		}
		parts[i] = types.FormatPrint(v, t)
	}
	return kind.String() + "[" + strings.Join(parts, ", ") + "]"
}

// collector records rows and watermarks in order ("WM <ms>"); rows of one
// window (same window_end, consecutive) are sorted, since a window's keys
// come out in any order. It checks windows come out in end order between
// watermarks.
type collector struct {
	t       testing.TB
	schema  types.Schema
	endCol  int // -1: no window columns
	lines   []string
	run     []string
	runEnd  int64
	lastEnd int64
}

func newCollector(t testing.TB, s types.Schema, endCol int) *collector {
	return &collector{t: t, schema: s, endCol: endCol, lastEnd: -1 << 62}
}

func (c *collector) Emit(b *types.Batch) error {
	for i, row := range b.Rows {
		line := format(b.Kinds[i], row, c.schema)
		if c.endCol < 0 {
			c.lines = append(c.lines, line)
			continue
		}
		end := row[c.endCol].I
		if end < c.lastEnd {
			c.t.Errorf("window ending %d emitted after one ending %d", end/ms, c.lastEnd/ms)
		}
		if end != c.runEnd {
			c.endRun()
		}
		c.run, c.runEnd, c.lastEnd = append(c.run, line), end, end
	}
	return nil
}

func (c *collector) endRun() {
	slices.Sort(c.run)
	c.lines = append(c.lines, c.run...)
	c.run = nil
}

func (c *collector) EmitWatermark(wm int64) error {
	c.endRun()
	c.lastEnd = -1 << 62
	s := "WM end"
	if wm != operator.EndOfTime {
		s = "WM " + strconv.FormatInt(wm/ms, 10)
	}
	c.lines = append(c.lines, s)
	return nil
}

func (c *collector) take() []string {
	c.endRun()
	l := c.lines
	c.lines = nil
	return l
}

// harness drives one operator.
type harness struct {
	t   testing.TB
	op  operator.Operator
	ctx *operator.Context
	out *collector
	now int64
}

func newHarness(t testing.TB, op operator.Operator, s types.Schema, endCol int) *harness {
	h := &harness{t: t, op: op, out: newCollector(t, s, endCol)}
	h.ctx = &operator.Context{Name: "Test[1]", Parallelism: 1, State: state.NewHeap(), Metrics: operator.NewMetrics(),
		Now: func() int64 { return h.now }}
	h.ctx.SetInputWatermark(operator.NoWatermark)
	if err := op.Open(h.ctx, h.out); err != nil {
		t.Fatal(err)
	}
	return h
}

func newWindowAgg(t testing.TB, w plan.Window, keys []int, aggs ...plan.AggCall) (*harness, *plan.WindowAggregate) {
	n := plan.NewWindowAggregate(in, w, keys, aggs)
	return newHarness(t, NewWindowAggregate(n), n.Schema(), n.WindowPropsOffset()+1), n
}

// rows processes one batch whose sender had emitted watermark iwm (ms; -1
// for none).
func (h *harness) rows(iwmMs int64, rows ...types.Row) {
	h.t.Helper()
	if err := h.process(iwmMs, rows...); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) process(iwmMs int64, rows ...types.Row) error {
	iwm := int64(operator.NoWatermark)
	if iwmMs >= 0 {
		iwm = iwmMs * ms
	}
	h.ctx.SetInputWatermark(iwm)
	b := types.NewBatch(len(rows))
	for _, r := range rows {
		b.Append(types.Insert, r)
	}
	return h.op.Process(0, b)
}

func (h *harness) wm(m int64) {
	h.t.Helper()
	wm := int64(operator.EndOfTime)
	if m >= 0 {
		wm = m * ms
	}
	if err := h.op.Watermark(wm); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) end() {
	h.t.Helper()
	h.wm(-1)
	if err := h.op.Finish(); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) expect(want ...string) {
	h.t.Helper()
	got := h.out.take()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		h.t.Errorf("got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}
