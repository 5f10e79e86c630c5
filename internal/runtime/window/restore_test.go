package window

import (
	"math/rand/v2"
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
