// Package agg holds Sluice's aggregate functions and the non-windowed GROUP
// BY operator (GroupAggregate), producing exactly Flink SQL's results and
// changelog.
//
// Where to start: aggs.go (Compile, Aggs, Accs: the compiled calls and one
// group's accumulators), then acc.go (the per-call dispatch), the families
// acc_numeric.go (SUM, $SUM0, AVG) and acc_value.go (MIN, MAX, FIRST_VALUE,
// LAST_VALUE, LISTAGG), distinct.go (shared DISTINCT state) and
// group_aggregate.go (the operator), bundle.go (its mini-batch mode),
// local_aggregate.go (two-phase: the local pre-aggregation and the partial
// accumulator column the global GroupAggregate merges) and hll.go
// (APPROX_COUNT_DISTINCT's HyperLogLog). result_type.go is Flink's type
// inference for aggregate calls, used by the analyzer.
//
// Design:
//
//   - An aggregate call compiles to a spec with a small op tag; one Acc
//     struct serves every op (a switch per row per call, no interface call
//     and no allocation). Only retracting inputs and LISTAGG use the Acc's
//     side structure (accExt).
//   - The window package reuses Aggs: each window slice holds an Accs and a
//     window's result is Merge of its slices' Accs.
//   - DISTINCT calls over the same columns share one map per group from the
//     value to a bitset (append-only) or per-call counts (retractions) of the
//     calls that have counted it, whatever their FILTERs.
//
// Invariants:
//
//   - An Aggs is used by one goroutine: it owns scratch buffers.
//   - Accs.Rows is the number of rows accumulated minus retracted, FILTERs
//     ignored; GroupAggregate deletes a group when it reaches 0 (Flink's
//     record counter).
//   - Values kept in accumulators reference immutable payloads (strings,
//     big.Ints) of input rows; the row slices themselves are never kept.
//   - Merge is only valid for append-only inputs (window aggregation).
//
// State: accumulators encode with Aggs.AppendAccs/ReadAccs (codec.go);
// GroupAggregate keeps one group per key in the group-agg store and, with
// Context.StateTTL, expires idle groups by lazily re-armed timers.
//
// Deliberate differences from Flink, all in corners: a DECIMAL sum that
// leaves DECIMAL(38) keeps growing instead of becoming NULL; FIRST_VALUE and
// LAST_VALUE under retraction order by arrival rather than by
// System.currentTimeMillis() (the same whenever rows of one millisecond are
// concerned); MIN/MAX rescans skip values whose count went negative.
package agg
