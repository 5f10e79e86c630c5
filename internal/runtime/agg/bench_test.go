package agg

import (
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
