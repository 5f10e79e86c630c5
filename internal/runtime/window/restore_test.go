package window

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
	fresh   func() state.Backend
	restore func(t *testing.T, b state.Backend) state.Backend
}

var restoreBackends = []restoreBackend{
	{"heap-snapshot", func() state.Backend {
		// Subtask 1 of 2: operator-scoped state must survive the key-group
		// filter of the restore.
		return state.NewHeapFor(state.RangeFor(state.DefaultMaxParallelism, 2, 1), state.DefaultMaxParallelism)
	}, func(t *testing.T, b state.Backend) state.Backend {
		dir := t.TempDir()
		files, err := b.(state.Snapshotter).Snapshot(dir)
		if err != nil {
			t.Fatal(err)
		}
		for i := range files {
			files[i] = dir + "/" + files[i]
		}
		h, err := state.RestoreHeap(files, state.RangeFor(state.DefaultMaxParallelism, 2, 1), state.DefaultMaxParallelism)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}},
	// A byte backend reused by the new instance: everything goes through the
	// codecs, and session timers live only in their store.
	{"bytes-reopen", func() state.Backend { return statetest.NewMemBytes() }, func(_ *testing.T, b state.Backend) state.Backend { return b }},
}

// subtaskKeys are 5 keys that a keyed exchange would send to subtask 1 of
// 2 (whose key groups the heap restore keeps).
var subtaskKeys = func() []string {
	var keys []string
	kg := state.RangeFor(state.DefaultMaxParallelism, 2, 1)
	for i := 0; len(keys) < 5; i++ {
		k := fmt.Sprint("k", i)
		if kg.Contains(state.KeyGroup(types.AppendValueKey(nil, types.StringValue(k)), state.DefaultMaxParallelism)) {
			keys = append(keys, k)
		}
	}
	return keys
}()

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
	t        *testing.T
	n        *plan.WindowAggregate
	be       restoreBackend
	b        state.Backend
	h        *harness
	out      *collector
	deferred int // deferred rows seen at restarts
}

func newWindowRun(t *testing.T, n *plan.WindowAggregate, be restoreBackend) *windowRun {
	w := &windowRun{t: t, n: n, be: be, out: newCollector(t, n.Schema(), n.WindowPropsOffset()+1)}
	w.open(be.fresh())
	return w
}

func (w *windowRun) open(b state.Backend) {
	w.t.Helper()
	w.b = b
	h := &harness{t: w.t, op: NewWindowAggregate(w.n), out: w.out}
	h.ctx = &operator.Context{Name: "Test[1]", Parallelism: 1, State: b, Metrics: operator.NewMetrics(),
		Now: func() int64 { return h.now }}
	h.ctx.SetInputWatermark(operator.NoWatermark)
	if err := h.op.Open(h.ctx, w.out); err != nil {
		w.t.Fatal(err)
	}
	w.h = h
}

func (w *windowRun) restart() {
	w.t.Helper()
	if wa, ok := w.h.op.(*WindowAggregate); ok {
		w.deferred += len(wa.deferred)
	}
	if err := w.h.op.(operator.SnapshotPreparer).PrepareSnapshot(); err != nil {
		w.t.Fatal(err)
	}
	if err := w.h.op.Close(); err != nil {
		w.t.Fatal(err)
	}
	w.open(w.be.restore(w.t, w.b))
}

func (w *windowRun) feed(evs []event) {
	w.t.Helper()
	for _, e := range evs {
		if e.rows == nil {
			w.h.wm(e.wm)
			continue
		}
		w.h.rows(e.iwm, e.rows...)
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
		for _, be := range restoreBackends {
			t.Run(name+"/"+be.name, func(t *testing.T) {
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
				if err := split.h.op.Finish(); err != nil {
					t.Fatal(err)
				}
				a, b := whole.out.take(), split.out.take()
				rows := 0
				for _, l := range a {
					if strings.HasPrefix(l, "+I") {
						rows++
					}
				}
				if rows < 50 {
					t.Fatalf("only %d windows fired: the input does not test much", rows)
				}
				if strings.Join(a, "\n") != strings.Join(b, "\n") {
					t.Errorf("restored run differs:\nuninterrupted:\n  %s\nrestored:\n  %s", strings.Join(a, "\n  "), strings.Join(b, "\n  "))
				}
				if name == "hop" && split.deferred == 0 {
					t.Errorf("no restart had deferred rows: the input does not test them")
				}
			})
		}
	}
}
