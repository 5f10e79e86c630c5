// Package e2e is Sluice's end-to-end SQL suite: whole Flink SQL scripts run
// through engine.Engine (parser → analyzer → optimizer → physical plan →
// runtime) over bounded filesystem sources, with the 'print' connector and
// bare SELECTs writing into buffers that are compared with the expected
// output. Every expectation is Flink's answer, derived by hand from the
// input, not copied from Sluice.
//
// # What it covers
//
// One fixture file per topic in testdata/: projections, filters and
// expressions; each window kind (TUMBLE, HOP, CUMULATE, SESSION TVFs and the
// legacy GROUP BY windows, with offsets); event time (late rows, out of
// order rows within the watermark delay, the watermark interval, idle and
// finished splits); retractions through non-windowed and stacked
// aggregates; every aggregate function; DECIMAL; timestamps and dates;
// UNION ALL, views and WITH; statement sets; bare queries; the filesystem
// sink; bad records; and user errors with their messages and positions.
//
// Every case runs at parallelism 1 and 2 (the harness prepends SET
// 'parallelism.default') and both runs must give the expected output, so a
// case also checks that results do not depend on parallelism.
//
// # Adding a case
//
// Add to the topic's file (or a new testdata/<topic>.txt):
//
//	# case: tumble count with late rows
//	# free comments explaining how the expected rows follow from the input
//	file events.json
//	{"k":"a","v":1,"ts":"2020-01-01 00:00:01"}
//	sql
//	CREATE TABLE events (k STRING, v INT, ts TIMESTAMP(3),
//	  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
//	  WITH ('connector' = 'filesystem', 'path' = '${events.json}', 'format' = 'json');
//	CREATE TABLE res (...) WITH ('connector' = 'print', 'sink.parallelism' = '1');
//	INSERT INTO res SELECT ...;
//	expect unordered
//	+I[a, 1, 2020-01-01T00:00, 2020-01-01T00:00:10]
//
// Sections, in order:
//
//   - file NAME: the following lines are written to NAME in a temporary
//     directory (no lines: an empty file; NAME may contain '/'). In the
//     SQL, ${NAME} is that file's path and ${dir} the directory; any other
//     ${x} is the path dir/x (for sinks to create).
//   - sql: a script for Engine.Run. Several sql sections run one after the
//     other in fresh engines over the same directory (a sink's output can be
//     read back by the next script). Do not set 'parallelism.default': the
//     harness does.
//   - dump DIR: after the scripts, the sorted lines of every file under
//     ${DIR} are appended to the output after a "-- DIR" line.
//   - expect MODE, last: the expected output, one line per printed change
//     (subtask prefixes "N> " removed) or bare SELECT table line. MODE is
//     ordered (exact sequence), unordered (same multiset) or keyed (same
//     multiset, and the lines of each key — the first field of "+I[key,
//     ...]" — in the given order; use it for changelogs whose order only
//     holds per key) or final (the changelog applied — +I/+U add a row,
//     -U/-D remove one — gives these rows; for changelogs whose
//     intermediate steps depend on how parallel tasks interleave).
//   - error, last instead of expect: the run must fail with this text (for
//     errors with a position, rendered with the offending line and caret,
//     with positions relative to the fixture's own script).
//
// go test ./internal/e2e -rewrite replaces each failing case's expectation
// with what Sluice printed at parallelism 1. Review every rewritten line
// against Flink's semantics before committing: a wrong answer must stay
// failing, not be blessed.
//
// # Known bugs
//
// A case whose right answer Sluice does not give yet lives in
// testdata/known_bugs/*.txt with a "# known-bug: why" line. TestKnownBugs
// requires each of them to still fail, so fixing the bug fails the test
// until the case is moved back to its topic file. -rewrite never touches
// known_bugs.
package e2e
