package window

import (
	"errors"
	"fmt"

	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

// outputChunk is the number of rows after which an operator emits its
// output batch without waiting for the end of the call.
const outputChunk = 1024

// emitter is the output side shared by the window operators: one reused
// batch, emitted in chunks.
type emitter struct {
	ctx   *operator.Context
	out   operator.Output
	batch *types.Batch
}

func (e *emitter) open(ctx *operator.Context, out operator.Output) {
	e.ctx, e.out, e.batch = ctx, out, types.NewBatch(outputChunk)
}

// alloc returns a row of width n from the output batch's arena.
func (e *emitter) alloc(n int) types.Row { return e.batch.Alloc(n) }

// append adds an insert row and emits the batch when it is full.
func (e *emitter) append(r types.Row) error {
	e.batch.Append(types.Insert, r)
	if e.batch.Len() >= outputChunk {
		return e.flush()
	}
	return nil
}

func (e *emitter) flush() error {
	if e.batch.Len() == 0 {
		return nil
	}
	if e.ctx.Metrics != nil {
		e.ctx.Metrics.RowsOut.Add(int64(e.batch.Len()))
	}
	err := e.out.Emit(e.batch)
	e.batch.Reset()
	return err
}

func (e *emitter) watermark(wm int64) error {
	if e.ctx.Metrics != nil {
		e.ctx.Metrics.Watermark.Store(wm)
	}
	return e.out.EmitWatermark(wm)
}

func (e *emitter) countIn(n int) {
	if e.ctx.Metrics != nil {
		e.ctx.Metrics.RowsIn.Add(int64(n))
	}
}

func (e *emitter) late() {
	if e.ctx.Metrics != nil {
		e.ctx.Metrics.LateDropped.Add(1)
	}
}

// timeSource reads a row's window time: the event-time column, or the
// processing time (ctx.Now, truncated to the millisecond as Flink's
// processing time is).
type timeSource struct {
	col      int
	name     string
	procTime bool
	now      func() int64
}

func newTimeSource(w plan.Window, in types.Schema) timeSource {
	return timeSource{col: w.TimeCol, name: in.Fields[w.TimeCol].Name, procTime: w.ProcTime}
}

// ErrNullTime is wrapped by the error a window operator returns for a row
// whose event-time column is NULL (Flink fails the job too).
var ErrNullTime = errors.New("window time attribute is NULL")

func (t *timeSource) of(row types.Row) (int64, error) {
	if t.procTime {
		return floorAlign(t.now(), ms, 0), nil
	}
	v := row[t.col]
	if v.K == types.KindNull {
		return 0, fmt.Errorf("%w: column %q; a window's time attribute must not be NULL", ErrNullTime, t.name)
	}
	return v.I, nil
}

// writeWindow fills window_start, window_end, window_time at r[at:].
func writeWindow(r types.Row, at int, start, end int64) {
	r[at] = types.IntValue(start)
	r[at+1] = types.IntValue(end)
	r[at+2] = types.IntValue(end - ms)
}
