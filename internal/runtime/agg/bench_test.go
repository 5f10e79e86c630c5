package agg

import (
	"github.com/sluicehq/sluice/internal/runtime/operator"
	"testing"

	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

type discard struct{}

func (discard) Emit(*types.Batch) error   { return nil }
func (discard) EmitWatermark(int64) error { return nil }

// BenchmarkGroupAggregate: COUNT(*), SUM(b), COUNT(DISTINCT c) GROUP BY k
// over 10k keys; one op is one input row.
func BenchmarkGroupAggregate(b *testing.B) {
	in := input(plan.AppendOnly, col("k", types.BigIntType), col("b", types.BigIntType), col("c", types.BigIntType))
	s := in.Schema()
	t := &testing.T{}
	n := plan.NewAggregate(in, []int{0}, []plan.AggCall{
		call(t, s, plan.AggCount, "c"), call(t, s, plan.AggSum, "s", 1),
		distinct(call(t, s, plan.AggCount, "cd", 2)),
	})
	op := NewGroupAggregate(n)
	if err := op.Open(newContext(), discard{}); err != nil {
		b.Fatal(err)
	}
	const keys, batch = 10_000, 1024
	batches := make([]*types.Batch, 64)
	x := uint64(1)
	for i := range batches {
		bt := types.NewBatch(batch)
		for j := 0; j < batch; j++ {
			x = x*6364136223846793005 + 1442695040888963407
			r := bt.Alloc(3)
			r[0], r[1], r[2] = I(int64(x>>33)%keys), I(int64(x>>20)%1000), I(int64(x>>40)%16)
			bt.Append(types.Insert, r)
		}
		batches[i] = bt
	}
	for _, bt := range batches { // warm up: every group and distinct value exists
		for k := 0; k < 4; k++ {
			_ = op.Process(0, bt)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += batch {
		if err := op.Process(0, batches[(i/batch)%len(batches)]); err != nil {
			b.Fatal(err)
		}
	}
}

// skewedBatches: k BIGINT (key 0 holds 90% of the rows, the rest spread
// over 10k keys), v BIGINT.
func skewedBatches() []*types.Batch {
	const batch = 1024
	batches := make([]*types.Batch, 64)
	x := uint64(7)
	for i := range batches {
		bt := types.NewBatch(batch)
		for j := 0; j < batch; j++ {
			x = x*6364136223846793005 + 1442695040888963407
			k := int64(0)
			if (x>>33)%10 == 9 {
				k = 1 + int64(x>>40)%10_000
			}
			r := bt.Alloc(2)
			r[0], r[1] = I(k), I(int64(x>>20)%1000)
			bt.Append(types.Insert, r)
		}
		batches[i] = bt
	}
	return batches
}

// BenchmarkSkewedGroupBy: COUNT(*), SUM(v) GROUP BY k over the skewed
// input, one-phase, mini-batch, and two-phase (local → global in one
// goroutine: the work of the operators, not of the exchange). One op is
// one input row; events/s is reported.
func BenchmarkSkewedGroupBy(b *testing.B) {
	t := &testing.T{}
	in := input(plan.AppendOnly, col("k", types.BigIntType), col("v", types.BigIntType))
	s := in.Schema()
	n := plan.NewAggregate(in, []int{0}, []plan.AggCall{call(t, s, plan.AggCount, "c"), call(t, s, plan.AggSum, "s", 1)})
	batches := skewedBatches()
	for _, mode := range []string{"one-phase", "mini-batch", "two-phase"} {
		b.Run(mode, func(b *testing.B) {
			var head operator.Operator
			switch mode {
			case "one-phase":
				head = NewGroupAggregate(n)
				must(t, head.Open(newContext(), discard{}))
			case "mini-batch":
				head = NewGroupAggregateWith(n, GroupOptions{MiniBatchSize: 5000})
				must(t, head.Open(newContext(), discard{}))
			case "two-phase":
				g := NewGroupAggregateWith(n, GroupOptions{Global: true})
				must(t, g.Open(newContext(), discard{}))
				head = NewLocalGroupAggregate(n, GroupOptions{})
				must(t, head.Open(newContext(), pipe{g}))
			}
			b.ResetTimer()
			for i := 0; i < b.N; i += 1024 {
				if err := head.Process(0, batches[(i/1024)%len(batches)]); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
