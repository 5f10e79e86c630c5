// Package window holds the windowed operators: WindowAggregate (TUMBLE, HOP
// and CUMULATE by slicing), SessionAggregate (SESSION, per-key merging) and
// WindowTVF (window columns appended to un-aggregated rows).
//
// Where to start: slicing.go (how times map to slices and windows), then
// window_aggregate.go, session.go and window_tvf.go; output.go reads a
// row's window time and writes the window columns (the output batch is an
// operator.Emitter). Accumulators come from internal/runtime/agg (Aggs,
// Accs, Merge).
//
// Time: values and watermarks are nanoseconds; watermarks are whole
// milliseconds. A window [start, end) has window_time end - 1ms and fires
// when the watermark reaches end - 1ms. Lateness follows Flink's slicing
// rule judged against the watermark of the row's sender
// (operator.Context.InputWatermark; docs/design/engine.md, "Time"): a row is
// dropped, and Metrics.LateDropped counted, when its slice's end - 1ms <= that
// watermark (for SESSION: the end of the session it would merge into).
//
// Invariants:
//
//   - Slice state lives in a state.Store namespaced by slice end and keyed
//     by the encoded group key; a slice's namespace is dropped when the last
//     window using it fires, so state is empty once every window has fired.
//   - Windows fire in order of end; rows of one window come out in any order
//     of keys; the watermark is forwarded after them.
//   - Inputs are append-only: a -U/-D is an error (ErrRetraction), as Flink's
//     window aggregation rejects update input.
//   - A NULL event time fails the aggregate operators (ErrNullTime); the TVF
//     drops such rows, as Flink's AlignedWindowTableFunctionOperator does.
//   - Processing-time windows (Window.ProcTime) take ctx.Now() truncated to
//     the millisecond, fire from OnProcTime, and are never late; windows
//     still open when a bounded input ends are not emitted (Flink does not
//     fire pending processing-time timers at end of input).
//
// State and checkpoints (codec.go has the formats): slices live in the
// window-agg store; the watermark, live-slice counts, pending window ends
// and deferred rows are kept in memory (they grow with open windows, not
// with keys) and written to window-meta, a state.OperatorState (one entry
// per key group the subtask owns; deferred rows in their key's group, so
// that a restore at another parallelism redistributes them), by
// PrepareSnapshot, then merged back by
// Open. Session timers are state.Timers: a heap rebuilt from the sessions
// on the heap backend, the session-timers store on byte backends.
//
// Not yet: SESSION window TVF without aggregation is not
// supported (ErrSessionTVF). TIMESTAMP_LTZ windows are computed in UTC, not
// in the session time zone.
package window
