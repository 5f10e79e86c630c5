package pebble

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/state"
)

// snapshotInts writes n keys into store "s" of a fresh DB, half of them in
// namespace 1 and half in 2, and snapshots it; it returns the checkpoint
// directories.
func snapshotInts(t *testing.T, n int, kg state.KeyGroupRange) []string {
	t.Helper()
	b := backend(t, openDB(t, 64<<20), kg)
	s := intStore(t, b, "s")
	for i := 0; i < n; i++ {
		s.Put(int64(1+i%2), fmt.Appendf(nil, "k%d", i), i)
	}
	dir := t.TempDir()
	files, err := b.Snapshot(dir)
	if err != nil {
		t.Fatal(err)
	}
	return checkpointDirs(dir, files)
}

// Restore builds the tables' key filters as it copies the keys: the table
// takes a filter holding every restored key, sized in one bloom, and Get
// still finds every key (a filter missing one would hide it).
func TestRestoreBuildsFilter(t *testing.T) {
	const n = 100_000
	cps := snapshotInts(t, n, fullGroups)
	d := openDB(t, 64<<20)
	d.copyOnly = true
	st, err := d.Restore(testUID, fullGroups, state.DefaultMaxParallelism, cps)
	if err != nil {
		t.Fatal(err)
	}
	if st.Entries != n {
		t.Fatalf("restored %d entries, want %d", st.Entries, n)
	}
	b := backend(t, d, fullGroups)
	s := intStore(t, b, "s")
	tab := b.tables["s"]
	if len(tab.filter.blooms) != 1 || tab.filter.blooms[0].n != n || tab.filter.added != n {
		t.Fatalf("restored filter: %d blooms, first holding %d keys, added %d; want 1 bloom of %d", len(tab.filter.blooms), tab.filter.blooms[0].n, tab.filter.added, n)
	}
	if s.Len() != n {
		t.Fatalf("Len %d, want %d", s.Len(), n)
	}
	for i := 0; i < n; i++ {
		if v, ok := s.Get(int64(1+i%2), fmt.Appendf(nil, "k%d", i)); !ok || v != i {
			t.Fatalf("k%d: got %d, %t; want %d", i, v, ok, i)
		}
	}
	// Absent keys are mostly ruled out by the filter (about 1.5% pass).
	passed := 0
	for i := 0; i < 10_000; i++ {
		if tab.filter.mayContain(tab.encode(1, fmt.Appendf(nil, "absent%d", i))) {
			passed++
		}
	}
	if passed > 500 {
		t.Fatalf("the restored filter let %d of 10000 absent keys through", passed)
	}
	if d.takeFilter(testUID, fullGroups.Start, tab.id) != nil {
		t.Fatal("the restored filter was not handed over (still held by the DB)")
	}
}

// Restoring into two instances of half the key groups each gives each the
// filter of its own keys.
func TestRestoreFilterPerInstance(t *testing.T) {
	const n = 20_000
	cps := snapshotInts(t, n, fullGroups)
	d := openDB(t, 64<<20)
	halves := []state.KeyGroupRange{{Start: 0, End: 63}, {Start: 64, End: 127}}
	total := 0
	for _, kg := range halves {
		if _, err := d.Restore(testUID, kg, state.DefaultMaxParallelism, cps); err != nil {
			t.Fatal(err)
		}
		b := backend(t, d, kg)
		s := intStore(t, b, "s")
		tab := b.tables["s"]
		if tab.filter.added != s.Len() || s.Len() == 0 || s.Len() == n {
			t.Fatalf("instance %v: filter took %d keys, Len %d (of %d)", kg, tab.filter.added, s.Len(), n)
		}
		total += s.Len()
		for i := 0; i < n; i++ {
			k := fmt.Appendf(nil, "k%d", i)
			if !kg.Contains(state.KeyGroup(k, state.DefaultMaxParallelism)) {
				continue
			}
			if v, ok := s.Get(int64(1+i%2), k); !ok || v != i {
				t.Fatalf("instance %v, k%d: got %d, %t", kg, i, v, ok)
			}
		}
	}
	if total != n {
		t.Fatalf("the instances hold %d keys, want %d", total, n)
	}
}

// A checkpoint whose INSTANCE.json carries no format (written before the
// format was recorded) or an unknown one is refused, saying what to do; so
// is a directory with neither INSTANCE.json nor SHARED.json.
func TestRestoreRefusesUnknownFormat(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(t *testing.T, cp string)
		want string
	}{
		{"no format", func(t *testing.T, cp string) { setFormat(t, cp, nil) }, "without a format version"},
		{"format 1", func(t *testing.T, cp string) { one := 1; setFormat(t, cp, &one) }, "format 1, this Sluice reads format 2"},
		{"format 3", func(t *testing.T, cp string) { three := 3; setFormat(t, cp, &three) }, "format 3, this Sluice reads format 2"},
		{"no instance file", func(t *testing.T, cp string) {
			if err := os.Remove(filepath.Join(cp, InstanceFile)); err != nil {
				t.Fatal(err)
			}
		}, "format is unknown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cps := snapshotInts(t, 100, fullGroups)
			tc.edit(t, cps[0])
			d := openDB(t, 64<<20)
			_, err := d.Restore(testUID, fullGroups, state.DefaultMaxParallelism, cps)
			if !errors.Is(err, ErrStateFormat) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "start the job without it") {
				t.Fatalf("got %v; want ErrStateFormat saying %q and what to do", err, tc.want)
			}
		})
	}
	// The format written now restores.
	cps := snapshotInts(t, 100, fullGroups)
	in, err := readInstance(cps[0])
	if err != nil || in.Format != stateFormat {
		t.Fatalf("INSTANCE.json: %+v, %v; want format %d", in, err, stateFormat)
	}
}

// setFormat rewrites the format of cp's INSTANCE.json (nil: drops it).
func setFormat(t *testing.T, cp string, format *int) {
	t.Helper()
	path := filepath.Join(cp, InstanceFile)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if _, ok := m["format"]; !ok {
		t.Fatalf("%s has no format field: %s", path, data)
	}
	delete(m, "format")
	if format != nil {
		m["format"] = *format
	}
	data, _ = json.Marshal(m)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
