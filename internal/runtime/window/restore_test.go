package window

import (
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/runtime/optest"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/types"
)

// subtaskKeys are 5 keys that a keyed exchange would send to subtask 1 of
// 2 (whose key groups the heap restore keeps).
var subtaskKeys = optest.SubtaskKeys("k", 5)

// event is one step of a window test input: a batch whose sender had
// emitted watermark iwm, or (rows == nil) an operator watermark.
type event struct {
	iwm  int64
	rows []types.Row
	wm   int64
}

// randomWindowInput is rows over 5 keys, somewhat out of order, with the
// sender's watermark 20 ms behind and the operator's watermark lagging the
// sender's (another sender is slower), so rows are late, partly late and
// deferred.
func randomWindowInput(rnd *rand.Rand, n int) []event {
	var evs []event
	now, opWM := int64(0), int64(-1)
	for i := 0; i < n; i++ {
		now += int64(rnd.IntN(6))
		senderWM := now - 20
		if rnd.IntN(4) == 0 && senderWM > opWM {
			opWM += 1 + int64(rnd.IntN(int(senderWM-opWM)))
			evs = append(evs, event{wm: opWM})
			continue
		}
		var rows []types.Row
		for j := rnd.IntN(4); j >= 0; j-- {
			rows = append(rows, r(subtaskKeys[rnd.IntN(5)], int64(rnd.IntN(100)), max(0, now-int64(rnd.IntN(40)))))
		}
		iwm := int64(-1)
		if senderWM >= 0 {
			iwm = senderWM
		}
		evs = append(evs, event{iwm: iwm, rows: rows})
	}
	return append(evs, event{wm: -1}) // end of input: every window fires
}

// windowRun drives a window operator, restarting it from its state where
// asked.
type windowRun struct {
	*optest.Run
	out      *collector
	deferred int // deferred rows seen at restarts
}

func newWindowRun(t *testing.T, n *plan.WindowAggregate, be optest.RestoreBackend) *windowRun {
	out := newCollector(t, n.Schema(), n.WindowPropsOffset()+1)
	return &windowRun{out: out, Run: optest.NewRun(t, be, func(b state.Backend, now int64) *optest.Harness {
		return optest.Open(t, NewWindowAggregate(n), out, optest.Options{State: b, Now: now})
	})}
}

func (w *windowRun) restart() {
	w.T.Helper()
	if wa, ok := w.H.Op.(*WindowAggregate); ok {
		w.deferred += len(wa.deferred)
	}
	w.Restart()
}

func (w *windowRun) feed(evs []event) {
	w.T.Helper()
	for _, e := range evs {
		if e.rows == nil {
			w.H.WM(e.wm)
			continue
		}
		w.H.Send(0, e.iwm, types.Insert, e.rows...)
	}
}

// Window operators stopped at several points, checkpointed and restored
// into new instances fire exactly the windows, with exactly the rows, of an
// uninterrupted run.
func TestWindowRestore(t *testing.T) {
	windows := map[string]plan.Window{
		"tumble":   tumble(10, 0),
		"hop":      hop(20, 5, 0),
		"cumulate": cumulate(30, 10, 0),
		"session":  {Kind: plan.Session, TimeCol: tsCol, Gap: 7 * ms},
	}
	for _, name := range []string{"tumble", "hop", "cumulate", "session"} {
		for _, be := range []optest.RestoreBackend{optest.HeapSnapshot, optest.BytesReopen} {
			t.Run(name+"/"+be.Name, func(t *testing.T) {
				n := plan.NewWindowAggregate(in, windows[name], []int{0}, []plan.AggCall{
					call(t, plan.AggCount, "c"), call(t, plan.AggSum, "s", 1),
					call(t, plan.AggMax, "mx", 1), call(t, plan.AggFirstValue, "fv", 1),
				})
				evs := randomWindowInput(rand.New(rand.NewPCG(5, uint64(len(name)))), 600)
				whole := newWindowRun(t, n, be)
				whole.feed(evs)
				split := newWindowRun(t, n, be)
				for i := 0; i < len(evs); i += 37 {
					split.feed(evs[i:min(i+37, len(evs))])
					split.restart()
				}
				if err := split.H.Op.Finish(); err != nil {
					t.Fatal(err)
				}
				a, b := whole.out.Take(), split.out.Take()
				rows := 0
				for _, l := range a {
					if strings.HasPrefix(l, "+I") {
						rows++
					}
				}
				if rows < 50 {
					t.Fatalf("only %d windows fired: the input does not test much", rows)
				}
				optest.ExpectSameRun(t, a, b)
				if name == "hop" && split.deferred == 0 {
					t.Errorf("no restart had deferred rows: the input does not test them")
				}
			})
		}
	}
}

