package operator

import (
	"math"
	"sync/atomic"
	"time"

	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/types"
)

// NoWatermark is the watermark before any has been seen.
const NoWatermark = math.MinInt64

// EndOfTime is the final watermark of a bounded input: every window fires.
const EndOfTime = math.MaxInt64

// Output receives what an operator produces.
type Output interface {
	// Emit passes a batch on; see the package doc for ownership.
	Emit(b *types.Batch) error
	// EmitWatermark passes a watermark on (nanoseconds, whole milliseconds).
	EmitWatermark(wm int64) error
}

// Operator is one step of a task's chain.
type Operator interface {
	// Open is called once before anything else.
	Open(ctx *Context, out Output) error
	// Process handles one batch from input number input (0 unless the
	// operator has several inputs).
	Process(input int, b *types.Batch) error
	// Watermark is called when the combined input watermark advances.
	Watermark(wm int64) error
	// Finish is called once when every input has ended (after the final
	// watermark, for bounded inputs); emit what remains.
	Finish() error
	// Close releases resources; it is called once, also after failures.
	Close() error
}

// SnapshotPreparer is implemented by stateful operators that cache state in
// memory (docs/design/state-and-checkpoints.md). Contract for every stateful
// operator: all state lives in stores of ctx.State (window contents,
// accumulators, timers, deferred rows, the operator's watermark), each store
// created with a codec so any backend can hold it; an operator may cache,
// but PrepareSnapshot writes every cache back before the runtime snapshots
// the backend at a checkpoint barrier; and Open, given a backend holding
// restored state, rebuilds whatever it caches from the stores.
type SnapshotPreparer interface {
	PrepareSnapshot() error
}

// ProcTimeOperator is implemented by operators with processing-time timers;
// the task calls OnProcTime periodically with the wall clock (ns).
type ProcTimeOperator interface {
	OnProcTime(now int64) error
}

// Context is what an operator instance knows about its surroundings.
type Context struct {
	// Name identifies the operator in errors and metrics, e.g.
	// "WindowAggregate[3]".
	Name        string
	Subtask     int
	Parallelism int
	// State is the operator instance's state backend; it may hold state
	// restored from a checkpoint or savepoint.
	State state.Backend
	// UID identifies the operator stably across runs and script edits that
	// leave it unchanged; restored state is matched by it.
	UID uint64
	// Metrics counts what the operator does; safe to read concurrently.
	Metrics *Metrics
	// Now returns the processing time in nanoseconds (injectable for tests).
	Now func() int64
	// StateTTL is 'table.exec.state.ttl': how long the state of a key of a
	// non-windowed stateful operator (GroupAggregate) is kept after its last
	// update, in processing time (Now); 0 keeps it forever. Window
	// operators ignore it (their state ends with their windows), as Flink's.
	StateTTL time.Duration

	inputWM int64
}

// InputWatermark is the watermark the sender of the current batch had
// emitted before it (NoWatermark before any).
func (c *Context) InputWatermark() int64 { return c.inputWM }

// SetInputWatermark is called by the task before each Process.
func (c *Context) SetInputWatermark(wm int64) { c.inputWM = wm }

// Metrics are an operator's counters. Updated by its task goroutine, read by
// the progress line and the metrics endpoint.
type Metrics struct {
	RowsIn      atomic.Int64
	RowsOut     atomic.Int64
	LateDropped atomic.Int64
	Watermark   atomic.Int64
	StateSize   atomic.Int64 // entries, where the operator tracks it
}

// NewMetrics returns zeroed metrics with no watermark.
func NewMetrics() *Metrics {
	m := &Metrics{}
	m.Watermark.Store(NoWatermark)
	return m
}
