package window

import (
	"fmt"
	"testing"

	"github.com/sluicehq/sluice/internal/runtime/optest"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/state"
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

// BenchmarkWindowPrepareSnapshot is the cost of writing a HOP window
// aggregate's window-meta at a checkpoint, with 40 windows pending and 100
// live slices, into a backend owning 1, 64 or 128 key groups (the instance
// of a job at parallelism 128, 2 or 1: one entry per key group; the
// layout before rescaling wrote one entry, like the 1-group case). One op
// is one PrepareSnapshot.
func BenchmarkWindowPrepareSnapshot(b *testing.B) {
	backends := map[string]func(testing.TB, state.KeyGroupRange) state.Backend{
		"heap": func(_ testing.TB, r state.KeyGroupRange) state.Backend {
			return state.NewHeapFor(r, state.DefaultMaxParallelism)
		},
		"pebble": func(t testing.TB, r state.KeyGroupRange) state.Backend { return optest.PebbleCheckpointFor(r).Fresh(t) },
	}
	for _, be := range []string{"heap", "pebble"} {
		for _, par := range []int{128, 2, 1} {
			r := state.RangeFor(state.DefaultMaxParallelism, par, 0)
			b.Run(fmt.Sprintf("%s/groups=%d", be, r.End-r.Start+1), func(b *testing.B) {
				n := plan.NewWindowAggregate(in, hop(400, 10, 0), []int{0}, []plan.AggCall{call(b, plan.AggCount, "c")})
				h := optest.Open(b, NewWindowAggregate(n), newCollector(b, n.Schema(), -1), optest.Options{State: backends[be](b, r)})
				for t := int64(0); t < 1000; t += 10 {
					h.Send(0, -1, types.Insert, r0(t))
				}
				w := h.Op.(*WindowAggregate)
				if w.pending.len() < 40 || len(w.live) != 100 {
					b.Fatalf("%d windows pending, %d slices live", w.pending.len(), len(w.live))
				}
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if err := w.PrepareSnapshot(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// r0 is a row of the one key "k" at tsMs (any key group: the benchmark's
// instance is not fed by a keyed exchange).
func r0(tsMs int64) types.Row { return r("k", 1, tsMs) }
