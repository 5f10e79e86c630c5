package agg

import (
	"errors"
	"testing"

	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/types"
)

func countSum(t *testing.T, mode plan.Mode) *plan.Aggregate {
	in := input(mode, col("k", types.StringType), col("v", types.IntType))
	s := in.Schema()
	return plan.NewAggregate(in, []int{0}, []plan.AggCall{call(t, s, plan.AggCount, "c"), call(t, s, plan.AggSum, "s", 1)})
}

func openOp(t *testing.T, op operator.Operator, ctx *operator.Context, out operator.Output) {
	t.Helper()
	if err := op.Open(ctx, out); err != nil {
		t.Fatal(err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// One bundle: each key is emitted once, with everything applied, in order
// of first arrival.
func TestMiniBatchOneBundle(t *testing.T) {
	n := countSum(t, plan.AppendOnly)
	op := NewGroupAggregateWith(n, GroupOptions{MiniBatchSize: 100})
	out := &collector{schema: n.Schema()}
	openOp(t, op, newContext(), out)
	must(t, op.Process(0, batchOf(ins(S("a"), I(1)), ins(S("b"), I(2)))))
	must(t, op.Process(0, batchOf(ins(S("a"), I(3)))))
	expect(t, out.take()) // still buffered
	must(t, op.Finish())
	expect(t, out.take(), "+I[a, 2, 4]", "+I[b, 1, 2]")
}

// Size 2: bundles [a1 a3] [a5 b2] [b4]; the second updates a once.
func TestMiniBatchSizeAndWatermark(t *testing.T) {
	n := countSum(t, plan.AppendOnly)
	op := NewGroupAggregateWith(n, GroupOptions{MiniBatchSize: 2})
	out := &collector{schema: n.Schema()}
	openOp(t, op, newContext(), out)
	must(t, op.Process(0, batchOf(ins(S("a"), I(1)), ins(S("a"), I(3)), ins(S("a"), I(5)), ins(S("b"), I(2)), ins(S("b"), I(4)))))
	expect(t, out.take(), "+I[a, 2, 4]", "-U[a, 2, 4]", "+U[a, 3, 9]", "+I[b, 1, 2]")
	must(t, op.Watermark(1000)) // ends the bundle holding b4, before the watermark
	expect(t, out.take(), "-U[b, 1, 2]", "+U[b, 2, 6]")
	if w := out.wms; len(w) != 1 || w[0] != 1000 {
		t.Fatalf("watermarks %v", w)
	}
}

// Retractions: a leading retraction for a key without a group is dropped;
// a group whose count ends at 0 is deleted once; a group inserted and
// retracted within one bundle emits nothing.
func TestMiniBatchRetractions(t *testing.T) {
	n := countSum(t, plan.Updates)
	op := NewGroupAggregateWith(n, GroupOptions{MiniBatchSize: 100})
	out := &collector{schema: n.Schema()}
	openOp(t, op, newContext(), out)
	must(t, op.Process(0, batchOf(
		del(S("x"), I(9)), // unknown group
		ins(S("a"), I(1)), ub(S("a"), I(1)), ua(S("a"), I(5)),
		ins(S("c"), I(7)), del(S("c"), I(7)),
	)))
	must(t, op.(operator.SnapshotPreparer).PrepareSnapshot()) // a checkpoint ends the bundle
	expect(t, out.take(), "+I[a, 1, 5]")
	must(t, op.Process(0, batchOf(ub(S("a"), I(5)), ua(S("a"), I(6)))))
	must(t, op.Process(0, batchOf(del(S("a"), I(6)))))
	must(t, op.Finish())
	expect(t, out.take(), "-D[a, 1, 5]")
}

func TestMiniBatchLatency(t *testing.T) {
	n := countSum(t, plan.AppendOnly)
	op := NewGroupAggregateWith(n, GroupOptions{MiniBatchSize: 1000, MiniBatchLatency: 100})
	out := &collector{schema: n.Schema()}
	ctx := newContext()
	now := int64(1000)
	ctx.Now = func() int64 { return now }
	openOp(t, op, ctx, out)
	must(t, op.Process(0, batchOf(ins(S("a"), I(1)))))
	pt := op.(operator.ProcTimeOperator)
	must(t, pt.OnProcTime(1099))
	expect(t, out.take())
	must(t, pt.OnProcTime(1100))
	expect(t, out.take(), "+I[a, 1, 1]")
}

// The same changes as the per-row operator in the end, with fewer rows:
// 1000 rows over 3 keys in bundles of 100.
func TestMiniBatchFewerChangesSameResult(t *testing.T) {
	n := countSum(t, plan.AppendOnly)
	var rows []change
	for i := 0; i < 1000; i++ {
		rows = append(rows, ins(S(string(rune('a'+i%3))), I(int64(i))))
	}
	run := func(op operator.Operator) []string {
		out := &collector{schema: n.Schema()}
		openOp(t, op, newContext(), out)
		for i := 0; i < len(rows); i += 50 {
			must(t, op.Process(0, batchOf(rows[i:i+50]...)))
		}
		must(t, op.Finish())
		return out.take()
	}
	plain := run(NewGroupAggregate(n))
	mini := run(NewGroupAggregateWith(n, GroupOptions{MiniBatchSize: 100}))
	// Per row: 3 inserts, then -U/+U for each of the other 997 rows.
	if len(plain) != 3+2*997 {
		t.Fatalf("per-row changes: %d", len(plain))
	}
	// Mini-batch: 10 bundles; 3 inserts in the first, -U/+U per key after.
	if len(mini) != 3+2*3*9 {
		t.Fatalf("mini-batch changes: %d", len(mini))
	}
	// a: i = 0, 3, ..., 999: 334 rows, sum 3*(0+...+333) = 166833. Per
	// row, the last update retracts the state before i=999 (333 rows,
	// 165834); with bundles, the state before row 900 (300 rows,
	// 3*(0+...+299) = 134550).
	for i, got := range [][]string{plain, mini} {
		var last []string
		for _, l := range got {
			if l[3] == 'a' {
				last = append(last, l)
			}
		}
		want := [][]string{{"-U[a, 333, 165834]", "+U[a, 334, 166833]"}, {"-U[a, 300, 134550]", "+U[a, 334, 166833]"}}[i]
		expect(t, last[len(last)-2:], want...)
	}
}

// localGlobal runs a Local chained into a Global.
type localGlobal struct {
	local, global operator.Operator
}

type pipe struct{ to operator.Operator }

func (p pipe) Emit(b *types.Batch) error    { return p.to.Process(0, b) }
func (p pipe) EmitWatermark(wm int64) error { return p.to.Watermark(wm) }

func newLocalGlobal(t *testing.T, n *plan.Aggregate, o GroupOptions, out operator.Output, st state.Backend) *localGlobal {
	lg := &localGlobal{local: NewLocalGroupAggregate(n, o), global: NewGroupAggregateWith(n, GroupOptions{Global: true})}
	ctx := newContext()
	if st != nil {
		ctx.State = st
	}
	openOp(t, lg.global, ctx, out)
	openOp(t, lg.local, newContext(), pipe{lg.global})
	return lg
}

// Two-phase: the local pre-aggregates each batch per key; the global
// merges partials and emits as the one-phase aggregate would per batch.
func TestTwoPhaseGroupAggregate(t *testing.T) {
	n := countSum(t, plan.AppendOnly)
	out := &collector{schema: n.Schema()}
	lg := newLocalGlobal(t, n, GroupOptions{}, out, nil)
	must(t, lg.local.Process(0, batchOf(ins(S("a"), I(1)), ins(S("b"), I(2)), ins(S("a"), I(3)))))
	expect(t, out.take(), "+I[a, 2, 4]", "+I[b, 1, 2]")
	must(t, lg.local.Process(0, batchOf(ins(S("a"), I(5)))))
	expect(t, out.take(), "-U[a, 2, 4]", "+U[a, 3, 9]")
	must(t, lg.local.Finish())
	must(t, lg.global.Finish())
	expect(t, out.take())
}

// Two-phase with every accumulator kind that merges, DISTINCT and
// APPROX_COUNT_DISTINCT included, equals the one-phase result.
func TestTwoPhaseEqualsOnePhase(t *testing.T) {
	in := input(plan.AppendOnly, col("k", types.StringType), col("v", types.IntType), col("s", types.StringType))
	s := in.Schema()
	n := plan.NewAggregate(in, []int{0}, []plan.AggCall{
		call(t, s, plan.AggCount, "c"), call(t, s, plan.AggSum, "sm", 1), call(t, s, plan.AggAvg, "av", 1),
		call(t, s, plan.AggMin, "mn", 2), call(t, s, plan.AggMax, "mx", 1),
		distinct(call(t, s, plan.AggCount, "cd", 1)), call(t, s, plan.AggApproxCountDistinct, "ad", 2),
		call(t, s, plan.AggFirstValue, "fv", 1), call(t, s, plan.AggLastValue, "lv", 1),
	})
	var b1, b2 []change
	for i := 0; i < 200; i++ {
		c := ins(S(string(rune('a'+i%2))), I(int64(i%17)), S(string(rune('A'+i%23))))
		if i < 120 {
			b1 = append(b1, c)
		} else {
			b2 = append(b2, c)
		}
	}
	one := &collector{schema: n.Schema()}
	op := NewGroupAggregateWith(n, GroupOptions{MiniBatchSize: 1 << 20})
	openOp(t, op, newContext(), one)
	two := &collector{schema: n.Schema()}
	lg := newLocalGlobal(t, n, GroupOptions{}, two, nil)
	for _, b := range [][]change{b1, b2} {
		must(t, op.Process(0, batchOf(b...)))
		must(t, op.Watermark(1)) // a bundle per batch, as the local's
		must(t, lg.local.Process(0, batchOf(b...)))
	}
	expect(t, two.take(), one.take()...)
}

func TestPartialAccsLost(t *testing.T) {
	n := countSum(t, plan.AppendOnly)
	g := NewGroupAggregateWith(n, GroupOptions{Global: true})
	openOp(t, g, newContext(), &collector{schema: n.Schema()})
	err := g.Process(0, batchOf(ins(S("a"), types.BytesValue([]byte{1}))))
	if !errors.Is(err, ErrNoPartial) {
		t.Fatalf("got %v, want ErrNoPartial", err)
	}
}
