package lookupit

import (
	"context"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/connector/all"
)

// The benchmark at a tiny size, with failover: every row is joined with its
// value, none lost, and each has one latency record.
func TestBenchSmoke(t *testing.T) {
	res, err := RunBench(context.Background(), BenchConfig{Keys: 1000, Rate: 2000, Duration: time.Second, Failover: true,
		Parallelism: 1, Connectors: all.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 2000 || res.Received != 2000 || res.Lost != 0 || res.Wrong != 0 {
		t.Fatalf("rows %d, received %d, lost %d, wrong %d; want 2000, 2000, 0, 0", res.Rows, res.Received, res.Lost, res.Wrong)
	}
	if res.Latency.Count != 2000 || res.Latency.Quantile(0.99) <= 0 {
		t.Fatalf("latency records %d (p99 %s), want 2000", res.Latency.Count, res.Latency.Quantile(0.99))
	}
	if res.FailoverLatency.Count <= 0 || res.FailoverLatency.Count >= 2000 {
		t.Fatalf("%d latency records after the kill, want some but not all", res.FailoverLatency.Count)
	}
	if res.Stats.Calls[1] == 0 {
		t.Fatalf("the secondary was never asked: %+v", res.Stats)
	}
}
