package redis

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/format/raw"
	"github.com/sluicehq/sluice/internal/types"
)

// BenchmarkLookupMGET looks up 1024 keys per call (one MGET) against the
// machine's Redis; it reports keys/s and the mean latency of a call.
func BenchmarkLookupMGET(b *testing.B) {
	c := client(b)
	p := prefix(b, c)
	ctx := context.Background()
	const table, perCall = 100000, 1024
	var kv []any
	for i := 0; i < table; i++ {
		kv = append(kv, fmt.Sprintf("%s%d", p, i), fmt.Sprintf("value-%d", i))
		if len(kv) == 2000 {
			c.MSet(ctx, kv...)
			kv = kv[:0]
		}
	}
	d := def{schema: []types.Field{col("k", types.IntType.NotNull()), col("v", types.StringType)}, pk: []int{0}, format: raw.New(),
		opts: []string{"key-prefix", p}}
	src := d.mustLookup(b, []int{0})
	keys := make([]types.Row, perCall)
	b.ResetTimer()
	start := time.Now()
	for n := 0; n < b.N; n++ {
		for i := range keys {
			keys[i] = types.Row{types.IntValue(int64((n*perCall + i*7919) % table))}
		}
		if _, err := src.Lookup(ctx, keys); err != nil {
			b.Fatal(err)
		}
	}
	el := time.Since(start)
	b.ReportMetric(float64(b.N*perCall)/el.Seconds(), "keys/s")
	b.ReportMetric(float64(el.Microseconds())/float64(b.N), "µs/call")
}
