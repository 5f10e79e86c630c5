package jdbc

import (
	"context"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/types"
)

// BenchmarkLookupPostgresIN looks up 1024 keys per call (one SELECT ...
// WHERE id IN (...)) against the machine's PostgreSQL; it reports keys/s
// and the mean latency of a call.
func BenchmarkLookupPostgresIN(b *testing.B) {
	be := backends[0]
	db := be.admin(b)
	tbl := tableName(b, db)
	const table, perCall = 100000, 1024
	exec(b, db, "CREATE TABLE "+tbl+" (id BIGINT PRIMARY KEY, name TEXT, score DOUBLE PRECISION)",
		"INSERT INTO "+tbl+" SELECT g, 'name-' || g, g * 0.5 FROM generate_series(0, 99999) g", "ANALYZE "+tbl)
	schema := []types.Field{col("id", types.BigIntType), col("name", types.StringType), col("score", types.DoubleType)}
	src := mustOpen(b, be.url, tbl, schema, []int{0})
	ctx := context.Background()
	keys := make([]types.Row, perCall)
	b.ResetTimer()
	start := time.Now()
	for n := 0; n < b.N; n++ {
		for i := range keys {
			keys[i] = types.Row{types.IntValue(int64((n*perCall + i*7919) % table))}
		}
		got, err := src.Lookup(ctx, keys)
		if err != nil {
			b.Fatal(err)
		}
		if got[0] == nil {
			b.Fatal("key not found")
		}
	}
	el := time.Since(start)
	b.ReportMetric(float64(b.N*perCall)/el.Seconds(), "keys/s")
	b.ReportMetric(float64(el.Microseconds())/float64(b.N), "µs/call")
}
