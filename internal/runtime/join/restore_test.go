package join

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
		// Subtask 1 of 2: the restore keeps only its key groups.
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
	// A byte backend reused by the new instance: everything goes through
	// the codecs, and timers live only in their store.
	{"bytes-reopen", func(*testing.T) state.Backend { return statetest.NewMemBytes() },
		func(_ *testing.T, b state.Backend) state.Backend { return b }},
}

// subtaskKeys are keys a keyed exchange would send to subtask 1 of 2.
var subtaskKeys = func() []string {
	var keys []string
	for i := 0; len(keys) < 4; i++ {
		k := fmt.Sprint("k", i)
		if subtask.Contains(state.KeyGroup(types.AppendValueKey(nil, S(k)), state.DefaultMaxParallelism)) {
			keys = append(keys, k)
		}
	}
	return keys
}()

// event is a batch on one side (rows != nil) whose sender had emitted iwm
// (ms, -1 none), or an operator watermark (ms, -1 end of time).
type event struct {
	side int
	iwm  int64
	kind types.RowKind
	rows []types.Row
	wm   int64
}

func changelogInput(rnd *rand.Rand, n int) []event {
	var evs []event
	live := [2][]types.Row{}
	for i := 0; i < n; i++ {
		s := rnd.IntN(2)
		if len(live[s]) > 0 && rnd.IntN(3) == 0 {
			j := rnd.IntN(len(live[s]))
			r := live[s][j]
			live[s] = append(live[s][:j], live[s][j+1:]...)
			evs = append(evs, event{side: s, iwm: -1, kind: [...]types.RowKind{del, ub}[rnd.IntN(2)], rows: []types.Row{r}})
			continue
		}
		r := row(S(subtaskKeys[rnd.IntN(len(subtaskKeys))]), I(int64(rnd.IntN(5))))
		live[s] = append(live[s], r)
		evs = append(evs, event{side: s, iwm: -1, kind: [...]types.RowKind{ins, ua}[rnd.IntN(2)], rows: []types.Row{r}})
	}
	return evs
}

// timedInput is append-only rows about now, the sender's watermark 6 ms
// behind, the operator's lagging; mk builds a row from key, value and time.
func timedInput(rnd *rand.Rand, n int, mk func(k string, v, tMs int64) types.Row) []event {
	var evs []event
	now, opWM := int64(20), int64(-1)
	for i := 0; i < n; i++ {
		now += int64(rnd.IntN(3))
		sender := now - 6
		if rnd.IntN(5) == 0 && sender > opWM {
			opWM += 1 + int64(rnd.IntN(int(sender-opWM)))
			evs = append(evs, event{wm: opWM})
			continue
		}
		var rows []types.Row
		for j := rnd.IntN(3); j >= 0; j-- {
			rows = append(rows, mk(subtaskKeys[rnd.IntN(len(subtaskKeys))], int64(rnd.IntN(100)), now-int64(rnd.IntN(10))))
		}
		evs = append(evs, event{side: rnd.IntN(2), iwm: sender, kind: ins, rows: rows})
	}
	return append(evs, event{wm: -1})
}

// ownKeys keeps the rows whose join key the keyed exchange would send to
// the subtask (a window join's key includes the window).
func ownKeys(x *plan.Join, evs []event) []event {
	var out []event
	keys := [2][]int{x.LeftKeys, x.RightKeys}
	for _, e := range evs {
		if e.rows == nil {
			out = append(out, e)
			continue
		}
		var rows []types.Row
		for _, r := range e.rows {
			if subtask.Contains(state.KeyGroup(types.AppendKey(nil, r, keys[e.side]), state.DefaultMaxParallelism)) {
				rows = append(rows, r)
			}
		}
		if rows != nil {
			e.rows = rows
			out = append(out, e)
		}
	}
	return out
}

type run struct {
	t   *testing.T
	x   *plan.Join
	be  restoreBackend
	b   state.Backend
	h   *harness
	out *collector
}

func newRun(t *testing.T, x *plan.Join, be restoreBackend) *run {
	r := &run{t: t, x: x, be: be, out: &collector{schema: x.Schema()}}
	r.open(be.fresh(t))
	return r
}

func (r *run) open(b state.Backend) {
	r.t.Helper()
	op, err := New(r.x)
	if err != nil {
		r.t.Fatal(err)
	}
	r.b = b
	r.h = &harness{t: r.t, x: r.x, op: op, out: r.out}
	r.h.open(b, 0)
}

func (r *run) restart() {
	r.t.Helper()
	if err := r.h.op.(operator.SnapshotPreparer).PrepareSnapshot(); err != nil {
		r.t.Fatal(err)
	}
	if err := r.h.op.Close(); err != nil {
		r.t.Fatal(err)
	}
	r.open(r.be.restore(r.t, r.b))
}

func (r *run) feed(evs []event) {
	r.t.Helper()
	for _, e := range evs {
		if e.rows == nil {
			r.h.wm(e.wm)
			continue
		}
		r.h.send(e.side, e.iwm, e.kind, e.rows...)
	}
}

// Joins stopped at several points, checkpointed and restored into new
// instances, emit exactly what an uninterrupted run emits.
func TestJoinRestore(t *testing.T) {
	full := func(x *plan.Join) *plan.Join { return x }
	cases := []struct {
		name   string
		x      *plan.Join
		input  func(rnd *rand.Rand) []event
		sorted bool
	}{
		{"regular-full", full(regularPlan(plan.FullJoin, plan.Updates)), func(rnd *rand.Rand) []event { return changelogInput(rnd, 400) }, false},
		{"regular-anti", full(regularPlan(plan.AntiJoin, plan.Updates)), func(rnd *rand.Rand) []event { return changelogInput(rnd, 400) }, false},
		{"interval-full", intervalPlan(plan.FullJoin), func(rnd *rand.Rand) []event { return timedInput(rnd, 500, kvt) }, false},
		{"window-full", windowPlan(plan.FullJoin), func(rnd *rand.Rand) []event {
			return timedInput(rnd, 500, func(k string, v, tMs int64) types.Row { return kvw(S(k), v, (tMs/10+1)*10) })
		}, true},
	}
	for _, c := range cases {
		for _, be := range append(restoreBackends, pebbleRestore) {
			t.Run(c.name+"/"+be.name, func(t *testing.T) {
				evs := ownKeys(c.x, c.input(rand.New(rand.NewPCG(7, uint64(len(c.name))))))
				whole := newRun(t, c.x, be)
				whole.feed(evs)
				split := newRun(t, c.x, be)
				for i := 0; i < len(evs); i += 23 {
					split.feed(evs[i:min(i+23, len(evs))])
					split.restart()
				}
				a, b := whole.out.take(), split.out.take()
				if c.sorted {
					a, b = sortSegments(a), sortSegments(b)
				}
				if len(a) < 20 {
					t.Fatalf("only %d output lines: the input does not test much", len(a))
				}
				if strings.Join(a, "\n") != strings.Join(b, "\n") {
					t.Errorf("restored run differs:\nuninterrupted:\n  %s\nrestored:\n  %s", strings.Join(a, "\n  "), strings.Join(b, "\n  "))
				}
			})
		}
	}
}
