package lookup

import (
	"context"
	"fmt"
	"testing"

	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/runtime/optest"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

// benchSource answers every key with one row, at once.
type benchSource struct{}

func (benchSource) Lookup(_ context.Context, keys []types.Row) ([][]types.Row, error) {
	out := make([][]types.Row, len(keys))
	for i, k := range keys {
		out[i] = []types.Row{{k[0], types.StringValue("name"), types.IntValue(1)}}
	}
	return out, nil
}
func (benchSource) Close() error { return nil }

// BenchmarkPartialCache90 joins batches of 1000 rows of which 900 hit the
// PARTIAL cache and 100 have new keys (one request per batch).
//
//	go test -run - -bench PartialCache90 ./internal/runtime/lookup/
func BenchmarkPartialCache90(b *testing.B) {
	tab := newTable(b, map[string]string{"lookup.cache": "PARTIAL", "lookup.partial-cache.max-rows": "100000"},
		map[string]connector.LookupSource{"a": benchSource{}})
	h := newHarness(b, newPlan(plan.InnerJoin, tab, nil), DefaultAsync)
	h.j.out.Open(h.ctx, optest.Discard{})
	const size, warm = 1000, 900
	hot := make([]string, warm)
	for i := range hot {
		hot[i] = fmt.Sprint("hot", i)
	}
	batch := types.NewBatch(size)
	fresh := 0
	fill := func() {
		batch.Reset()
		for i := 0; i < size; i++ {
			k := ""
			if i%10 == 9 {
				k = fmt.Sprint("new", fresh)
				fresh++
			} else {
				k = hot[(i*7+fresh)%warm]
			}
			batch.Append(types.Insert, in(int64(i), k, 0))
		}
	}
	fill()
	if err := h.j.Process(0, batch); err != nil {
		b.Fatal(err)
	}
	h.drain()
	batches := make([]*types.Batch, 64) // prebuilt, so building them is not measured
	for i := range batches {
		fill()
		batches[i] = &types.Batch{Rows: append([]types.Row(nil), batch.Rows...), Kinds: append([]types.RowKind(nil), batch.Kinds...)}
	}
	b.ResetTimer()
	rows := 0
	for i := 0; rows < b.N; i++ {
		if i%len(batches) == 0 && i > 0 {
			b.StopTimer()
			for _, bt := range batches { // new keys again, so they miss
				for r := 9; r < size; r += 10 {
					bt.Rows[r] = in(int64(r), fmt.Sprint("new", fresh), 0)
					fresh++
				}
			}
			b.StartTimer()
		}
		if err := h.j.Process(0, batches[i%len(batches)]); err != nil {
			b.Fatal(err)
		}
		rows += size
	}
	h.drain()
	b.StopTimer()
	s := h.j.Stats()
	b.ReportMetric(float64(s.CacheHits)/float64(s.CacheHits+s.CacheMisses)*100, "%hit")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(rows), "ns/row")
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkTinyBatches is the paced-source case: batches of 4 rows, one
// key cached and three new, so every batch has keys to look up; the
// dispatcher merges them into few requests (keys/req).
//
//	go test -run - -bench TinyBatches -benchmem ./internal/runtime/lookup/
func BenchmarkTinyBatches(b *testing.B) {
	tab := newTable(b, map[string]string{"lookup.cache": "PARTIAL", "lookup.partial-cache.max-rows": "100000"},
		map[string]connector.LookupSource{"a": benchSource{}})
	h := newHarness(b, newPlan(plan.InnerJoin, tab, nil), DefaultAsync)
	h.j.out.Open(h.ctx, optest.Discard{})
	const size = 4
	keys := make([]string, 1<<21) // more than the cache holds: most keys miss
	for i := range keys {
		keys[i] = fmt.Sprint("k", i)
	}
	batch := types.NewBatch(size)
	b.ReportAllocs()
	b.ResetTimer()
	rows := 0
	for i := 0; rows < b.N; i++ {
		batch.Reset()
		for r := 0; r < size; r++ {
			k := keys[(i*size+r)%len(keys)]
			if r == 0 {
				k = keys[r] // one hit per batch
			}
			batch.Append(types.Insert, in(int64(r), k, 0))
		}
		if err := h.j.Process(0, batch); err != nil {
			b.Fatal(err)
		}
		rows += size
	}
	h.drain()
	b.StopTimer()
	s := h.j.Stats()
	b.ReportMetric(float64(s.Keys)/float64(max(s.Requests, 1)), "keys/req")
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}
