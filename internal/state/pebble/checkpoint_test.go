package pebble

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"

	"github.com/sluicehq/sluice/internal/state"
)

type intCodec struct{}

func (intCodec) Encode(dst []byte, v int) []byte { return fmt.Appendf(dst, "%d", v) }
func (intCodec) Decode(b []byte) (int, error) {
	var v int
	_, err := fmt.Sscanf(string(b), "%d", &v)
	return v, err
}

func intStore(t testing.TB, b state.Backend, name string) state.Store[int] {
	s, err := state.NewStore[int](b, name, intCodec{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func sharedFiles(t *testing.T, shared string) []string {
	ents, _ := os.ReadDir(shared)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// Incremental checkpoints add only new SSTs to shared/; restoring any
// retained one gives its state; deleting one removes only the shared
// files no retained checkpoint uses.
func TestSharedCheckpoints(t *testing.T) {
	d := openDB(t, 64<<20)
	b := backend(t, d, fullGroups)
	s := intStore(t, b, "s")
	root := t.TempDir()
	shared := filepath.Join(root, "shared")
	var dirs []string
	var ms []Manifest
	for n := 1; n <= 3; n++ {
		for i := 0; i < 2000; i++ {
			s.Put(int64(n), fmt.Appendf(nil, "k%d", i), n*10000+i)
		}
		dir := filepath.Join(root, fmt.Sprintf("chk-%d", n))
		os.MkdirAll(dir, 0o755)
		_, m, err := b.SnapshotShared(dir, shared)
		if err != nil {
			t.Fatal(err)
		}
		ents, _ := filepath.Glob(filepath.Join(dir, "*", "*.sst"))
		if len(ents) != 0 {
			t.Fatalf("checkpoint %d kept SSTs outside shared/: %v", n, ents)
		}
		// (Compactions may rewrite every file later; right after one
		// flush, the earlier SSTs are still live.)
		if n == 2 && len(m.Added) >= len(m.SSTs) {
			t.Fatalf("checkpoint %d is not incremental: added %d of %d SSTs", n, len(m.Added), len(m.SSTs))
		}
		dirs, ms = append(dirs, dir), append(ms, m)
	}
	// Nothing written: nothing added.
	again := filepath.Join(root, "again")
	os.MkdirAll(again, 0o755)
	if _, m, err := b.SnapshotShared(again, shared); err != nil || len(m.Added) != 0 {
		t.Fatalf("a checkpoint without new writes added %v (%v)", m.Added, err)
	}
	os.RemoveAll(again)
	restoreLen := func(dir string) int {
		d2 := openDB(t, 64<<20)
		cps, _ := filepath.Glob(filepath.Join(dir, "pebble-*"))
		if _, err := d2.Restore(testUID, fullGroups, 128, cps); err != nil {
			t.Fatal(err)
		}
		b2 := backend(t, d2, fullGroups)
		return intStore(t, b2, "s").Len()
	}
	for i, dir := range dirs {
		if n := restoreLen(dir); n != 2000*(i+1) {
			t.Fatalf("restore of checkpoint %d: Len %d", i+1, n)
		}
	}
	before := len(sharedFiles(t, shared))
	// Delete the first: its files still used by 2 and 3 stay.
	if err := DeleteCheckpoint(dirs[0], shared, dirs[1:]); err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, m := range ms[1:] {
		for _, f := range m.SSTs {
			used[f] = true
		}
	}
	after := sharedFiles(t, shared)
	for _, f := range after {
		if !used[f] {
			t.Fatalf("shared file %s survived though no retained checkpoint uses it", f)
		}
	}
	if len(after) != len(used) || len(after) > before {
		t.Fatalf("shared has %d files, want %d", len(after), len(used))
	}
	if n := restoreLen(dirs[2]); n != 6000 {
		t.Fatalf("restore of checkpoint 3 after deleting 1: Len %d", n)
	}
	for _, dir := range dirs[1:] {
		DeleteCheckpoint(dir, shared, nil)
	}
	if f := sharedFiles(t, shared); len(f) != 0 {
		t.Fatalf("shared not empty after deleting every checkpoint: %v", f)
	}
}

// A whole-DB CheckpointTo restores every instance.
func TestCheckpointTo(t *testing.T) {
	d := openDB(t, 64<<20)
	var bs [2]*Backend
	for sub := range bs {
		bs[sub] = backend(t, d, state.RangeFor(128, 2, sub))
		s := intStore(t, bs[sub], "s")
		for i := 0; i < 1000; i++ {
			k := fmt.Appendf(nil, "k%d", i)
			if state.RangeFor(128, 2, sub).Contains(state.KeyGroup(k, 128)) {
				s.Put(0, k, i)
			}
		}
		if err := bs[sub].Flush(); err != nil {
			t.Fatal(err)
		}
	}
	root := t.TempDir()
	if _, err := d.CheckpointTo(filepath.Join(root, "chk-1"), filepath.Join(root, "shared")); err != nil {
		t.Fatal(err)
	}
	d2 := openDB(t, 64<<20)
	if _, err := d2.Restore(testUID, fullGroups, 128, []string{filepath.Join(root, "chk-1")}); err != nil {
		t.Fatal(err)
	}
	if n := intStore(t, backend(t, d2, fullGroups), "s").Len(); n != 1000 {
		t.Fatalf("restored Len %d, want 1000", n)
	}
}

// A snapshot that fails part way (injected I/O errors in Pebble's file
// system while it links or copies the checkpoint) returns the error and
// leaves no checkpoint directory; the backend keeps working and a later
// snapshot succeeds.
func TestSnapshotFaults(t *testing.T) {
	var armed atomic.Bool
	inj := errorfs.InjectorFunc(func(op errorfs.Op) error {
		if armed.Load() && op.Kind.ReadOrWrite() == errorfs.OpIsWrite &&
			strings.Contains(op.Path, "snap") {
			return errorfs.ErrInjected
		}
		return nil
	})
	fs := errorfs.Wrap(vfs.Default, inj)
	d, err := Open(Options{Dir: t.TempDir(), Memory: 32 << 20, FS: fs})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	b := backend(t, d, fullGroups)
	s := intStore(t, b, "s")
	for i := 0; i < 5000; i++ {
		s.Put(0, fmt.Appendf(nil, "k%d", i), i)
	}
	dir := filepath.Join(t.TempDir(), "snap")
	os.MkdirAll(dir, 0o755)
	armed.Store(true)
	if _, err := b.Snapshot(dir); !errors.Is(err, errorfs.ErrInjected) {
		t.Fatalf("Snapshot with failing writes = %v", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("a failed snapshot left %d entries in its directory", len(ents))
	}
	armed.Store(false)
	s.Put(0, []byte("after"), 1)
	files, err := b.Snapshot(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := reopen(t, dir, files, fullGroups)
	if n := intStore(t, r, "s").Len(); n != 5001 {
		t.Fatalf("restored Len %d, want 5001", n)
	}
}

// Restoring a checkpoint whose shared SST is missing fails with the file
// named, and leaves no scratch directory behind.
func TestRestoreMissingShared(t *testing.T) {
	d := openDB(t, 64<<20)
	b := backend(t, d, fullGroups)
	s := intStore(t, b, "s")
	for i := 0; i < 100; i++ {
		s.Put(0, fmt.Appendf(nil, "k%d", i), i)
	}
	root := t.TempDir()
	shared := filepath.Join(root, "shared")
	_, m, err := b.SnapshotShared(root, shared)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range m.SSTs {
		os.Remove(filepath.Join(shared, f))
	}
	d2 := openDB(t, 64<<20)
	cps, _ := filepath.Glob(filepath.Join(root, "pebble-*"))
	if _, err := d2.Restore(testUID, fullGroups, 128, cps); err == nil || !strings.Contains(err.Error(), "shared SST") {
		t.Fatalf("Restore with a missing shared SST = %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(d2.dir, "restore-*")); len(left) != 0 {
		t.Fatalf("scratch left behind: %v", left)
	}
}
