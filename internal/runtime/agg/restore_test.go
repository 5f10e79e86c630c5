package agg

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

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
	{"heap-snapshot", func() state.Backend { return state.NewHeap() }, func(t *testing.T, b state.Backend) state.Backend {
		dir := t.TempDir()
		files, err := b.(state.Snapshotter).Snapshot(dir)
		if err != nil {
			t.Fatal(err)
		}
		for i := range files {
			files[i] = dir + "/" + files[i]
		}
		h, err := state.RestoreHeap(files, state.KeyGroupRange{Start: 0, End: state.DefaultMaxParallelism - 1}, state.DefaultMaxParallelism)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}},
	// A byte backend reused by the new instance: everything goes through the
	// codecs, and timers live only in their store.
	{"bytes-reopen", func() state.Backend { return statetest.NewMemBytes() }, func(_ *testing.T, b state.Backend) state.Backend { return b }},
}

// groupRun drives a GroupAggregate, restarting it from its state where
// asked.
type groupRun struct {
	t     *testing.T
	n     *plan.Aggregate
	be    restoreBackend
	ttl   time.Duration
	now   int64
	state state.Backend
	op    operator.Operator
	out   *collector
}

func newGroupRun(t *testing.T, n *plan.Aggregate, be restoreBackend, ttl time.Duration) *groupRun {
	g := &groupRun{t: t, n: n, be: be, ttl: ttl, out: &collector{schema: n.Schema()}}
	g.open(be.fresh())
	return g
}

func (g *groupRun) open(b state.Backend) {
	g.t.Helper()
	g.state = b
	g.op = NewGroupAggregate(g.n)
	ctx := &operator.Context{Name: "Test[1]", Parallelism: 1, State: b, Metrics: operator.NewMetrics(),
		Now: func() int64 { return g.now }, StateTTL: g.ttl}
	if err := g.op.Open(ctx, g.out); err != nil {
		g.t.Fatal(err)
	}
}

// restart checkpoints the operator and continues on a new instance.
func (g *groupRun) restart() {
	g.t.Helper()
	if err := g.op.(operator.SnapshotPreparer).PrepareSnapshot(); err != nil {
		g.t.Fatal(err)
	}
	if err := g.op.Close(); err != nil {
		g.t.Fatal(err)
	}
	g.open(g.be.restore(g.t, g.state))
}

func (g *groupRun) feed(cs ...change) {
	g.t.Helper()
	for _, c := range cs {
		if err := g.op.Process(0, batchOf(c)); err != nil {
			g.t.Fatal(err)
		}
	}
}

// randomChangelog is a valid changelog over keys k (BIGINT) and values of
// codecInput: inserts, and retractions of rows inserted before.
func randomChangelog(r *rand.Rand, n int) []change {
	var live []types.Row
	var cs []change
	for i := 0; i < n; i++ {
		if len(live) > 0 && r.IntN(3) == 0 {
			j := r.IntN(len(live))
			kind := types.Delete
			if r.IntN(2) == 0 {
				kind = types.UpdateBefore
			}
			cs = append(cs, change{kind, live[j]})
			live = append(live[:j], live[j+1:]...)
			continue
		}
		row := randomCodecRow(r)
		live = append(live, row)
		cs = append(cs, change{types.Insert, row})
	}
	return cs
}

// A GroupAggregate stopped half way, checkpointed and restored into a new
// instance emits exactly the changelog of an uninterrupted run.
func TestGroupAggregateRestore(t *testing.T) {
	for _, mode := range []plan.Mode{plan.AppendOnly, plan.Updates} {
		in := input(mode, codecInput...)
		n := plan.NewAggregate(in, []int{0}, codecCalls(t, in.Schema()))
		for _, be := range restoreBackends {
			t.Run(fmt.Sprintf("%v/%s", mode, be.name), func(t *testing.T) {
				r := rand.New(rand.NewPCG(11, uint64(mode)))
				cs := randomChangelog(r, 400)
				if mode == plan.AppendOnly {
					for i := range cs {
						cs[i].kind = types.Insert
					}
				}
				whole := newGroupRun(t, n, be, 0)
				whole.feed(cs...)
				split := newGroupRun(t, n, be, 0)
				for _, part := range [][]change{cs[:150], cs[150:300], cs[300:]} {
					split.feed(part...)
					split.restart()
				}
				a, b := whole.out.take(), split.out.take()
				if len(a) < 400 {
					t.Fatalf("only %d output rows", len(a))
				}
				expect(t, b, a...)
			})
		}
	}
}

// State TTL: a group not updated for the TTL is dropped silently; a later
// row starts it again with +I, a retraction for it is ignored; an update
// re-arms its expiry; unchanged results still emit -U/+U (Flink emits them
// when TTL is on). Also across a restore, in both timer modes.
func TestGroupAggregateTTL(t *testing.T) {
	in := input(plan.Updates, col("k", types.StringType), col("b", types.IntType))
	s := in.Schema()
	n := plan.NewAggregate(in, []int{0}, []plan.AggCall{call(t, s, plan.AggMax, "mx", 1)})
	for _, be := range restoreBackends {
		t.Run(be.name, func(t *testing.T) {
			g := newGroupRun(t, n, be, 10*time.Second)
			at := func(sec int64, cs ...change) { g.now = sec * int64(time.Second); g.feed(cs...) }
			at(0, ins(S("a"), I(5)), ins(S("b"), I(1)))
			at(4, ins(S("a"), I(3))) // unchanged MAX: still -U/+U
			g.restart()
			at(13, ins(S("a"), I(7))) // a touched at 4: alive until 14
			expect(t, g.out.take(),
				"+I[a, 5]", "+I[b, 1]", "-U[a, 5]", "+U[a, 5]", "-U[a, 5]", "+U[a, 7]")
			at(22, ins(S("c"), I(0))) // b (touched 0) has expired: timers drop it
			if got := g.op.(*GroupAggregate).store.Len(); got != 2 {
				t.Errorf("state holds %d groups, want 2 (a, c)", got)
			}
			g.restart()
			at(22, del(S("b"), I(1)))                     // expired: ignored
			at(23, ins(S("a"), I(1)))                     // a touched at 13: expired at 23
			at(24, ins(S("b"), I(2)), ins(S("c"), I(-1))) // new b; c alive
			expect(t, g.out.take(), "+I[c, 0]", "+I[a, 1]", "+I[b, 2]", "-U[c, 0]", "+U[c, 0]")
			at(100)
			if err := g.op.Process(0, types.NewBatch(0)); err != nil { // expiry runs per batch
				t.Fatal(err)
			}
			if got := g.op.(*GroupAggregate).store.Len(); got != 0 {
				t.Errorf("state holds %d groups after every TTL passed, want 0", got)
			}
			if got := g.op.(*GroupAggregate).timers.Len(); got != 0 {
				t.Errorf("%d timers left, want 0", got)
			}
		})
	}
}
