// Package join holds the two-input join operators of plan.Join
// (docs/design/joins.md): RegularJoin (changelog joins of every kind, with
// state TTL), IntervalJoin (event-time bounded) and WindowJoin (rows of the
// same window TVF, emitted when the window closes). New builds the one a
// plan.Join asks for; input 0 is the left side, input 1 the right.
//
// Start reading at rows.go: the structure regular and interval joins
// share, one side's rows per join key as a bucket of
// distinct rows with their multiplicity and, for sides whose unmatched rows
// are emitted, the number of matching rows of the other side (Flink's
// associated records). Buckets live in state.Stores with a codec, so the
// heap and Pebble backends, checkpoints and restores work; timers (TTL,
// interval cleanup) are state.Timers, kept in memory and rebuilt from the
// buckets on the heap backend, in their store on byte backends; a timer is
// (time, join key), for whichever side's bucket is armed for that time, so
// that on Pebble it lies in its key's key group and moves with the key
// when a restore changes the parallelism. The window
// join (window.go) keeps both sides' rows of a (window, key) in one value
// it only appends to (state.Append: one blind write on Pebble) and fires a
// window with one scan of its namespace, key by key. output.go holds the
// residual condition and the output batch.
//
// Invariants: an output row is the left columns then the right columns
// (SEMI/ANTI: the left columns), a missing side NULL; a row with a NULL
// join-key column matches nothing; interval and window joins drop rows
// that are late by their sender's watermark (counted in
// Metrics.LateDropped), so results do not depend on parallelism or timing.
package join
