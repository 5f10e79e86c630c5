package lookup

import (
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

func sixKeys() *fakeSource {
	return newFake(dim("a", "A", 1), dim("b", "B", 2), dim("c", "C", 3), dim("d", "D", 4), dim("e", "E", 5), dim("f", "F", 6))
}

// While the one allowed request is in flight, the keys of the batches that
// arrive wait and go together in the next requests: distinct (b is wanted
// by two batches, asked once), oldest first, at most 'lookup.batch-size'
// keys each. The output keeps input order.
func TestCoalescesBatchesWhileInFlight(t *testing.T) {
	f := sixKeys()
	open := f.gate("a")
	tab := newTable(t, map[string]string{"lookup.batch-size": "3"}, srcs(f))
	h := newHarness(t, newPlan(plan.InnerJoin, tab, nil), Async{Capacity: 10, Ordered: true, Requests: 1})
	h.process(in(1, "a", 0))
	h.process(in(2, "b", 0), in(3, "c", 0))
	h.process(in(4, "d", 0), in(5, "b", 0))
	h.process(in(6, "e", 0), in(7, "f", 0))
	waitFor(t, "the first call", func() bool { return f.nCalls() == 1 })
	if got := f.callLog(); got != "a" {
		t.Fatalf("calls %q while the first is in flight, want only %q", got, "a")
	}
	open()
	h.drain()
	if got, want := f.callLog(), "a|b,c,d|e,f"; got != want {
		t.Errorf("calls %q, want %q", got, want)
	}
	h.expect("+I[1, a, 0, a, A, 1]", "+I[2, b, 0, b, B, 2]", "+I[3, c, 0, c, C, 3]", "+I[4, d, 0, d, D, 4]",
		"+I[5, b, 0, b, B, 2]", "+I[6, e, 0, e, E, 5]", "+I[7, f, 0, f, F, 6]")
	if s := h.j.Stats(); s.Requests != 3 || s.Keys != 6 {
		t.Errorf("stats: %d requests of %d keys, want 3 of 6", s.Requests, s.Keys)
	}
}

// ORDERED: later batches answered first wait for the first; a watermark
// between them leaves in its place.
func TestCoalescedOrderedOutput(t *testing.T) {
	f := sixKeys()
	open := f.gate("a")
	h := newHarness(t, newPlan(plan.InnerJoin, newTable(t, nil, srcs(f)), nil), Async{Capacity: 10, Ordered: true, Requests: 2})
	h.process(in(1, "a", 0))
	if err := h.j.Watermark(7 * int64(time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	h.process(in(2, "b", 0))
	h.process(in(3, "c", 0))
	waitFor(t, "the answers after the first", func() bool {
		if err := h.j.OnProcTime(0); err != nil {
			t.Fatal(err)
		}
		return f.answered.Load() >= 2 && h.j.inflight == 1
	})
	h.expect()
	open()
	h.drain()
	h.expect("+I[1, a, 0, a, A, 1]", "WM 7", "+I[2, b, 0, b, B, 2]", "+I[3, c, 0, c, C, 3]")
}

// Async.Requests bounds the requests in flight (two here, though four keys
// of batch size 1 wait), and Async.Capacity the queued input batches:
// Process blocks while Capacity batches wait for answers.
func TestRequestsAndCapacityBound(t *testing.T) {
	f := sixKeys()
	gates := []func(){f.gate("a"), f.gate("b"), f.gate("c"), f.gate("d")}
	tab := newTable(t, map[string]string{"lookup.batch-size": "1"}, srcs(f))
	h := newHarness(t, newPlan(plan.InnerJoin, tab, nil), Async{Capacity: 2, Ordered: true, Requests: 2})
	h.process(in(1, "a", 0), in(2, "b", 0), in(3, "c", 0), in(4, "d", 0))
	waitFor(t, "two calls", func() bool { return f.nCalls() == 2 })
	returned := make(chan error, 1)
	go func() { returned <- h.j.Process(0, batchOf(types.Insert, in(5, "e", 0))) }()
	time.Sleep(20 * time.Millisecond) // a third call, or Process returning, would show now
	if n := f.nCalls(); n != 2 {
		t.Errorf("%d calls with at most 2 requests in flight", n)
	}
	select {
	case err := <-returned:
		t.Fatalf("Process returned (%v) with 2 batches queued and capacity 2", err)
	default:
	}
	for _, open := range gates {
		open()
	}
	if err := <-returned; err != nil {
		t.Fatal(err)
	}
	h.drain()
	if got := f.most.Load(); got != 2 {
		t.Errorf("at most %d calls at once, want 2", got)
	}
	if got, want := len(strings.Split(f.callLog(), "|")), 5; got != want {
		t.Errorf("%d calls (%s), want %d of one key", got, f.callLog(), want)
	}
	h.expect("+I[1, a, 0, a, A, 1]", "+I[2, b, 0, b, B, 2]", "+I[3, c, 0, c, C, 3]", "+I[4, d, 0, d, D, 4]", "+I[5, e, 0, e, E, 5]")
}

// PrepareSnapshot and Finish wait for keys still waiting for a request, not
// only for the requests in flight.
func TestDrainIncludesWaitingKeys(t *testing.T) {
	for _, finish := range []bool{false, true} {
		t.Run(map[bool]string{false: "PrepareSnapshot", true: "Finish"}[finish], func(t *testing.T) {
			f := sixKeys()
			open := f.gate("a")
			h := newHarness(t, newPlan(plan.LeftJoin, newTable(t, nil, srcs(f)), nil), Async{Capacity: 10, Ordered: false, Requests: 1})
			h.process(in(1, "a", 0))
			h.process(in(2, "b", 0), in(3, "x", 0))
			h.process(in(4, "c", 0))
			if h.j.disp.head == len(h.j.disp.pending) {
				t.Fatal("no key waiting for a request")
			}
			go func() { time.Sleep(10 * time.Millisecond); open() }()
			var err error
			if finish {
				err = h.j.Finish()
			} else {
				err = h.j.PrepareSnapshot()
			}
			if err != nil {
				t.Fatal(err)
			}
			if h.j.inflight != 0 || len(h.j.queue) != 0 {
				t.Errorf("%d keys in flight, %d batches queued after draining", h.j.inflight, len(h.j.queue))
			}
			h.expect("+I[1, a, 0, a, A, 1]", "+I[2, b, 0, b, B, 2]", "+I[3, x, 0, null, null, null]", "+I[4, c, 0, c, C, 3]")
			if got, want := f.callLog(), "a|b,x,c"; got != want {
				t.Errorf("calls %q, want %q", got, want)
			}
		})
	}
}

// A failed coalesced request fails the job, naming every key count.
func TestCoalescedRequestFails(t *testing.T) {
	f := sixKeys()
	open := f.gate("a")
	tab := newTable(t, map[string]string{"lookup.max-retries": "0"}, srcs(f))
	h := newHarness(t, newPlan(plan.InnerJoin, tab, nil), Async{Capacity: 10, Ordered: true, Requests: 1})
	h.process(in(1, "a", 0))
	h.process(in(2, "b", 0))
	h.process(in(3, "c", 0))
	f.failNext.Store(-1)
	open()
	err := h.j.PrepareSnapshot()
	if err == nil || !strings.Contains(err.Error(), "a lookup of 1 keys failed once") {
		t.Fatalf("got %v, want the first request's failure", err)
	}
	if err := h.j.Process(0, batchOf(types.Insert, in(4, "d", 0))); err == nil {
		t.Fatal("Process after the failure succeeded")
	}
}

// Close returns while keys wait and nobody takes the answers.
func TestCloseWithKeysWaiting(t *testing.T) {
	f := sixKeys()
	f.latency.Store(int64(5 * time.Millisecond))
	tab := newTable(t, map[string]string{"lookup.batch-size": "1"}, srcs(f))
	h := newHarness(t, newPlan(plan.InnerJoin, tab, nil), Async{Capacity: 10, Ordered: true, Requests: 1})
	h.process(in(1, "a", 0), in(2, "b", 0), in(3, "c", 0), in(4, "d", 0))
	closed := make(chan error, 1)
	go func() { closed <- h.j.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return")
	}
	if n := f.nCalls(); n >= 4 {
		t.Errorf("%d calls after Close, want the waiting keys dropped", n)
	}
}
