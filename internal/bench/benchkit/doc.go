// Package benchkit holds what the benchmark runners under internal/bench
// share: the process's resident memory, the size of a state directory on
// disk, and the SET statements that choose a state backend. It has no
// benchmark of its own.
package benchkit
