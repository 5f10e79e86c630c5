package window

import (
	"errors"
	"fmt"

	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

// ErrSessionTVF is returned by Open for a SESSION window TVF whose rows are
// not aggregated: Flink buffers such rows until the session closes; Sluice
// does not yet.
var ErrSessionTVF = errors.New("not supported yet: SESSION window TVF without aggregation")

// WindowTVF appends window_start, window_end and window_time to each row,
// one output row per window holding it, as soon as the row arrives (Flink's
// AlignedWindowTableFunctionOperator): TUMBLE gives one window, HOP every
// window containing the row (latest start first, as Flink's
// SlidingWindowAssigner), CUMULATE every window of the row's period that
// contains it (earliest end first). Rows are never late here, and a row with
// a NULL event time is dropped, as in Flink.
type WindowTVF struct {
	n   *plan.WindowTVF
	w   plan.Window
	ts  timeSource
	in  int
	err error
	operator.Emitter
	ctx *operator.Context
}

var _ operator.Operator = (*WindowTVF)(nil)

// NewWindowTVF returns the operator for n.
func NewWindowTVF(n *plan.WindowTVF) operator.Operator {
	t := &WindowTVF{n: n, w: n.Window, in: n.Input.Schema().Len()}
	t.ts = newTimeSource(n.Window, n.Input.Schema())
	if n.Window.Kind == plan.Session {
		t.err = ErrSessionTVF
	} else if _, err := newSlicer(n.Window); err != nil {
		t.err = err
	}
	return t
}

func (t *WindowTVF) Open(ctx *operator.Context, out operator.Output) error {
	if t.err != nil {
		return fmt.Errorf("%s: %w", ctx.Name, t.err)
	}
	t.Emitter.Open(ctx, out)
	t.ctx = ctx
	t.ts.now = ctx.Now
	return nil
}

func (t *WindowTVF) Process(_ int, b *types.Batch) error {
	t.CountIn(b.Len())
	for i, row := range b.Rows {
		if !t.ts.procTime && row[t.ts.col].K == types.KindNull {
			continue
		}
		ts, _ := t.ts.of(row)
		if err := t.windows(ts, b.Kinds[i], row); err != nil {
			return err
		}
	}
	return t.Flush()
}

// windows emits the row once per window containing ts.
func (t *WindowTVF) windows(ts int64, kind types.RowKind, row types.Row) error {
	w := t.w
	switch w.Kind {
	case plan.Tumble:
		start := floorAlign(ts, w.Size, w.Offset)
		return t.emit(kind, row, start, start+w.Size)
	case plan.Hop:
		for start := floorAlign(ts, w.Slide, w.Offset); start > ts-w.Size; start -= w.Slide {
			if err := t.emit(kind, row, start, start+w.Size); err != nil {
				return err
			}
		}
	case plan.Cumulate:
		start := floorAlign(ts, w.Size, w.Offset)
		for end := floorAlign(ts, w.Step, w.Offset) + w.Step; end <= start+w.Size; end += w.Step {
			if err := t.emit(kind, row, start, end); err != nil {
				return err
			}
		}
	}
	return nil
}

func (t *WindowTVF) emit(kind types.RowKind, row types.Row, start, end int64) error {
	r := t.Alloc(t.in + 3)
	copy(r, row)
	writeWindow(r, t.in, start, end)
	return t.Append(kind, r)
}

func (t *WindowTVF) Watermark(wm int64) error { return t.Emitter.Watermark(wm) }
func (t *WindowTVF) Finish() error            { return t.Flush() }
func (t *WindowTVF) Close() error             { return nil }
