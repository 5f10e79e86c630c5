package optest

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/state/pebble"
	"github.com/sluicehq/sluice/internal/state/statetest"
	"github.com/sluicehq/sluice/internal/types"
)

// Backend is a state backend the operator tests run against.
type Backend struct {
	Name string
	New  func(t testing.TB) state.Backend
}

// Backends are the heap and the Pebble backend, each owning every key group.
var Backends = []Backend{
	{"heap", func(testing.TB) state.Backend { return state.NewHeap() }},
	{"pebble", NewPebble},
}

// ForBackends runs fn as a subtest per backend in Backends.
func ForBackends(t *testing.T, fn func(t *testing.T, be Backend)) {
	for _, be := range Backends {
		t.Run(be.Name, func(t *testing.T) { fn(t, be) })
	}
}

const pebbleUID = 0x7e3b

var allGroups = state.KeyGroupRange{Start: 0, End: state.DefaultMaxParallelism - 1}

// NewPebble returns a Pebble backend owning every key group in a new DB,
// closed when the test ends.
func NewPebble(t testing.TB) state.Backend { return openPebble(t, allGroups, nil) }

// openPebble returns a Pebble backend owning key groups r in a new DB,
// restored from the checkpoint directories cps if any.
func openPebble(t testing.TB, r state.KeyGroupRange, cps []string) state.Backend {
	t.Helper()
	d, err := pebble.Open(pebble.Options{Dir: t.TempDir(), Memory: 16 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if len(cps) > 0 {
		if _, err := d.Restore(pebbleUID, r, state.DefaultMaxParallelism, cps); err != nil {
			t.Fatal(err)
		}
	}
	b, err := d.Backend(pebbleUID, r, state.DefaultMaxParallelism)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// Subtask is the key groups of subtask 1 of 2, which the restore backends
// own: a test feeds them only keys a keyed exchange sends there.
var Subtask = state.RangeFor(state.DefaultMaxParallelism, 2, 1)

// InSubtask reports whether key (types.AppendKey or AppendValueKey bytes)
// belongs to Subtask.
func InSubtask(key []byte) bool {
	return Subtask.Contains(state.KeyGroup(key, state.DefaultMaxParallelism))
}

// RestoreBackend hands a new operator instance the state of the previous
// one, as a restore from a checkpoint does.
type RestoreBackend struct {
	Name    string
	Fresh   func(t testing.TB) state.Backend
	Restore func(t testing.TB, b state.Backend) state.Backend
}

// HeapSnapshot snapshots a heap backend and restores the files as subtask
// 1 of 2: operator-scoped state must survive the key-group filter.
var HeapSnapshot = RestoreBackend{"heap-snapshot",
	func(testing.TB) state.Backend { return state.NewHeapFor(Subtask, state.DefaultMaxParallelism) },
	func(t testing.TB, b state.Backend) state.Backend {
		dir := t.TempDir()
		files, err := b.(state.Snapshotter).Snapshot(dir)
		if err != nil {
			t.Fatal(err)
		}
		for i := range files {
			files[i] = filepath.Join(dir, files[i])
		}
		h, err := state.RestoreHeap(files, Subtask, state.DefaultMaxParallelism)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}}

// BytesReopen is a byte backend reused by the new instance: everything
// goes through the codecs, and timers live only in their store.
var BytesReopen = RestoreBackend{"bytes-reopen",
	func(testing.TB) state.Backend { return statetest.NewMemBytes() },
	func(_ testing.TB, b state.Backend) state.Backend { return b }}

// PebbleCheckpoint checkpoints a Pebble backend owning every key group and
// restores the checkpoint into a new DB, as a restarted job does.
var PebbleCheckpoint = PebbleCheckpointFor(allGroups)

// PebbleCheckpointFor is PebbleCheckpoint with backends owning key groups r
// (Subtask: as subtask 1 of 2).
func PebbleCheckpointFor(r state.KeyGroupRange) RestoreBackend {
	return RestoreBackend{"pebble-checkpoint",
		func(t testing.TB) state.Backend { return openPebble(t, r, nil) },
		func(t testing.TB, b state.Backend) state.Backend {
			dir := t.TempDir()
			files, err := b.(state.Snapshotter).Snapshot(dir)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			var cps []string
			for _, f := range files {
				top := strings.SplitN(filepath.ToSlash(f), "/", 2)[0]
				if !seen[top] {
					seen[top] = true
					cps = append(cps, filepath.Join(dir, top))
				}
			}
			if len(cps) == 0 {
				t.Fatalf("the pebble snapshot in %s has no files", dir)
			}
			return openPebble(t, r, cps)
		}}
}

// RestoreBackends are HeapSnapshot, BytesReopen and PebbleCheckpoint.
var RestoreBackends = []RestoreBackend{HeapSnapshot, BytesReopen, PebbleCheckpoint}

// Run drives an operator that is restarted from its state on request: its
// backend restored into a new operator instance.
type Run struct {
	T       testing.TB
	Backend RestoreBackend
	State   state.Backend // the current instance's
	H       *Harness      // the current instance's
	open    func(b state.Backend, now int64) *Harness
}

// NewRun opens the first instance on a fresh backend of be; open opens a
// new instance on b with processing time now (and the same Output, so the
// run's output accumulates across restarts).
func NewRun(t testing.TB, be RestoreBackend, open func(b state.Backend, now int64) *Harness) *Run {
	t.Helper()
	r := &Run{T: t, Backend: be, open: open}
	r.State = be.Fresh(t)
	r.H = open(r.State, 0)
	return r
}

// Restart prepares a snapshot, closes the operator and opens a new
// instance on the restored state at the same processing time.
func (r *Run) Restart() {
	r.T.Helper()
	if p, ok := r.H.Op.(operator.SnapshotPreparer); ok {
		if err := p.PrepareSnapshot(); err != nil {
			r.T.Fatal(err)
		}
	}
	if err := r.H.Op.Close(); err != nil {
		r.T.Fatal(err)
	}
	r.State = r.Backend.Restore(r.T, r.State)
	r.H = r.open(r.State, r.H.Now)
}

// SubtaskKeys returns the first n STRING keys prefix0, prefix1, … that a
// keyed exchange sends to Subtask.
func SubtaskKeys(prefix string, n int) []string {
	var keys []string
	for i := 0; len(keys) < n; i++ {
		k := prefix + strconv.Itoa(i)
		if InSubtask(types.AppendValueKey(nil, types.StringValue(k))) {
			keys = append(keys, k)
		}
	}
	return keys
}
