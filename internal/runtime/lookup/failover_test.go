package lookup

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

// fastBackoff shortens the retry delays of a harness' operator.
func fastBackoff(h *harness) {
	h.j.fetch.backoff, h.j.fetch.maxBackoff = time.Millisecond, 4*time.Millisecond
}

// A failing request is retried; the rows come out once it succeeds.
func TestRetriesThenSuccess(t *testing.T) {
	f := abc()
	f.failNext.Store(2)
	h := newHarness(t, newPlan(plan.InnerJoin, newTable(t, map[string]string{"lookup.max-retries": "3"}, srcs(f)), nil), DefaultAsync)
	fastBackoff(h)
	h.process(in(1, "a", 0))
	h.drain()
	h.expect("+I[1, a, 0, a, x, 1]")
	if s := h.j.Stats(); s.Retries != 2 || s.Calls[0] != 3 || s.Requests != 1 {
		t.Errorf("stats %+v, want 1 request, 2 retries, 3 calls", s)
	}
}

// After max-retries the job fails naming the table, the backend and the
// last error.
func TestRetriesExhausted(t *testing.T) {
	f := abc()
	f.failNext.Store(-1)
	h := newHarness(t, newPlan(plan.InnerJoin, newTable(t, map[string]string{"lookup.max-retries": "2"}, srcs(f)), nil), DefaultAsync)
	fastBackoff(h)
	h.process(in(1, "a", 0))
	err := h.j.PrepareSnapshot()
	want := "LookupJoin[1]: lookup join on table 'dim': a lookup of 1 keys failed 3 times ('lookup.max-retries' = 2); last error from connector 'fake': connection refused"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v, want %q", err, want)
	}
	if f.nCalls() != 3 {
		t.Errorf("%d calls, want 3", f.nCalls())
	}
	// The failure sticks.
	if err := h.j.Process(0, batchOf(types.Insert, in(2, "b", 0))); err == nil {
		t.Error("Process after a failed lookup succeeded")
	}
}

// A request over the timeout counts as a failure and is retried.
func TestTimeoutRetried(t *testing.T) {
	f := abc()
	open := f.gate("a")
	defer open()
	h := newHarness(t, newPlan(plan.InnerJoin, newTable(t, nil, srcs(f)), nil), Async{Capacity: 10, Timeout: 30 * time.Millisecond, Ordered: true})
	fastBackoff(h)
	go func() {
		waitFor(t, "the first call", func() bool { return f.nCalls() >= 1 })
		f.mu.Lock()
		delete(f.gates, "a") // later calls answer at once
		f.mu.Unlock()
	}()
	h.process(in(1, "a", 0))
	h.drain()
	h.expect("+I[1, a, 0, a, x, 1]")
	if s := h.j.Stats(); s.Failures[0] != 1 || s.Retries != 1 {
		t.Errorf("stats %+v, want 1 failure, 1 retry", s)
	}
}

// pair returns a harness over primary a and secondary b.
func pair(t *testing.T, a, b *fakeSource, capacity int, opts map[string]string) *harness {
	o := map[string]string{"failover.backend": "b", "lookup.failover.failure-threshold": "3"}
	for k, v := range opts {
		o[k] = v
	}
	tab := newTable(t, o, map[string]connector.LookupSource{"a": a, "b": b})
	h := newHarness(t, newPlan(plan.InnerJoin, tab, nil), Async{Capacity: capacity, Ordered: true, Timeout: time.Minute})
	fastBackoff(h)
	return h
}

// keysBatch processes n rows with distinct keys k0.. and drains.
func (h *harness) round(n int) int {
	h.t.Helper()
	var rows []types.Row
	for i := 0; i < n; i++ {
		rows = append(rows, in(int64(i), fmt.Sprint("k", i), 0))
	}
	h.process(rows...)
	h.drain()
	return len(h.out.Take())
}

func kRows(n int) []types.Row {
	var rows []types.Row
	for i := 0; i < n; i++ {
		rows = append(rows, dim(fmt.Sprint("k", i), "v", int64(i)))
	}
	return rows
}

// A failing primary: its first requests fail over to the secondary at
// once, then its circuit opens and everything goes to the secondary; no
// row is lost. After the open duration one probe goes to the primary; when
// it answers again the circuit closes and traffic returns.
func TestFailoverPrimaryDown(t *testing.T) {
	a, b := newFake(kRows(4)...), newFake(kRows(4)...)
	a.failNext.Store(-1)
	h := pair(t, a, b, 1, map[string]string{"lookup.batch-size": "1"}) // one at a time: the breaker sees each failure
	for r := 0; r < 10; r++ {
		if n := h.round(4); n != 4 {
			t.Fatalf("round %d: %d rows, want 4", r, n)
		}
	}
	if s := h.j.Stats(); s.Calls[0] != 3 || s.Calls[1] != 40 || s.Retries != 0 {
		t.Errorf("stats %+v: want 3 primary calls (then open), 40 secondary, no retries", s)
	}
	h.advance(2 * time.Second) // open duration: half-open, one probe
	if n := h.round(4); n != 4 {
		t.Fatalf("%d rows, want 4", n)
	}
	if s := h.j.Stats(); s.Calls[0] != 4 {
		t.Errorf("%d primary calls after the probe, want 4", s.Calls[0])
	}
	a.failNext.Store(0)
	h.advance(2 * time.Second)
	h.round(4)
	h.round(4)
	// The probe succeeded and closed the circuit: all 8 to the primary.
	if s := h.j.Stats(); s.Calls[0] != 12 || s.Calls[1] != 44 {
		t.Errorf("stats %+v, want 12 primary calls and 44 secondary", s)
	}
}

