// Package rank holds Flink's Top-N family for plan.Rank: Top-N
// (ROW_NUMBER() OVER (PARTITION BY ... ORDER BY ...) filtered to a rank
// range), deduplication (Top-1 ordered by a time attribute) and their
// windowed forms. New picks the operator for a Rank node. It also holds
// ChangelogNormalize (normalize.go), Flink's keep-last-row deduplication
// on a changelog, which the planner puts after an upsert source (such as
// upsert-kafka) to turn its upsert stream into a changelog.
//
// Where to start: rank.go (New, the row order, the shared output and TTL
// helpers), then topn.go (Flink's AppendOnlyTopNFunction and
// RetractableTopNFunction), dedup.go (Flink's RowTime/ProcTime
// deduplicate functions) and window_rank.go (window Top-N and window
// deduplication); codec.go has the state encodings.
//
// Invariants:
//
//   - Input arrives hash-partitioned on PartitionKeys (ChangelogNormalize:
//     the primary key); every operator keys its state by
//     types.AppendKey(row, keys) so key groups match the exchange's.
//   - Rows are ranked by the ORDER BY keys compared with types.Compare
//     (NULLs placed by NullsFirst, independent of DESC); equal keys rank in
//     arrival order (an arriving row goes after its equals), as Flink's
//     TopNBuffer. The one exception is keep-last deduplication, where the
//     newest of equal times wins.
//   - Outputs are Flink's: with a rank column (or a rank offset) the
//     changes are per rank position (-U/+U of the row that held a position
//     and the row that holds it now, +I for a new position, -D for a
//     vanished one); without, a row entering the range is +I and a row
//     leaving it -D.
//   - Non-window state is one value per partition in a state.Store; state
//     TTL (Context.StateTTL) drops a partition not written for the TTL, as
//     Flink's OnCreateAndWrite TTL, with a lazily refreshed timer per
//     partition. Window state is namespaced by window end and dropped when
//     the window fires; pending window ends and the watermark are kept in
//     memory and written by PrepareSnapshot to a state.OperatorState (one
//     entry per key group, merged on restore: the union of the ends, the
//     highest watermark), so they survive a restore at another parallelism.
package rank
