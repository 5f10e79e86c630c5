package statetest

import (
	"fmt"
	"path/filepath"
	"sort"
	"testing"

	"github.com/sluicehq/sluice/internal/state"
)

// Reopen restores a backend owning keyGroups (of
// state.DefaultMaxParallelism) from the files a Snapshot into dir returned
// (relative to dir); the files may come from several snapshots (the
// subtasks of a run at another parallelism).
type Reopen func(t *testing.T, dir string, files []string, keyGroups state.KeyGroupRange) state.Backend

// RunSnapshot runs the snapshot and restore suite. newBackend must return
// an empty backend owning every key group of state.DefaultMaxParallelism
// that implements state.Snapshotter.
func RunSnapshot(t *testing.T, newBackend func(t *testing.T) state.Backend, reopen Reopen) {
	t.Run("RoundTrip", func(t *testing.T) { roundTrip(t, newBackend, reopen) })
	t.Run("SplitKeyGroups", func(t *testing.T) { splitKeyGroups(t, newBackend, reopen) })
	t.Run("SnapshotRestoreTwice", func(t *testing.T) { restoreTwice(t, newBackend, reopen) })
	t.Run("Empty", func(t *testing.T) { emptySnapshot(t, newBackend, reopen) })
}

var full = state.KeyGroupRange{Start: 0, End: state.DefaultMaxParallelism - 1}

func snapshot(t *testing.T, b state.Backend) (string, []string) {
	sn, ok := b.(state.Snapshotter)
	if !ok {
		t.Fatalf("backend %q is not a state.Snapshotter", b.Kind())
	}
	dir := t.TempDir()
	files, err := sn.Snapshot(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("Snapshot returned no files")
	}
	for _, f := range files {
		if filepath.IsAbs(f) {
			t.Fatalf("Snapshot returned an absolute path %q; want paths relative to dir", f)
		}
	}
	return dir, files
}

// fill writes ns -3..3 × 200 keys into s; i in the value tells fills apart.
func fill(s state.Store[int], i int) {
	for ns := int64(-3); ns <= 3; ns++ {
		for k := 0; k < 200; k++ {
			s.Put(ns, fmt.Appendf(nil, "key-%d", k), i*1_000_000+int(ns)*1000+k)
		}
	}
}

// dump is every entry of every namespace fill writes, as "ns/key=value".
func dump(s state.Store[int]) []string {
	var out []string
	for ns := int64(-3); ns <= 3; ns++ {
		for _, e := range collect(s, ns) {
			out = append(out, fmt.Sprintf("%d/%s", ns, e))
		}
	}
	sort.Strings(out)
	return out
}

func roundTrip(t *testing.T, newBackend func(*testing.T) state.Backend, reopen Reopen) {
	b := newBackend(t)
	a, gone := store(t, b, "a"), store(t, b, "gone")
	fill(a, 1)
	fill(gone, 2)
	a.Delete(0, []byte("key-7"))
	a.DropNamespace(-2)
	want, wantLen := dump(a), a.Len()
	dir, files := snapshot(t, b)
	// Writes after the snapshot are not in it.
	fill(a, 3)
	a.Put(0, []byte("late"), 1)

	r := reopen(t, dir, files, full)
	ra := store(t, r, "a")
	if got := dump(ra); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("restored entries differ: %d entries, want %d", len(got), len(want))
	}
	if ra.Len() != wantLen {
		t.Fatalf("restored Len = %d, want %d", ra.Len(), wantLen)
	}
	if _, ok := ra.Get(0, []byte("late")); ok {
		t.Fatal("a write after the snapshot was restored")
	}
	if c, ok := r.(state.Claimer); ok {
		if u := c.Unclaimed(); fmt.Sprint(u) != "[gone]" {
			t.Fatalf("Unclaimed = %v, want [gone]", u)
		}
		store(t, r, "gone")
		if u := c.Unclaimed(); len(u) != 0 {
			t.Fatalf("Unclaimed after claiming = %v", u)
		}
	}
	// The restored store is writable and keeps Len exact.
	ra.Put(0, []byte("key-7"), 7)
	ra.Put(0, []byte("key-8"), 8)
	if ra.Len() != wantLen+1 {
		t.Fatalf("Len after writes = %d, want %d", ra.Len(), wantLen+1)
	}
}

// splitKeyGroups restores one snapshot as two subtasks: each half holds
// only its key groups, and together they hold everything.
func splitKeyGroups(t *testing.T, newBackend func(*testing.T) state.Backend, reopen Reopen) {
	b := newBackend(t)
	a := store(t, b, "a")
	fill(a, 1)
	want := dump(a)
	dir, files := snapshot(t, b)
	var union []string
	total := 0
	for sub := 0; sub < 2; sub++ {
		kg := state.RangeFor(state.DefaultMaxParallelism, 2, sub)
		s := store(t, reopen(t, dir, files, kg), "a")
		for ns := int64(-3); ns <= 3; ns++ {
			s.Range(ns, func(k []byte, v int) bool {
				if g := state.KeyGroup(k, state.DefaultMaxParallelism); !kg.Contains(g) {
					t.Fatalf("subtask %d (%v) restored key %q of key group %d", sub, kg, k, g)
				}
				return true
			})
		}
		union = append(union, dump(s)...)
		total += s.Len()
	}
	sort.Strings(union)
	if fmt.Sprint(union) != fmt.Sprint(want) || total != len(want) {
		t.Fatalf("halves hold %d entries (Len %d), want %d", len(union), total, len(want))
	}
}

func restoreTwice(t *testing.T, newBackend func(*testing.T) state.Backend, reopen Reopen) {
	b := newBackend(t)
	fill(store(t, b, "a"), 1)
	dir, files := snapshot(t, b)
	r := reopen(t, dir, files, full)
	s := store(t, r, "a")
	s.DropNamespace(1)
	s.Put(2, []byte("new"), 42)
	s.Delete(3, []byte("key-0"))
	want, wantLen := dump(s), s.Len()
	dir2, files2 := snapshot(t, r)
	s2 := store(t, reopen(t, dir2, files2, full), "a")
	if got := dump(s2); fmt.Sprint(got) != fmt.Sprint(want) || s2.Len() != wantLen {
		t.Fatalf("second restore: %d entries, Len %d; want %d, %d", len(got), s2.Len(), len(want), wantLen)
	}
}

func emptySnapshot(t *testing.T, newBackend func(*testing.T) state.Backend, reopen Reopen) {
	b := newBackend(t)
	store(t, b, "a")
	dir, files := snapshot(t, b)
	s := store(t, reopen(t, dir, files, full), "a")
	if s.Len() != 0 || len(dump(s)) != 0 {
		t.Fatalf("empty snapshot restored %d entries", s.Len())
	}
}
