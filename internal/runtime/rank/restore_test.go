package rank

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/sluicehq/sluice/internal/runtime/optest"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/types"
)

// inSubtask reports whether a keyed exchange would send row to subtask 1
// of 2 (whose key groups the heap restore keeps).
func inSubtask(x *plan.Rank, row types.Row) bool {
	return optest.InSubtask(types.AppendKey(nil, row, x.PartitionKeys))
}

// step is one input of a restore test: a change whose sender had emitted
// watermark iwm, or (row == nil) an operator watermark wm.
type step struct {
	iwm int64
	c   optest.Change
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
			steps = append(steps, step{iwm: iwm, c: optest.Change{Kind: kind, Row: live[j]}, now: now})
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

// newRun opens x with state TTL ttl (ns) on a fresh backend of be, its
// output going to out across restarts.
func newRun(t *testing.T, x *plan.Rank, be optest.RestoreBackend, ttl int64, out optest.Output) *optest.Run {
	return optest.NewRun(t, be, func(b state.Backend, now int64) *optest.Harness {
		return newHarnessOut(t, x, b, ttl, out, now)
	})
}

// feed processes steps on the run's current instance.
func feed(ru *optest.Run, steps []step) {
	ru.T.Helper()
	for _, s := range steps {
		ru.H.Now = s.now
		if s.c.Row == nil {
			ru.H.WM(s.wm)
			continue
		}
		ru.H.SendEach(0, max(s.iwm, -1), s.c)
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
		for _, be := range optest.RestoreBackends {
			t.Run(c.name+"/"+be.Name, func(t *testing.T) {
				steps := randomInput(rand.New(rand.NewPCG(7, uint64(len(c.name)))), c.x, 500, c.updating)
				wholeOut, splitOut := optest.NewLinesFunc(format), optest.NewLinesFunc(format)
				feed(newRun(t, c.x, be, c.ttl, wholeOut), steps)
				split := newRun(t, c.x, be, c.ttl, splitOut)
				for i := 0; i < len(steps); i += 41 {
					feed(split, steps[i:min(i+41, len(steps))])
					split.Restart()
				}
				a, b := wholeOut.Take(), splitOut.Take()
				if len(a) < 60 {
					t.Fatalf("only %d output lines: the input does not test much", len(a))
				}
				optest.ExpectSameRun(t, a, b)
			})
		}
	}
}