// Both backends down: the job fails after the retries, naming both.
func TestFailoverBothDown(t *testing.T) {
	a, b := newFake(kRows(1)...), newFake(kRows(1)...)
	a.failNext.Store(-1)
	b.failNext.Store(-1)
	h := pair(t, a, b, 10, map[string]string{"lookup.max-retries": "2"})
	h.process(in(1, "k0", 0))
	err := h.j.PrepareSnapshot()
	want := "lookup join on table 'dim': a lookup of 1 keys failed 3 times ('lookup.max-retries' = 2); last error from the secondary backend (connector 'fake'; neither backend of the failover pair answered): connection refused"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v, want %q", err, want)
	}
	h.expect()
}

// A slow primary: traffic shifts to the secondary a step per second while
// its p99 is over the threshold, so the operator's request latency falls;
// when it recovers, traffic comes back.
func TestFailoverLatencyShift(t *testing.T) {
	const slow = 40 * time.Millisecond
	a, b := newFake(kRows(4)...), newFake(kRows(4)...)
	a.latency.Store(int64(slow))
	h := pair(t, a, b, 10, map[string]string{"lookup.batch-size": "1", "lookup.failover.latency-threshold": "5 ms"})
	var roundTime []time.Duration
	var shifted []float64
	for r := 0; r < 9; r++ {
		start := time.Now()
		if n := h.round(4); n != 4 {
			t.Fatalf("round %d: %d rows", r, n)
		}
		roundTime = append(roundTime, time.Since(start))
		shifted = append(shifted, h.j.Stats().Shifted)
		h.advance(time.Second)
	}
	// Rounds 0..4 shift 0, 25, 50, 75, 100%: then all requests go to the
	// secondary, which answers at once.
	if want := []float64{0, 0.25, 0.5, 0.75, 1, 1, 1, 1, 1}; fmt.Sprint(shifted) != fmt.Sprint(want) {
		t.Errorf("shifted %v, want %v", shifted, want)
	}
	s := h.j.Stats()
	if s.Calls[0] != 4+3+2+1 || s.Calls[1] != 1+2+3+4*5 {
		t.Errorf("calls %v, want [10 26]", s.Calls)
	}
	if roundTime[0] < slow {
		t.Errorf("round 0 took %v with a %v primary", roundTime[0], slow)
	}
	for r := 5; r < 9; r++ {
		if roundTime[r] >= roundTime[0] {
			t.Errorf("round %d took %v, not less than %v before shifting", r, roundTime[r], roundTime[0])
		}
	}
	// The primary recovers: with no recent samples it counts as healthy,
	// traffic comes back a step at a time and stays.
	a.latency.Store(0)
	for r := 0; r < 12; r++ {
		h.round(4)
		h.advance(time.Second)
	}
	before := h.j.Stats().Calls
	h.round(4)
	after := h.j.Stats()
	if after.Shifted != 0 || after.Calls[0]-before[0] != 4 || after.Calls[1] != before[1] {
		t.Errorf("after recovery: shifted %v, calls %v → %v; want everything back on the primary", after.Shifted, before, after.Calls)
	}
}

// The secondary's options are the table's with 'failover.<key>' replacing
// '<key>', validated against the connector's options.
func TestFailoverOptionsValidated(t *testing.T) {
	tab := newTable(t, map[string]string{"failover.bogus": "1"}, srcs(abc()))
	_, err := tryHarness(t, newPlan(plan.InnerJoin, tab, nil), DefaultAsync, 0, 1)
	if err == nil || !strings.Contains(err.Error(), "the failover backend ('failover.*' options) of lookup table 'dim'") ||
		!strings.Contains(err.Error(), "unsupported option 'bogus'") {
		t.Errorf("got %v", err)
	}
	tab = newTable(t, map[string]string{"failover.lookup.max-retries": "many"}, srcs(abc()))
	_, err = tryHarness(t, newPlan(plan.InnerJoin, tab, nil), DefaultAsync, 0, 1)
	if err == nil || !strings.Contains(err.Error(), "option 'lookup.max-retries': 'many' is not an integer") {
		t.Errorf("got %v", err)
	}
}
