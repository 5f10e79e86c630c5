package temporal

import (
	"testing"

	"github.com/sluicehq/sluice/internal/runtime/optest"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

// BenchmarkTemporalJoin: probe rows over 1000 keys, 1 ms apart, a version
// change for every 10th, a watermark 100 ms behind after every batch of
// 1024; one op is one input row (probe or version).
func BenchmarkTemporalJoin(b *testing.B) {
	j, err := New(joinNode(plan.InnerJoin, nil))
	if err != nil {
		b.Fatal(err)
	}
	op := optest.OpenBench(b, j)
	const batch = 1024
	keys := make([]types.Value, 1000)
	for i := range keys {
		keys[i] = types.StringValue(string(rune('a'+i%26)) + string(rune('a'+i/26)))
	}
	probes, versions := types.NewBatch(batch), types.NewBatch(batch/10+1)
	id := types.StringValue("o")
	b.ReportAllocs()
	b.ResetTimer()
	ts := int64(0)
	for i := 0; i < b.N; i += batch {
		probes.Reset()
		versions.Reset()
		for j := 0; j < batch; j++ {
			k := keys[(i+j)*7%len(keys)]
			if j%10 == 0 {
				r := versions.Alloc(3)
				r[0], r[1], r[2] = k, types.IntValue(int64(j)), types.IntValue(ts)
				versions.Append(types.UpdateAfter, r)
			} else {
				r := probes.Alloc(4)
				r[0], r[1], r[2], r[3] = id, k, types.IntValue(1), types.IntValue(ts)
				probes.Append(types.Insert, r)
			}
			ts += ms
		}
		if err := op.Process(1, versions); err != nil {
			b.Fatal(err)
		}
		if err := op.Process(0, probes); err != nil {
			b.Fatal(err)
		}
		if err := op.Watermark(ts - 100*ms); err != nil {
			b.Fatal(err)
		}
	}
}
