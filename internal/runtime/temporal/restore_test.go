package temporal

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/runtime/optest"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/types"
)

// subtaskKeys are currencies a keyed exchange sends to subtask 1 of 2.
var subtaskKeys = optest.SubtaskKeys("C", 4)

type step struct {
	input int
	iwm   int64
	c     optest.Change
	wm    int64 // when c.Row == nil
}

// randomInput: probes and versions over 4 keys, out of order, the probe
// sender's watermark 15 ms behind, versions inserted, updated and deleted.
func randomInput(rnd *rand.Rand, n int) []step {
	var steps []step
	t, opWM := int64(0), int64(-1)
	for i := 0; i < n; i++ {
		t += int64(rnd.IntN(3))
		iwm := t - 15
		if rnd.IntN(7) == 0 && iwm > opWM {
			opWM = iwm - int64(rnd.IntN(5))
			steps = append(steps, step{wm: opWM})
			continue
		}
		k := subtaskKeys[rnd.IntN(len(subtaskKeys))]
		ts := max(0, t-int64(rnd.IntN(25)))
		if rnd.IntN(2) == 0 {
			steps = append(steps, step{input: 0, iwm: iwm, c: ins(order(fmt.Sprint("o", i), k, int64(i), ts))})
			continue
		}
		kind := []types.RowKind{types.Insert, types.UpdateAfter, types.UpdateAfter, types.Delete}[rnd.IntN(4)]
		steps = append(steps, step{input: 1, iwm: -1, c: optest.Change{Kind: kind, Row: rate(k, int64(rnd.IntN(100)), ts)}})
	}
	return append(steps, step{wm: -1})
}

// feed processes steps on the run's current instance.
func feed(ru *optest.Run, steps []step) {
	ru.T.Helper()
	for _, s := range steps {
		if s.c.Row == nil {
			ru.H.WM(s.wm)
			continue
		}
		ru.H.SendEach(s.input, max(s.iwm, -1), s.c)
	}
}

// A join stopped at several points, checkpointed and restored into new
// instances produces exactly the output of an uninterrupted run.
func TestRestore(t *testing.T) {
	for _, kind := range []plan.JoinKind{plan.InnerJoin, plan.LeftJoin} {
		for _, be := range optest.RestoreBackends {
			t.Run(kind.String()+"/"+be.Name, func(t *testing.T) {
				x := joinNode(kind, nil)
				steps := randomInput(rand.New(rand.NewPCG(3, uint64(kind))), 600)
				newRun := func() (*optest.Run, optest.Output) {
					out := optest.NewLines(x.Schema())
					return optest.NewRun(t, be, func(b state.Backend, _ int64) *optest.Harness {
						op, err := New(x)
						if err != nil {
							t.Fatal(err)
						}
						return optest.Open(t, op, out, optest.Options{Name: "TemporalJoin[1]", State: b})
					}), out
				}
				whole, wholeOut := newRun()
				feed(whole, steps)
				split, splitOut := newRun()
				for i := 0; i < len(steps); i += 43 {
					feed(split, steps[i:min(i+43, len(steps))])
					split.Restart()
				}
				a, b := wholeOut.Take(), splitOut.Take()
				joined := 0
				for _, l := range a {
					if strings.HasPrefix(l, "+I") && !strings.HasSuffix(l, "null, null, null]") {
						joined++
					}
				}
				if joined < 50 {
					t.Fatalf("only %d joined rows: the input does not test much", joined)
				}
				optest.ExpectSameRun(t, a, b)
			})
		}
	}
}