// rows returns the sorted row lines (not watermarks) of outputs.
func rowLines(outs ...*collector) []string {
	var out []string
	for _, c := range outs {
		for _, l := range c.Take() {
			if !strings.HasPrefix(l, "WM") {
				out = append(out, l)
			}
		}
	}
	slices.Sort(out)
	return out
}

// A HOP window aggregate run as two instances (the keys split as a keyed
// exchange splits them), snapshotted midway with rows deferred and windows
// pending, and restored into one and into three instances, fires the rows
// of an uninterrupted single instance: the window-meta entries of the old
// instances are merged (watermark, pending ends, live slices recounted)
// and the deferred rows follow their keys.
func TestWindowAggregateRescale(t *testing.T) {
	n := plan.NewWindowAggregate(in, hop(20, 5, 0), []int{0}, []plan.AggCall{
		call(t, plan.AggCount, "c"), call(t, plan.AggSum, "s", 1), call(t, plan.AggFirstValue, "fv", 1),
	})
	rnd := rand.New(rand.NewPCG(7, 11))
	evs := randomWindowInput(rnd, 600)
	keys := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	for _, e := range evs {
		for i, row := range e.rows {
			row = row.Clone()
			row[0] = types.StringValue(keys[rnd.IntN(len(keys))])
			e.rows[i] = row
		}
	}
	groupOf := func(row types.Row) int {
		return state.KeyGroup(types.AppendKey(nil, row, []int{0}), state.DefaultMaxParallelism)
	}
	type inst struct {
		h   *optest.Harness
		st  *state.Heap
		out *collector
	}
	open := func(par, i int, files []string) inst {
		r := state.RangeFor(state.DefaultMaxParallelism, par, i)
		st := state.NewHeapFor(r, state.DefaultMaxParallelism)
		if files != nil {
			var err error
			if st, err = state.RestoreHeap(files, r, state.DefaultMaxParallelism); err != nil {
				t.Fatal(err)
			}
		}
		out := newCollector(t, n.Schema(), n.WindowPropsOffset()+1)
		return inst{optest.Open(t, NewWindowAggregate(n), out, optest.Options{State: st}), st, out}
	}
	feed := func(insts []inst, evs []event) {
		for _, e := range evs {
			if e.rows == nil {
				for _, x := range insts {
					x.h.WM(e.wm)
				}
				continue
			}
			for i, x := range insts {
				var mine []types.Row
				for _, row := range e.rows {
					if state.SubtaskFor(state.DefaultMaxParallelism, len(insts), groupOf(row)) == i {
						mine = append(mine, row)
					}
				}
				if len(mine) > 0 {
					x.h.Send(0, e.iwm, types.Insert, mine...)
				}
			}
		}
	}
	whole := []inst{open(1, 0, nil)}
	feed(whole, evs)
	want := rowLines(whole[0].out)
	if len(want) < 50 {
		t.Fatalf("only %d windows fired: the input does not test much", len(want))
	}

	for _, par := range []int{1, 3} {
		old := []inst{open(2, 0, nil), open(2, 1, nil)}
		mid := len(evs) / 2
		feed(old, evs[:mid])
		var files []string
		deferred, owners := 0, 0
		for _, x := range old {
			wa := x.h.Op.(*WindowAggregate)
			deferred += len(wa.deferred)
			if wa.pending.len() > 0 {
				owners++
			}
			if err := wa.PrepareSnapshot(); err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			fs, err := x.st.Snapshot(dir)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, filepath.Join(dir, fs[0]))
		}
		if deferred == 0 || owners < 2 {
			t.Fatalf("at the snapshot %d rows are deferred and %d instances have windows pending: the input does not test rescaling", deferred, owners)
		}
		var next []inst
		for i := 0; i < par; i++ {
			next = append(next, open(par, i, files))
		}
		feed(next, evs[mid:])
		outs := []*collector{old[0].out, old[1].out}
		for _, x := range next {
			outs = append(outs, x.out)
		}
		optest.ExpectSameRun(t, want, rowLines(outs...))
	}
}
