package temporal

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

type restoreBackend struct {
	name    string
	fresh   func(t *testing.T) state.Backend
	restore func(t *testing.T, b state.Backend) state.Backend
}

var subtask = state.RangeFor(state.DefaultMaxParallelism, 2, 1)

var restoreBackends = []restoreBackend{
	{"heap-snapshot", func(*testing.T) state.Backend {
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
	{"bytes-reopen", func(*testing.T) state.Backend { return statetest.NewMemBytes() },
		func(_ *testing.T, b state.Backend) state.Backend { return b }},
	{"pebble-checkpoint", func(t *testing.T) state.Backend { return newPebble(t) },
		func(t *testing.T, b state.Backend) state.Backend { return restorePebble(t, b) }},
}

// subtaskKeys are currencies a keyed exchange sends to subtask 1 of 2.
var subtaskKeys = func() []string {
	var keys []string
	for i := 0; len(keys) < 4; i++ {
		k := fmt.Sprint("C", i)
		if subtask.Contains(state.KeyGroup(types.AppendValueKey(nil, types.StringValue(k)), state.DefaultMaxParallelism)) {
			keys = append(keys, k)
		}
	}
	return keys
}()

type step struct {
	input int
	iwm   int64
	c     change
	wm    int64 // when c.row == nil
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
		steps = append(steps, step{input: 1, iwm: -1, c: change{kind, rate(k, int64(rnd.IntN(100)), ts)}})
	}
	return append(steps, step{wm: -1})
}

type run struct {
	t   *testing.T
	x   *plan.Join
	be  restoreBackend
	b   state.Backend
	h   *harness
	out *collector
}

func (ru *run) open(b state.Backend) {
	ru.b = b
	ru.h = newHarness(ru.t, ru.x, b, ru.out)
}

func (ru *run) feed(steps []step) {
	ru.t.Helper()
	for _, s := range steps {
		if s.c.row == nil {
			ru.h.wm(s.wm)
			continue
		}
		ru.h.send(s.input, max(s.iwm, -1), s.c)
	}
}

func (ru *run) restart() {
	ru.t.Helper()
	if err := ru.h.op.(operator.SnapshotPreparer).PrepareSnapshot(); err != nil {
		ru.t.Fatal(err)
	}
	if err := ru.h.op.Close(); err != nil {
		ru.t.Fatal(err)
	}
	ru.open(ru.be.restore(ru.t, ru.b))
}

// A join stopped at several points, checkpointed and restored into new
// instances produces exactly the output of an uninterrupted run.
func TestRestore(t *testing.T) {
	for _, kind := range []plan.JoinKind{plan.InnerJoin, plan.LeftJoin} {
		for _, be := range restoreBackends {
			t.Run(kind.String()+"/"+be.name, func(t *testing.T) {
				x := joinNode(kind, nil)
				steps := randomInput(rand.New(rand.NewPCG(3, uint64(kind))), 600)
				whole := &run{t: t, x: x, be: be, out: &collector{schema: x.Schema()}}
				whole.open(be.fresh(t))
				whole.feed(steps)
				split := &run{t: t, x: x, be: be, out: &collector{schema: x.Schema()}}
				split.open(be.fresh(t))
				for i := 0; i < len(steps); i += 43 {
					split.feed(steps[i:min(i+43, len(steps))])
					split.restart()
				}
				a, b := whole.out.take(), split.out.take()
				joined := 0
				for _, l := range a {
					if strings.HasPrefix(l, "+I") && !strings.HasSuffix(l, "null, null, null]") {
						joined++
					}
				}
				if joined < 50 {
					t.Fatalf("only %d joined rows: the input does not test much", joined)
				}
				if strings.Join(a, "\n") != strings.Join(b, "\n") {
					t.Errorf("restored run differs:\nuninterrupted:\n  %s\nrestored:\n  %s", strings.Join(a, "\n  "), strings.Join(b, "\n  "))
				}
			})
		}
	}
}
