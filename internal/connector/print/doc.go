// Package print is the 'print' connector: a sink that writes every change
// to standard output (or standard error) exactly as Flink's print connector
// does — "+I[1001, foo, 2020-04-15T08:05]" — prefixed per Flink's
// PrintSinkOutputWriter: "identifier:<subtask+1>> " when there is a
// 'print-identifier' and the sink runs in parallel, "identifier> " when it
// does not, "<subtask+1>> " without identifier in parallel, nothing
// otherwise.
//
// Each writer renders a whole batch into its own buffer and writes it to the
// shared output in one call under a lock, so lines of parallel writers never
// interleave. The outputs are injectable (New(stdout, stderr)) for tests.
// Start at print.go.
package print
