package optest

import (
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/types"
)

// Options configure the context Open gives an operator. The zero value is
// a task "Test[1]" of parallelism 1 on a fresh heap backend, no TTL.
type Options struct {
	Name  string        // task name; "Test[1]" if empty
	State state.Backend // state.NewHeap() if nil
	TTL   time.Duration // operator.Context.StateTTL
	Now   int64         // initial processing time (ns)
}

// Harness drives one opened operator. Every method fails the test on an
// operator error.
type Harness struct {
	T   testing.TB
	Op  operator.Operator
	Ctx *operator.Context
	Out Output
	Now int64 // processing time (ns) the context reports; tests set it
}

// Open opens op with its output going to out.
func Open(t testing.TB, op operator.Operator, out Output, o Options) *Harness {
	t.Helper()
	h := &Harness{T: t, Op: op, Out: out, Now: o.Now}
	if o.Name == "" {
		o.Name = "Test[1]"
	}
	if o.State == nil {
		o.State = state.NewHeap()
	}
	h.Ctx = &operator.Context{Name: o.Name, Parallelism: 1, State: o.State, Metrics: operator.NewMetrics(),
		Now: func() int64 { return h.Now }, StateTTL: o.TTL}
	h.Ctx.SetInputWatermark(operator.NoWatermark)
	if err := op.Open(h.Ctx, out); err != nil {
		t.Fatal(err)
	}
	return h
}

// OpenBench opens op for a benchmark: heap state, output discarded.
func OpenBench(b testing.TB, op operator.Operator) operator.Operator {
	b.Helper()
	ctx := &operator.Context{Name: "Bench", State: state.NewHeap(), Metrics: operator.NewMetrics()}
	ctx.SetInputWatermark(operator.NoWatermark)
	if err := op.Open(ctx, Discard{}); err != nil {
		b.Fatal(err)
	}
	return op
}

// Process processes rows of one kind as one batch on input, from a sender
// that had emitted watermark iwmMs (ms; -1 for none), and returns the
// operator's error.
func (h *Harness) Process(input int, iwmMs int64, kind types.RowKind, rows ...types.Row) error {
	h.setInputWatermark(iwmMs)
	b := types.NewBatch(len(rows))
	for _, r := range rows {
		b.Append(kind, r)
	}
	return h.Op.Process(input, b)
}

// Send is Process failing the test on an error.
func (h *Harness) Send(input int, iwmMs int64, kind types.RowKind, rows ...types.Row) {
	h.T.Helper()
	if err := h.Process(input, iwmMs, kind, rows...); err != nil {
		h.T.Fatal(err)
	}
}

// Change is one changelog row.
type Change struct {
	Kind types.RowKind
	Row  types.Row
}

func Ins(row types.Row) Change { return Change{types.Insert, row} }
func UB(row types.Row) Change  { return Change{types.UpdateBefore, row} }
func UA(row types.Row) Change  { return Change{types.UpdateAfter, row} }
func Del(row types.Row) Change { return Change{types.Delete, row} }

// SendEach processes each change as a batch of its own on input, from a
// sender that had emitted watermark iwmMs (ms; -1 for none).
func (h *Harness) SendEach(input int, iwmMs int64, cs ...Change) {
	h.T.Helper()
	h.setInputWatermark(iwmMs)
	for _, c := range cs {
		b := types.NewBatch(1)
		b.Append(c.Kind, c.Row)
		if err := h.Op.Process(input, b); err != nil {
			h.T.Fatal(err)
		}
	}
}

func (h *Harness) setInputWatermark(iwmMs int64) {
	iwm := int64(operator.NoWatermark)
	if iwmMs >= 0 {
		iwm = iwmMs * Ms
	}
	h.Ctx.SetInputWatermark(iwm)
}

// WM advances the operator's watermark to m ms (-1: end of time).
func (h *Harness) WM(m int64) {
	h.T.Helper()
	wm := int64(operator.EndOfTime)
	if m >= 0 {
		wm = m * Ms
	}
	if err := h.Op.Watermark(wm); err != nil {
		h.T.Fatal(err)
	}
}

// End ends a bounded input: the end-of-time watermark, then Finish.
func (h *Harness) End() {
	h.T.Helper()
	h.WM(-1)
	if err := h.Op.Finish(); err != nil {
		h.T.Fatal(err)
	}
}

// Expect checks the lines output since the last check.
func (h *Harness) Expect(want ...string) {
	h.T.Helper()
	ExpectLines(h.T, h.Out.Take(), want)
}

// ExpectSorted is Expect with the rows between two watermarks sorted (on
// both sides): for operators whose keys come out in any order.
func (h *Harness) ExpectSorted(want ...string) {
	h.T.Helper()
	ExpectLines(h.T, SortSegments(h.Out.Take()), SortSegments(want))
}
