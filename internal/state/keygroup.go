package state

import "github.com/sluicehq/sluice/internal/types"

// DefaultMaxParallelism is the number of key groups when
// 'pipeline.max-parallelism' is not set (Flink's default for small jobs).
const DefaultMaxParallelism = 128

// KeyGroup returns the key group of an encoded key (types.AppendKey): the
// hash the keyed exchange routes by, modulo the number of key groups.
func KeyGroup(key []byte, maxParallelism int) int {
	return int(types.HashKey(key) % uint64(maxParallelism))
}

// KeyGroupRange is the inclusive range of key groups one subtask owns.
type KeyGroupRange struct{ Start, End int }

// Contains reports whether key group g is in the range.
func (r KeyGroupRange) Contains(g int) bool { return g >= r.Start && g <= r.End }

// RangeFor returns the key groups of a subtask, as Flink assigns them:
// contiguous ranges, so a snapshot splits cleanly when parallelism changes.
func RangeFor(maxParallelism, parallelism, subtask int) KeyGroupRange {
	start := (subtask*maxParallelism + parallelism - 1) / parallelism
	end := ((subtask+1)*maxParallelism+parallelism-1)/parallelism - 1
	return KeyGroupRange{Start: start, End: end}
}

// SubtaskFor returns the subtask that owns key group g (the inverse of
// RangeFor).
func SubtaskFor(maxParallelism, parallelism, g int) int {
	return g * parallelism / maxParallelism
}
