package lookup

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// Per-record latency: the time from a row entering the operator (Process)
// to its joined rows being appended to the output, recorded once per input
// batch with the batch's row count. The histogram has log-linear buckets:
// 16 linear sub-buckets per power of two of 1024 ns, so a quantile is
// within 1/16 (6.25%) of the true value; 1024 buckets cover every int64.

const (
	latSubBits = 4
	latSub     = 1 << latSubBits
	latUnit    = 10 // bucket values are in units of 1<<latUnit ns (~1 µs)
	latBuckets = 64 << latSubBits
)

// latencyHist is written by the task goroutine and read concurrently.
type latencyHist struct {
	counts [latBuckets]atomic.Int64
	max    atomic.Int64
}

func latBucket(ns int64) int {
	u := uint64(max(ns, 0)) >> latUnit
	if u < latSub {
		return int(u)
	}
	e := bits.Len64(u) - latSubBits - 1 // u>>e is in [latSub, 2*latSub)
	return (e+1)<<latSubBits + int(u>>e) - latSub
}

// latUpper is the largest latency bucket b holds.
func latUpper(b int) time.Duration {
	if b < latSub {
		return time.Duration((int64(b)+1)<<latUnit - 1)
	}
	e := b>>latSubBits - 1
	m := int64(b&(latSub-1) + latSub)
	return time.Duration(((m+1)<<e)<<latUnit - 1)
}

// record counts n rows that waited d.
func (h *latencyHist) record(d time.Duration, n int) {
	if n <= 0 {
		return
	}
	h.counts[latBucket(int64(d))].Add(int64(n))
	for {
		m := h.max.Load()
		if int64(d) <= m || h.max.CompareAndSwap(m, int64(d)) {
			return
		}
	}
}

func (h *latencyHist) snapshot() Latency {
	var l Latency
	for i := range h.counts {
		if c := h.counts[i].Load(); c > 0 {
			if l.Buckets == nil {
				l.Buckets = make([]int64, latBuckets)
			}
			l.Buckets[i] = c
			l.Count += c
		}
	}
	l.Max = time.Duration(h.max.Load())
	return l
}

// Latency is a snapshot of the per-record latency histogram: the time from
// a row entering the lookup operator to its result being emitted (cache
// hits included, so it is the latency the join adds to a record).
type Latency struct {
	Count   int64         // records
	Max     time.Duration // the largest latency recorded
	Buckets []int64       // counts per bucket (nil when Count is 0)
}

// Quantile returns the latency below which a fraction q of the records
// fall: the upper bound of the bucket holding that record (at most 6.25%
// above the true value), never above Max; 0 without records.
func (l Latency) Quantile(q float64) time.Duration {
	if l.Count == 0 {
		return 0
	}
	rank := int64(q*float64(l.Count) + 0.5)
	rank = min(max(rank, 1), l.Count)
	var seen int64
	for i, c := range l.Buckets {
		if seen += c; seen >= rank {
			u := latUpper(i)
			if l.Max > 0 && u > l.Max {
				u = l.Max
			}
			return u
		}
	}
	return l.Max
}

// Add returns the records of l and m together (e.g. of parallel instances).
func (l Latency) Add(m Latency) Latency {
	out := Latency{Count: l.Count + m.Count, Max: max(l.Max, m.Max)}
	if out.Count == 0 {
		return out
	}
	out.Buckets = make([]int64, latBuckets)
	for i := range out.Buckets {
		if l.Buckets != nil {
			out.Buckets[i] += l.Buckets[i]
		}
		if m.Buckets != nil {
			out.Buckets[i] += m.Buckets[i]
		}
	}
	return out
}

// Since returns the records of l not in the earlier snapshot before (a
// time slice of a run, e.g. a failover). Max is then the upper bound of
// the highest bucket with records, since the true maximum is not kept per
// slice.
func (l Latency) Since(before Latency) Latency {
	out := Latency{Count: l.Count - before.Count}
	if out.Count <= 0 {
		return Latency{}
	}
	out.Buckets = make([]int64, latBuckets)
	for i := range out.Buckets {
		out.Buckets[i] = l.Buckets[i]
		if before.Buckets != nil {
			out.Buckets[i] -= before.Buckets[i]
		}
		if out.Buckets[i] > 0 {
			out.Max = min(latUpper(i), l.Max)
		}
	}
	return out
}
