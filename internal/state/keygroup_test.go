package state

import "testing"

// Every key group belongs to exactly one subtask, SubtaskFor inverts
// RangeFor, and ranges are contiguous, for every parallelism up to the max.
func TestKeyGroupRanges(t *testing.T) {
	const maxPar = 128
	for par := 1; par <= maxPar; par++ {
		next := 0
		for s := 0; s < par; s++ {
			r := RangeFor(maxPar, par, s)
			if r.Start != next {
				t.Fatalf("par %d subtask %d starts at %d, want %d", par, s, r.Start, next)
			}
			for g := r.Start; g <= r.End; g++ {
				if got := SubtaskFor(maxPar, par, g); got != s {
					t.Fatalf("par %d: group %d in range of %d but SubtaskFor says %d", par, g, s, got)
				}
			}
			next = r.End + 1
		}
		if next != maxPar {
			t.Fatalf("par %d covers %d groups, want %d", par, next, maxPar)
		}
	}
}
