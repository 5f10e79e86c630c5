// Package temporal holds the event-time temporal join (FOR SYSTEM_TIME AS
// OF a rowtime attribute): Flink's TemporalRowTimeJoinOperator, built by New
// for a plan.Join with Strategy TemporalJoin.
//
// Where to start: temporal.go (the operator), then codec.go (its state).
//
// Input 0 is the probe stream, input 1 the versioned table: a changelog
// keyed by its primary key (the join's RightKeys) with a rowtime column
// (TemporalSpec.RightTime) giving each change's version time. Per join key
// the operator keeps one value in a state.Store: the probe rows waiting for
// the watermark, ordered by (time, arrival), and the table's versions
// ordered by version time. When the watermark reaches a probe row's time the
// row is joined with the version valid at that time — the latest version
// whose time is <= the probe's — and emitted; a -D version means the key had
// no row from its time on. Versions older than the watermark, except the
// latest one at or below it, are pruned then, since no later probe can see
// them.
//
// Invariants:
//
//   - A probe row whose time is at or below its sender's watermark
//     (Context.InputWatermark) is late: dropped and counted in
//     Metrics.LateDropped, so results do not depend on parallelism.
//   - Each key has at most one live timer (the value's timer field, the
//     earliest time at which the watermark has work for the key: its first
//     probe, or its second version, when pruning becomes possible); timers
//     firing for another time are stale and skipped. Timers are kept in
//     memory for the heap backend, rebuilt from the values on Open, and in
//     the "temporal-timers" store on byte backends.
//   - Output is emitted only from Watermark: per key in (time, arrival)
//     order, keys in timer order (time, then key bytes).
package temporal
