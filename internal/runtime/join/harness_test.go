package join

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/sql/functions"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/types"
)

type fakeNode struct {
	schema types.Schema
	mode   plan.Mode
}

func (f fakeNode) Schema() types.Schema { return f.schema }
func (f fakeNode) Inputs() []plan.Node  { return nil }
func (f fakeNode) Mode() plan.Mode      { return f.mode }
func (f fakeNode) Describe() string     { return "Fake" }

func col(name string, t types.Type) types.Field { return types.Field{Name: name, Type: t} }

var rowtime = types.TimestampType(3).WithTimeAttr(types.RowTime)

func node(mode plan.Mode, fs ...types.Field) fakeNode {
	return fakeNode{schema: types.Schema{Fields: fs}, mode: mode}
}

// Regular join inputs: L(k STRING, v INT), R(k STRING, w INT).
func regularPlan(kind plan.JoinKind, mode plan.Mode) *plan.Join {
	return plan.NewJoin(&plan.Join{
		Kind: kind, Strategy: plan.RegularJoin,
		Left:     node(mode, col("k", types.StringType), col("v", types.IntType)),
		Right:    node(mode, col("k", types.StringType), col("w", types.IntType)),
		LeftKeys: []int{0}, RightKeys: []int{0},
	})
}

func call(t testing.TB, name string, args ...plan.Expr) *plan.Call {
	fn, err := functions.Builtins().Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	fargs := make([]functions.Arg, len(args))
	for i, a := range args {
		fargs[i] = functions.Arg{Type: a.Type()}
	}
	rt, err := fn.Infer(fargs)
	if err != nil {
		t.Fatal(err)
	}
	return &plan.Call{Fn: fn, Args: args, T: rt}
}

func colRef(i int, name string, t types.Type) *plan.ColumnRef {
	return &plan.ColumnRef{Index: i, Name: name, T: t}
}

// Value shorthands.
func S(s string) types.Value { return types.StringValue(s) }
func I(i int64) types.Value  { return types.IntValue(i) }
func T(m int64) types.Value  { return types.IntValue(m * ms) }

var null = types.Value{}

func row(vs ...types.Value) types.Row { return types.Row(vs) }

// format renders a row as the print connector would, with timestamps as
// integer milliseconds.
func format(kind types.RowKind, r types.Row, s types.Schema) string {
	parts := make([]string, len(r))
	for i, v := range r {
		t := s.Fields[i].Type
		if t.IsTimestamp() && !v.IsNull() {
			parts[i] = strconv.FormatInt(v.I/ms, 10)
			continue
		}
		parts[i] = types.FormatPrint(v, t)
	}
	return kind.String() + "[" + strings.Join(parts, ", ") + "]"
}

// collector records rows and watermarks ("WM <ms>", "WM end").
type collector struct {
	schema types.Schema
	lines  []string
}

func (c *collector) Emit(b *types.Batch) error {
	if len(b.Rows[0]) != c.schema.Len() {
		panic("output row width differs from the join's schema")
	}
	for i, r := range b.Rows {
		c.lines = append(c.lines, format(b.Kinds[i], r, c.schema))
	}
	return nil
}

func (c *collector) EmitWatermark(wm int64) error {
	s := "WM end"
	if wm != operator.EndOfTime {
		s = "WM " + strconv.FormatInt(wm/ms, 10)
	}
	c.lines = append(c.lines, s)
	return nil
}

func (c *collector) take() []string {
	l := c.lines
	c.lines = nil
	return l
}

// harness drives one join operator.
type harness struct {
	t   testing.TB
	x   *plan.Join
	op  operator.Operator
	ctx *operator.Context
	out *collector
	now int64
}

func newHarness(t testing.TB, x *plan.Join) *harness {
	return newHarnessOn(t, x, state.NewHeap(), 0)
}

func newHarnessOn(t testing.TB, x *plan.Join, b state.Backend, ttl int64) *harness {
	t.Helper()
	op, err := New(x)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, x: x, op: op, out: &collector{schema: x.Schema()}}
	h.open(b, ttl)
	return h
}

func (h *harness) open(b state.Backend, ttl int64) {
	h.t.Helper()
	h.ctx = &operator.Context{Name: "Test[1]", Parallelism: 1, State: b, Metrics: operator.NewMetrics(),
		Now: func() int64 { return h.now }, StateTTL: timeDuration(ttl)}
	h.ctx.SetInputWatermark(operator.NoWatermark)
	if err := h.op.Open(h.ctx, h.out); err != nil {
		h.t.Fatal(err)
	}
}

// send processes one batch on input side (0 left, 1 right) whose sender
// had emitted watermark iwm (ms; -1 for none).
func (h *harness) send(side int, iwmMs int64, kind types.RowKind, rows ...types.Row) {
	h.t.Helper()
	iwm := int64(operator.NoWatermark)
	if iwmMs >= 0 {
		iwm = iwmMs * ms
	}
	h.ctx.SetInputWatermark(iwm)
	b := types.NewBatch(len(rows))
	for _, r := range rows {
		b.Append(kind, r)
	}
	if err := h.op.Process(side, b); err != nil {
		h.t.Fatal(err)
	}
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
	expectLines(h.t, h.out.take(), want)
}

// expectSorted compares with the rows between two watermarks sorted: a
// window's keys come out in any order.
func (h *harness) expectSorted(want ...string) {
	h.t.Helper()
	expectLines(h.t, sortSegments(h.out.take()), sortSegments(want))
}

func sortSegments(lines []string) []string {
	out := slices.Clone(lines)
	start := 0
	for i := 0; i <= len(out); i++ {
		if i == len(out) || strings.HasPrefix(out[i], "WM") {
			slices.Sort(out[start:i])
			start = i + 1
		}
	}
	return out
}

func expectLines(t testing.TB, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}
