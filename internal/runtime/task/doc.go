// Package task runs a job graph: one goroutine per parallel instance of each
// vertex, bounded channels between them, watermarks combined per input and
// end-of-stream propagated to the sinks.
//
// A Vertex is a chain of operators fed either by a source (reading splits,
// computing per-split watermarks: source_task.go) or by exchanges from
// upstream vertices (input_task.go), and ending either in an exchange to the
// next vertex (exchange.go) or in a sink writer (sink.go). A shared source
// (one table read once for several scans) hands its rows to several chains
// run in its own tasks (shared_source.go). Start at graph.go, then job.go.
// Checkpoints (checkpoint.go) and restores (snapshot.go) may change the
// parallelism: keyed state by key group, source splits by split ID (listed
// at the old parallelism when the source's splits depend on it), sink
// committables by old subtask modulo the new parallelism
// (docs/design/state-and-checkpoints.md, "Rescaling").
//
// Invariants:
//   - Every message on a channel comes from one sender; per sender, rows,
//     watermarks and the end marker arrive in the order sent.
//   - A receiver's watermark is the minimum over its senders that are
//     neither idle nor finished; it only moves forward.
//   - A sender ends with EndOfTime before End when its input was bounded
//     and complete; on cancellation it ends without it.
//   - Batches received from a channel are returned to the pool after the
//     head operator has processed them.
package task
