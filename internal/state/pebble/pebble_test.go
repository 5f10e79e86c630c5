package pebble

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/state/statetest"
)

const testUID = 0x5eed

var fullGroups = state.KeyGroupRange{Start: 0, End: state.DefaultMaxParallelism - 1}

func openDB(t testing.TB, memory int64) *DB {
	t.Helper()
	d, err := Open(Options{Dir: t.TempDir(), Memory: memory})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func backend(t testing.TB, d *DB, kg state.KeyGroupRange) *Backend {
	t.Helper()
	b, err := d.Backend(testUID, kg, state.DefaultMaxParallelism)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func newTestBackend(t *testing.T) state.Backend {
	return backend(t, openDB(t, 64<<20), fullGroups)
}

// checkpointDirs returns the checkpoint directories the files of a
// Snapshot into dir are in.
func checkpointDirs(dir string, files []string) []string {
	seen := map[string]bool{}
	var dirs []string
	for _, f := range files {
		top := strings.SplitN(filepath.ToSlash(f), "/", 2)[0]
		if !seen[top] {
			seen[top] = true
			dirs = append(dirs, filepath.Join(dir, top))
		}
	}
	return dirs
}

// reopen restores into a new DB: the suite's snapshots are of backends
// owning every key group, so restoring all of them takes the fast path
// (fastrestore.go) and a part of them the copy path.
func reopen(t *testing.T, dir string, files []string, kg state.KeyGroupRange) state.Backend {
	return reopenWith(t, dir, files, kg, false)
}

// reopenCopy restores by copying only.
func reopenCopy(t *testing.T, dir string, files []string, kg state.KeyGroupRange) state.Backend {
	return reopenWith(t, dir, files, kg, true)
}

func reopenWith(t *testing.T, dir string, files []string, kg state.KeyGroupRange, copyOnly bool) state.Backend {
	d := openDB(t, 64<<20)
	d.copyOnly = copyOnly
	st, err := d.Restore(testUID, kg, state.DefaultMaxParallelism, checkpointDirs(dir, files))
	if err != nil {
		t.Fatal(err)
	}
	if want := !copyOnly && kg == fullGroups; st.Fast != want {
		t.Fatalf("restore of %v: fast %t (%s), want %t", kg, st.Fast, st.Slow, want)
	}
	return backend(t, d, kg)
}

func TestConformance(t *testing.T) { statetest.Run(t, newTestBackend) }

func TestSnapshotConformance(t *testing.T) { statetest.RunSnapshot(t, newTestBackend, reopen) }

func TestSnapshotConformanceCopy(t *testing.T) {
	statetest.RunSnapshot(t, newTestBackend, reopenCopy)
}
