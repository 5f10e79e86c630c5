package window

import (
	"testing"

	"github.com/sluicehq/sluice/internal/runtime/optest"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

// benchWindow feeds rows over 1000 keys, 1 ms apart, with a watermark after
// every batch; one op is one input row.
func benchWindow(b *testing.B, w plan.Window) {
	n := plan.NewWindowAggregate(in, w, []int{0}, []plan.AggCall{call(b, plan.AggCount, "c")})
	op := optest.OpenBench(b, NewWindowAggregate(n))
	const batch = 1024
	keys := make([]types.Value, 1000)
	for i := range keys {
		keys[i] = types.StringValue(string(rune('a'+i%26)) + string(rune('a'+i/26)))
	}
	bt := types.NewBatch(batch)
	b.ReportAllocs()
	b.ResetTimer()
	ts := int64(0)
	for i := 0; i < b.N; i += batch {
		bt.Reset()
		for j := 0; j < batch; j++ {
			row := bt.Alloc(3)
			row[0], row[1], row[2] = keys[(i+j)*7%len(keys)], types.IntValue(1), types.IntValue(ts)
			bt.Append(types.Insert, row)
			ts += ms
		}
		if err := op.Process(0, bt); err != nil {
			b.Fatal(err)
		}
		if err := op.Watermark(ts - 100*ms); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTumbleCount: TUMBLE(10 s), COUNT(*) GROUP BY key.
func BenchmarkTumbleCount(b *testing.B) { benchWindow(b, tumble(10_000, 0)) }

// BenchmarkHopCount: HOP(size 10 s, slide 2 s), COUNT(*) GROUP BY key, as
// Nexmark q5.
func BenchmarkHopCount(b *testing.B) { benchWindow(b, hop(10_000, 2_000, 0)) }
