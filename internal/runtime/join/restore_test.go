package join

import (
	"math/rand/v2"
	"testing"

	"github.com/sluicehq/sluice/internal/runtime/optest"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/types"
)

// subtaskKeys are keys a keyed exchange would send to subtask 1 of 2.
var subtaskKeys = optest.SubtaskKeys("k", 4)

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
			if optest.InSubtask(types.AppendKey(nil, r, keys[e.side])) {
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

// restoreBackends are optest's, the Pebble backend owning the key groups
// of subtask 1 of 2 like the heap one.
var restoreBackends = []optest.RestoreBackend{optest.HeapSnapshot, optest.BytesReopen, optest.PebbleCheckpointFor(optest.Subtask)}

// newRun opens x on a fresh backend of be, its output going to out across
// restarts.
func newRun(t *testing.T, x *plan.Join, be optest.RestoreBackend, out optest.Output) *optest.Run {
	return optest.NewRun(t, be, func(b state.Backend, _ int64) *optest.Harness { return openJoin(t, x, b, 0, out) })
}

// feed processes evs on the run's current instance.
func feed(r *optest.Run, evs []event) {
	r.T.Helper()
	for _, e := range evs {
		if e.rows == nil {
			r.H.WM(e.wm)
			continue
		}
		r.H.Send(e.side, e.iwm, e.kind, e.rows...)
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
		for _, be := range restoreBackends {
			t.Run(c.name+"/"+be.Name, func(t *testing.T) {
				evs := ownKeys(c.x, c.input(rand.New(rand.NewPCG(7, uint64(len(c.name))))))
				wholeOut, splitOut := optest.NewLines(c.x.Schema()), optest.NewLines(c.x.Schema())
				feed(newRun(t, c.x, be, wholeOut), evs)
				split := newRun(t, c.x, be, splitOut)
				for i := 0; i < len(evs); i += 23 {
					feed(split, evs[i:min(i+23, len(evs))])
					split.Restart()
				}
				a, b := wholeOut.Take(), splitOut.Take()
				if c.sorted {
					a, b = optest.SortSegments(a), optest.SortSegments(b)
				}
				if len(a) < 20 {
					t.Fatalf("only %d output lines: the input does not test much", len(a))
				}
				optest.ExpectSameRun(t, a, b)
			})
		}
	}
}
