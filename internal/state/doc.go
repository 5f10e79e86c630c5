// Package state is the keyed-state interface every stateful operator uses.
// A Backend belongs to one operator instance; NewStore creates a named,
// namespaced keyed store of values of one Go type.
//
// Keys are encoded bytes (types.AppendKey); namespaces are int64 (a window
// slice's end, or 0 for un-windowed state) so that a fired window's state
// can be dropped in one call.
//
// Contract for values: a value obtained by Get may be mutated in place, but
// the operator must call Put afterwards to persist the change. The heap
// backend (Heap, heap.go) keeps Go values and makes that Put cheap; a
// serialising backend (a BytesBackend, e.g. the disk backend of the next
// issue) encodes with the
// store's Codec on Put and decodes on Get. Stores are used by one goroutine.
//
// Appends: a store whose codec is an AppendCodec (encodings concatenate)
// can take Append, which on a byte backend that can append (Pebble, a merge
// operand) writes without reading; elsewhere it is Get, combine, Put
// (append.go).
//
// Snapshots: a backend that can be checkpointed is a Snapshotter; the heap
// writes one SLST file (heap_snapshot.go has the format) and RestoreHeap
// reads the key groups of one subtask back from one or more of them,
// keeping each store's bytes until NewStore claims it with its codec; a
// restored backend is a Claimer listing the stores nobody claimed.
//
// Rescaling: keyed state moves by key group; an operator's own state (a
// watermark, pending window ends) is an OperatorState, one entry per key
// group, so that a restore at another parallelism finds the old instances'
// entries in its key groups and merges them (operator_state.go;
// docs/design/state-and-checkpoints.md, "Rescaling"). Timers must use the
// state's key as their user key so that they move with it.
//
// The Pebble backend lives in internal/state/pebble; every backend passes
// the conformance suite in internal/state/statetest.
package state
