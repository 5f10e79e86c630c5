package lookup

import (
	"testing"
	"time"
)

// Buckets are contiguous and ordered: every latency lands in a bucket whose
// upper bound is at least the latency and within 1/16 of it.
func TestLatencyBuckets(t *testing.T) {
	prev := -1
	for _, d := range []int64{0, 1, 1023, 1024, 16 << 10, 17 << 10, 31<<10 + 5, 32 << 10, 1e6, 5e6, 123456789, 1e12, 1 << 62} {
		b := latBucket(d)
		if b < prev {
			t.Fatalf("latency %d: bucket %d below the previous one %d", d, b, prev)
		}
		prev = b
		u := int64(latUpper(b))
		if u < d || (d >= 16<<10 && float64(u-d) > float64(d)/16) {
			t.Fatalf("latency %d: bucket %d has upper bound %d", d, b, u)
		}
		if b > 0 && int64(latUpper(b-1)) >= d {
			t.Fatalf("latency %d fits bucket %d (upper %d) below its own %d", d, b-1, latUpper(b-1), b)
		}
	}
}

// 98 records at 1 ms and 2 at 10 ms: p50 is the 1 ms bucket, p99 the 10 ms
// bucket (capped at the maximum, 10 ms exactly); Since and Add slice and
// merge snapshots.
func TestLatencyQuantiles(t *testing.T) {
	var h latencyHist
	h.record(time.Millisecond, 98)
	before := h.snapshot()
	h.record(10*time.Millisecond, 2)
	l := h.snapshot()
	if l.Count != 100 || l.Max != 10*time.Millisecond {
		t.Fatalf("count %d max %s, want 100 and 10ms", l.Count, l.Max)
	}
	if p := l.Quantile(0.5); p < time.Millisecond || p > time.Millisecond+time.Millisecond/16 {
		t.Fatalf("p50 %s, want 1ms (+6.25%%)", p)
	}
	if p := l.Quantile(0.99); p != 10*time.Millisecond {
		t.Fatalf("p99 %s, want 10ms", p)
	}
	if p := l.Quantile(0.98); p > time.Millisecond+time.Millisecond/16 {
		t.Fatalf("p98 %s, want 1ms (+6.25%%)", p)
	}
	s := l.Since(before)
	if s.Count != 2 || s.Quantile(0.5) != 10*time.Millisecond {
		t.Fatalf("since: count %d p50 %s, want 2 and 10ms", s.Count, s.Quantile(0.5))
	}
	if a := before.Add(s); a.Count != 100 || a.Quantile(0.99) != 10*time.Millisecond {
		t.Fatalf("add: count %d p99 %s", a.Count, a.Quantile(0.99))
	}
	if (Latency{}).Quantile(0.99) != 0 {
		t.Fatal("an empty snapshot has a quantile")
	}
}
