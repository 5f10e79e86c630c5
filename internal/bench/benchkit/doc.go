// Package benchkit holds what the benchmark runners under internal/bench
// share: the process's CPU time and resident memory, the size of a state
// directory on disk, the SET statements that choose a state backend and a
// temporary Pebble working directory, running a script while sampling the
// engine every second, and the median of several runs. It has no benchmark
// of its own.
package benchkit
