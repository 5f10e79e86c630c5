package operator

import "github.com/sluicehq/sluice/internal/types"

// OutputChunk is the number of rows after which an Emitter passes its batch
// on without waiting for the end of the call.
const OutputChunk = 1024

// Emitter is the output side of a stateful operator: one reused batch,
// passed on in chunks of OutputChunk rows, counting rows and watermarks in
// the operator's metrics.
type Emitter struct {
	ctx   *Context
	out   Output
	batch *types.Batch
}

// Open starts the emitter; call it from the operator's Open.
func (e *Emitter) Open(ctx *Context, out Output) {
	e.ctx, e.out, e.batch = ctx, out, types.NewBatch(OutputChunk)
}

// Alloc returns a zeroed (all NULL) row of width n from the batch's arena.
func (e *Emitter) Alloc(n int) types.Row { return e.batch.Alloc(n) }

// Append adds a row (from Alloc) and passes the batch on when it is full.
func (e *Emitter) Append(kind types.RowKind, r types.Row) error {
	e.batch.Append(kind, r)
	if e.batch.Len() >= OutputChunk {
		return e.Flush()
	}
	return nil
}

// Flush passes on what the batch holds.
func (e *Emitter) Flush() error {
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

// Watermark passes a watermark on and records it.
func (e *Emitter) Watermark(wm int64) error {
	if e.ctx.Metrics != nil {
		e.ctx.Metrics.Watermark.Store(wm)
	}
	return e.out.EmitWatermark(wm)
}

// CountIn counts n input rows.
func (e *Emitter) CountIn(n int) {
	if e.ctx.Metrics != nil {
		e.ctx.Metrics.RowsIn.Add(int64(n))
	}
}

// Late counts a row dropped as late.
func (e *Emitter) Late() {
	if e.ctx.Metrics != nil {
		e.ctx.Metrics.LateDropped.Add(1)
	}
}
