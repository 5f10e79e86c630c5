package rank

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/state/statetest"
	"github.com/sluicehq/sluice/internal/types"
)

// restoreBackend hands a new operator instance the state of the previous
// one, as a restore from a checkpoint does.
type restoreBackend struct {
	name    string
	fresh   func(t *testing.T) state.Backend
	restore func(t *testing.T, b state.Backend) state.Backend
}

var subtask = state.RangeFor(state.DefaultMaxParallelism, 2, 1)

var restoreBackends = []restoreBackend{
	{"heap-snapshot", func(*testing.T) state.Backend {
		// Subtask 1 of 2: operator-scoped state must survive the key-group
		// filter of the restore.
		return state.NewHeapFor(subtask, state.DefaultMaxParallelism)
	}, func(t *testing.T, b state.Backend) state.Backend {
		dir := t.TempDir()
		files, err := b.(state.Snapshotter).Snapshot(dir)
		if err != nil {
			t.Fatal(err)
		}
		for i := range files {
			files[i] = dir + "/" + files[i]
		}
		h, err := state.RestoreHeap(files, subtask, state.DefaultMaxParallelism)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}},
	// Byte backends reused by the new instance: everything goes through the
	// codecs, TTL timers live in their store.
	{"bytes-reopen", func(*testing.T) state.Backend { return statetest.NewMemBytes() },
		func(_ *testing.T, b state.Backend) state.Backend { return b }},
	{"pebble-checkpoint", func(t *testing.T) state.Backend { return newPebble(t) },
		func(t *testing.T, b state.Backend) state.Backend { return restorePebble(t, b) }},
}

// inSubtask reports whether a keyed exchange would send row to subtask 1
// of 2 (whose key groups the heap restore keeps).
func inSubtask(x *plan.Rank, row types.Row) bool {
	return subtask.Contains(state.KeyGroup(types.AppendKey(nil, row, x.PartitionKeys), state.DefaultMaxParallelism))
}

// step is one input of a restore test: a change whose sender had emitted
// watermark iwm, or (row == nil) an operator watermark wm.
type step struct {
	iwm int64
	c   change
	wm  int64
	now int64
}

// randomInput makes n steps over 4 keys: inserts with random values and
// rowtimes somewhat out of order, retractions of earlier rows when the input
// is updating, watermarks 20 ms behind, processing time advancing.
func randomInput(rnd *rand.Rand, x *plan.Rank, n int, updating bool) []step {
	var steps []step
	var live []types.Row
	now, t := int64(0), int64(0)
	for i := 0; i < n; i++ {
		now += int64(rnd.IntN(3)) * ms
		t += int64(rnd.IntN(4))
		iwm := t - 20
		if rnd.IntN(8) == 0 && iwm >= 0 {
			steps = append(steps, step{wm: iwm, now: now})
			continue
		}
		if updating && len(live) > 0 && rnd.IntN(3) == 0 {
			j := rnd.IntN(len(live))
			kind := types.Delete
			if rnd.IntN(2) == 0 {
				kind = types.UpdateBefore
			}
			steps = append(steps, step{iwm: iwm, c: change{kind, live[j]}, now: now})
			live = append(live[:j], live[j+1:]...)
			continue
		}
		v, ts := int64(rnd.IntN(30)), max(0, t-int64(rnd.IntN(30)))
		row := r(fmt.Sprint("k", rnd.IntN(4)), fmt.Sprint("id", i), v, ts)
		for k := 4; !inSubtask(x, row); k++ {
			row = r(fmt.Sprint("k", k), fmt.Sprint("id", i), v, ts)
		}
		live = append(live, row)
		steps = append(steps, step{iwm: iwm, c: ins(row), now: now})
	}
	return append(steps, step{wm: -1, now: now})
}

type run struct {
	t   *testing.T
	x   *plan.Rank
	be  restoreBackend
	b   state.Backend
	h   *harness
	out *collector
	ttl int64
}

func newRun(t *testing.T, x *plan.Rank, be restoreBackend, ttl int64) *run {
	ru := &run{t: t, x: x, be: be, out: &collector{}, ttl: ttl}
	ru.open(be.fresh(t), 0)
	return ru
}

func (ru *run) open(b state.Backend, now int64) {
	ru.t.Helper()
	ru.b = b
	ru.h = newHarnessOut(ru.t, ru.x, b, ru.ttl, ru.out, now)
}

func (ru *run) restart() {
	ru.t.Helper()
	if err := ru.h.op.(operator.SnapshotPreparer).PrepareSnapshot(); err != nil {
		ru.t.Fatal(err)
	}
	if err := ru.h.op.Close(); err != nil {
		ru.t.Fatal(err)
	}
	ru.open(ru.be.restore(ru.t, ru.b), ru.h.now)
}

func (ru *run) feed(steps []step) {
	ru.t.Helper()
	for _, s := range steps {
		ru.h.now = s.now
		if s.c.row == nil {
			ru.h.wm(s.wm)
			continue
		}
		ru.h.rows(max(s.iwm, -1), s.c)
	}
}

// Operators stopped at several points, checkpointed and restored into new
// instances produce exactly the output of an uninterrupted run.
func TestRestore(t *testing.T) {
	cases := []struct {
		name     string
		x        *plan.Rank
		updating bool
		ttl      int64
	}{
		{"topn-append", rankNode(plan.AppendOnly, byVDesc, 1, 3, false), false, 0},
		{"topn-append-rank-ttl", rankNode(plan.AppendOnly, byVDesc, 1, 3, true), false, 40 * ms},
		{"topn-updates-rank", rankNode(plan.Updates, byVDesc, 1, 2, true), true, 0},
		{"dedup-first", dedupNode(cTS, false, false), false, 0},
		{"dedup-last-ttl", dedupNode(cPT, true, false), false, 30 * ms},
		{"window-top2", windowNode(byVDesc, 2, true), false, 0},
	}
	for _, c := range cases {
		for _, be := range restoreBackends {
			t.Run(c.name+"/"+be.name, func(t *testing.T) {
				steps := randomInput(rand.New(rand.NewPCG(7, uint64(len(c.name)))), c.x, 500, c.updating)
				whole := newRun(t, c.x, be, c.ttl)
				whole.feed(steps)
				split := newRun(t, c.x, be, c.ttl)
				for i := 0; i < len(steps); i += 41 {
					split.feed(steps[i:min(i+41, len(steps))])
					split.restart()
				}
				a, b := whole.out.take(), split.out.take()
				if len(a) < 60 {
					t.Fatalf("only %d output lines: the input does not test much", len(a))
				}
				if strings.Join(a, "\n") != strings.Join(b, "\n") {
					t.Errorf("restored run differs:\nuninterrupted:\n  %s\nrestored:\n  %s", strings.Join(a, "\n  "), strings.Join(b, "\n  "))
				}
			})
		}
	}
}
