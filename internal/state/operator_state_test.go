package state

import (
	"encoding/binary"
	"path/filepath"
	"slices"
	"testing"
)

// writeInstances snapshots old instances at parallelism par, instance i
// writing value 1000*i + g into each key group g it owns, and returns
// their heap files.
func writeInstances(t *testing.T, par int) []string {
	t.Helper()
	var files []string
	for i := 0; i < par; i++ {
		h := NewHeapFor(RangeFor(DefaultMaxParallelism, par, i), DefaultMaxParallelism)
		o, err := NewOperatorState[int](h, "meta", intCodec{})
		if err != nil {
			t.Fatal(err)
		}
		if got := o.Restored(); len(got) != 0 {
			t.Fatalf("a fresh operator state holds %v", got)
		}
		r := o.Groups()
		if err := o.Put((r.End+1)%DefaultMaxParallelism, 0); err == nil {
			t.Fatalf("Put into key group %d, outside %v, succeeded", (r.End+1)%DefaultMaxParallelism, r)
		}
		for g := r.Start; g <= r.End; g++ {
			if err := o.Put(g, 1000*i+g); err != nil {
				t.Fatal(err)
			}
		}
		dir := t.TempDir()
		h.SetSnapshotName("heap.state")
		if _, err := h.Snapshot(dir); err != nil {
			t.Fatal(err)
		}
		files = append(files, filepath.Join(dir, "heap.state"))
	}
	return files
}

// Operator state written at parallelism 2 restores at 1, 2 and 3: each new
// instance finds exactly one entry per key group it owns, written by the
// old instance that owned that group, and knows whether it was rescaled.
func TestOperatorStateRedistributes(t *testing.T) {
	files := writeInstances(t, 2)
	for _, par := range []int{1, 2, 3} {
		for i := 0; i < par; i++ {
			r := RangeFor(DefaultMaxParallelism, par, i)
			h, err := RestoreHeap(files, r, DefaultMaxParallelism)
			if err != nil {
				t.Fatal(err)
			}
			o, err := NewOperatorState[int](h, "meta", intCodec{})
			if err != nil {
				t.Fatal(err)
			}
			got := o.Restored()
			if len(got) != r.End-r.Start+1 {
				t.Fatalf("parallelism %d, instance %d: %d entries for key groups %d-%d", par, i, len(got), r.Start, r.End)
			}
			for j, e := range got {
				old := SubtaskFor(DefaultMaxParallelism, 2, e.Group)
				if e.Group != r.Start+j || e.Value != 1000*old+e.Group || e.From != RangeFor(DefaultMaxParallelism, 2, old) {
					t.Fatalf("parallelism %d, instance %d: entry %d is %+v, want group %d from instance %d", par, i, j, e, r.Start+j, old)
				}
			}
			if o.Rescaled(got) != (par != 2) {
				t.Fatalf("parallelism %d: Rescaled = %v", par, o.Rescaled(got))
			}
		}
	}
}

// legacyOperatorKey is the key operator-scoped state had before
// OperatorState: name and the smallest uvarint suffix hashing into the
// instance's key groups.
func legacyOperatorKey(name string, r KeyGroupRange) []byte {
	for i := uint64(0); ; i++ {
		k := binary.AppendUvarint([]byte(name), i)
		if r.Contains(KeyGroup(k, DefaultMaxParallelism)) {
			return k
		}
	}
}

// An entry written before OperatorState (one per instance, at the legacy
// key, without a key-group range) is found in its key group and reported
// with the instance's own range.
func TestOperatorStateReadsLegacyEntry(t *testing.T) {
	r := RangeFor(DefaultMaxParallelism, 2, 1)
	h := NewHeapFor(r, DefaultMaxParallelism)
	s, err := NewStore[int](h, "meta", intCodec{})
	if err != nil {
		t.Fatal(err)
	}
	key := legacyOperatorKey("meta", r)
	s.Put(0, key, 42)
	dir := t.TempDir()
	if _, err := h.Snapshot(dir); err != nil {
		t.Fatal(err)
	}
	h2, err := RestoreHeap([]string{filepath.Join(dir, DefaultHeapSnapshotName)}, r, DefaultMaxParallelism)
	if err != nil {
		t.Fatal(err)
	}
	o, err := NewOperatorState[int](h2, "meta", intCodec{})
	if err != nil {
		t.Fatal(err)
	}
	got := o.Restored()
	if len(got) != 1 || got[0].Value != 42 || got[0].From != r || got[0].Group != KeyGroup(key, DefaultMaxParallelism) || o.Rescaled(got) {
		t.Fatalf("legacy entry restored as %+v", got)
	}
	_, _, keys, err := OperatorKeys(h2, "meta")
	if err != nil || !slices.ContainsFunc(keys, func(k []byte) bool { return string(k) == string(key) }) {
		t.Fatalf("legacy key %q is not among OperatorKeys (%v)", key, err)
	}
}
