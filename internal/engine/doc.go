// Package engine runs SQL scripts: it parses them, feeds each statement to
// an analyzer session, and turns INSERTs and queries into running jobs
// (optimizer → physical planner → runtime). It is the library behind
// `sluice run`; the CLI only wires flags, signals and the terminal to it.
//
// Job semantics follow Flink's SQL client: each INSERT INTO (or statement
// set) starts a job that runs in the background while the script goes on; a
// bare SELECT runs in the foreground and prints its changelog as a table;
// when the script ends, Run waits for the background jobs. A failed job
// cancels the others and Run returns its error.
//
// Settings (SET 'key' = 'value') are declared as config specs in
// settings.go.
package engine
