// Package operator defines the contract between the runtime's tasks and the
// operators they run (Operator, Output, Context), and holds the stateless
// operators (calc: project and filter). Stateful operators live in their own
// packages (runtime/agg, window, join, temporal, rank, lookup) and implement
// the same interface; their output side is an Emitter (emitter.go: one reused
// batch passed on every OutputChunk rows, with the row, watermark and
// late-row metrics).
//
// Threading: an operator instance is driven by exactly one goroutine (its
// task); it needs no locks. Batches: a batch passed to Process is lent for
// the duration of the call; the operator copies any row it keeps. A batch
// passed to Output.Emit is lent to the next operator the same way, so an
// operator may reuse its output batch after Emit returns.
//
// Watermarks: Watermark(wm) is called when the task's combined input
// watermark advances; the operator emits whatever became final, then calls
// Output.EmitWatermark. Context.InputWatermark is the watermark of the
// sender of the batch being processed: lateness is judged against it (see
// docs/design/engine.md, "Time").
//
// Errors: Process and Watermark return errors for failures the operator
// detects. Expression evaluators panic with *functions.EvalError; the task
// recovers those (operators need not).
package operator
