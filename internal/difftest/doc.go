// Package difftest is differential testing of the engine against a
// deliberately simple reference evaluator.
//
// The reference (reference.go) knows nothing of the engine's parser,
// planner or runtime: a query is a small AST of this package's own
// (query.go, expr.go) over rows of plain values (value.go), evaluated by
// walking the tree row by row and grouping with maps — obviously correct
// and slow. The generator (gen.go) draws seeded random data for a fixed
// schema and random queries over it; render.go turns a case into a Flink SQL
// script (a filesystem/json source with a WATERMARK, a print sink whose
// column types come from the query's output types) and engine.go runs the
// script and reads the print sink's changelog back into a final table.
//
// What is compared: the final table as a multiset of rows, each cell in the
// print connector's text (Java toString); DOUBLE cells are compared after
// rounding to 10 significant digits. For a non-windowed GROUP BY the engine's
// changelog (+I/-U/+U/-D) is applied first; a retraction of a row that is
// not in the table is itself a failure.
//
// Semantics the reference models (Flink's):
//
//   - SQL three-valued logic; WHERE and HAVING keep TRUE only.
//   - INT op INT is INT (Java int wrap-around), INT/BIGINT mixes are BIGINT,
//     integer division truncates; DECIMAL + - * follow Flink's
//     LogicalTypeMerging (scale max(s1,s2) resp. s1+s2, precision capped at
//     38); anything with a DOUBLE is DOUBLE. Division by zero is never
//     generated (divisors are non-zero literals).
//   - COUNT is BIGINT; SUM, MIN, MAX keep the argument type except SUM of
//     DECIMAL(p,s), which is DECIMAL(38,s); AVG of an integer type truncates
//     toward zero and keeps the type, AVG of DECIMAL(p,s) is
//     DECIMAL(38,max(6,s)) rounded half-up; aggregates over no non-NULL value
//     are NULL (COUNT: 0). A global aggregate over no rows emits nothing in
//     streaming mode.
//   - Window aggregation (TUMBLE, HOP with slide dividing size) over an
//     event-time column with WATERMARK ts - delay: the file is read in order
//     at source parallelism 1 with 'pipeline.auto-watermark-interval' = '0
//     ms', so the watermark in force before row i is max(ts of rows 0..i-1)
//   - delay. Flink's slicing window operator (AbstractWindowAggProcessor)
//     lets a row count in every window containing it that has not fired
//     yet: a window [start, end) has fired when end - 1 ms <= watermark. For
//     TUMBLE that means a row is dropped iff its window's end - 1 ms <= the
//     watermark; for HOP a row whose first windows have fired still counts
//     in its later ones, and is dropped only when its last window has fired.
//     Rows a WHERE drops still advance the watermark.
//
// Joins (join_query.go, join_reference.go, join_gen.go): a join case has
// two or three tables t1..t3 of the same schema (plus id, the row's number
// in its file), each with its own file and watermark delay, and a
// JoinQuery: sources (a table, a GROUP BY over one: a changelog with
// retractions, or a window TVF) joined left-deep by INNER, LEFT, RIGHT,
// FULL or comma joins on k1 and/or k2 with optional residual conditions
// (over both sides or one side only), WHERE conjuncts, an IN / NOT IN /
// EXISTS / NOT EXISTS subquery over a table, and an optional Top-N
// (ROW_NUMBER() ... WHERE rn <= N or rn = 1). The reference joins by nested
// loops over the final inputs with three-valued logic:
//
//   - x IN (s) is TRUE on a match, else NULL when x is NULL or s has a NULL
//     (s not empty), else FALSE; NOT IN keeps a row only when that is FALSE.
//   - Top-N orders NULL first ascending and last descending (Flink's
//     default) and always ends its ORDER BY with columns that make the
//     order total (each source's id, window_start or group key), so the
//     row numbers are determined; the output may include rn.
//   - Interval joins (b.ts BETWEEN a.ts + lo AND a.ts + hi) drop a row whose
//     ts is at or before its table's watermark in force before it; window
//     joins (same TUMBLE/HOP on both sides, joined on window_start and
//     window_end) drop a row's window when window_end - 1 ms is at or
//     before it. Regular joins drop nothing.
//
// Outer joins and Top-N over changelogs emit intermediate changes; as for
// GROUP BY, the engine's changelog is folded and the final table compared.
//
// Running: go test ./internal/difftest runs a modest number of cases at
// parallelism 1 and 2; -difftest.n=5000 runs more, -difftest.seed=S runs one
// case, and a failure prints its seed, script, data and both results. Join
// cases likewise: -difftest.joins=N and -difftest.joinseed=S.
// testdata/regressions holds minimal reproducers of engine bugs found this
// way (regression_test.go runs them through the engine at parallelism 1 and
// 2 and compares the final tables with the expected ones).
//
// Start reading at query.go, then reference.go, gen.go and render.go.
package difftest
