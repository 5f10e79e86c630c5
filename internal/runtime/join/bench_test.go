package join

import (
	"fmt"
	"testing"

	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/runtime/optest"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

func benchOpen(b *testing.B, x *plan.Join) operator.Operator {
	op, err := New(x)
	if err != nil {
		b.Fatal(err)
	}
	return optest.OpenBench(b, op)
}

// BenchmarkRegularInnerJoin: as Nexmark q3, "person" rows (left, one per
// key, 1 in 10 input rows) and "auction" rows (right) over the same 100,000
// keys; one op is one input row.
func BenchmarkRegularInnerJoin(b *testing.B) {
	op := benchOpen(b, regularPlan(plan.InnerJoin, plan.AppendOnly))
	const batch, nkeys = 1024, 100_000
	keys := make([]types.Value, nkeys)
	for i := range keys {
		keys[i] = S(fmt.Sprint("person-", i))
	}
	bl, br := types.NewBatch(batch), types.NewBatch(batch)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i += batch {
		bl.Reset()
		br.Reset()
		for j := 0; j < batch; j++ {
			n++
			if n%10 == 0 {
				r := bl.Alloc(2)
				r[0], r[1] = keys[(n/10)%nkeys], I(int64(n))
				bl.Append(types.Insert, r)
			} else {
				r := br.Alloc(2)
				r[0], r[1] = keys[(n*7919)%nkeys], I(int64(n))
				br.Append(types.Insert, r)
			}
		}
		if err := op.Process(0, bl); err != nil {
			b.Fatal(err)
		}
		if err := op.Process(1, br); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWindowJoin: as Nexmark q8, TUMBLE(10 s) windows of rows over
// 1,000 keys on both sides, 1 ms apart, a watermark after every batch; one
// op is one input row.
func BenchmarkWindowJoin(b *testing.B) {
	op := benchOpen(b, windowPlan(plan.InnerJoin))
	const batch, nkeys, size = 1024, 1000, 10_000 * ms
	keys := make([]types.Value, nkeys)
	for i := range keys {
		keys[i] = S(fmt.Sprint("k", i))
	}
	bt := types.NewBatch(batch)
	b.ReportAllocs()
	b.ResetTimer()
	ts := int64(0)
	for i := 0; i < b.N; i += batch {
		bt.Reset()
		for j := 0; j < batch; j++ {
			end := (ts/size + 1) * size
			r := bt.Alloc(4)
			r[0], r[1], r[2], r[3] = keys[(i+j)*7%nkeys], I(int64(j)), I(end-size), I(end)
			bt.Append(types.Insert, r)
			ts += ms
		}
		if err := op.Process((i/batch)%2, bt); err != nil {
			b.Fatal(err)
		}
		if err := op.Watermark(ts - 100*ms); err != nil {
			b.Fatal(err)
		}
	}
}
