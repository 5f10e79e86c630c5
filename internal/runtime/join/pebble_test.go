package join

import (
	"path/filepath"
	"testing"

	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/state/pebble"
)

// openPebble returns a Pebble backend for one operator instance in dir.
func openPebble(t *testing.T, dir string) state.Backend {
	t.Helper()
	return openPebbleFor(t, dir, state.KeyGroupRange{Start: 0, End: state.DefaultMaxParallelism - 1}, nil)
}

// openPebbleFor returns a Pebble backend owning key groups r in a new DB
// in dir, restored from the checkpoints cps if any.
func openPebbleFor(t *testing.T, dir string, r state.KeyGroupRange, cps []string) state.Backend {
	t.Helper()
	d, err := pebble.Open(pebble.Options{Dir: dir, Memory: 16 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if len(cps) > 0 {
		if _, err := d.Restore(1, r, state.DefaultMaxParallelism, cps); err != nil {
			t.Fatal(err)
		}
	}
	b, err := d.Backend(1, r, state.DefaultMaxParallelism)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		b.Close()
		d.Close()
	})
	return b
}

// pebbleRestore checkpoints a Pebble backend and restores the checkpoint
// into a new DB, as a job restarted from a checkpoint does.
var pebbleRestore = restoreBackend{"pebble-checkpoint",
	func(t *testing.T) state.Backend { return openPebbleFor(t, t.TempDir(), subtask, nil) },
	func(t *testing.T, b state.Backend) state.Backend {
		dir := t.TempDir()
		if _, err := b.(*pebble.Backend).Snapshot(dir); err != nil {
			t.Fatal(err)
		}
		cps, _ := filepath.Glob(filepath.Join(dir, "pebble-*"))
		if len(cps) == 0 {
			t.Fatalf("the pebble snapshot in %s has no pebble-* directory", dir)
		}
		return openPebbleFor(t, t.TempDir(), subtask, cps)
	}}
