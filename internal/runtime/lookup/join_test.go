package lookup

import (
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/runtime/optest"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

func dimRows() *fakeSource {
	return newFake(dim("a", "alpha1", 1), dim("a", "alpha2", 2), dim("b", "beta", 5))
}

// Each row joins every table row of its key; kinds pass through; INNER
// drops rows without a match (c) and with a NULL key, LEFT pads them.
func TestInnerAndLeftJoinMultipleMatches(t *testing.T) {
	for _, kind := range []plan.JoinKind{plan.InnerJoin, plan.LeftJoin} {
		t.Run(kind.String(), func(t *testing.T) {
			f := dimRows()
			h := newHarness(t, newPlan(kind, newTable(t, nil, srcs(f)), nil), DefaultAsync)
			b := batchOf(types.Insert, in(1, "a", 10), in(2, "c", 20), in(3, "b", 30), in(4, "null", 40))
			b.Kinds[2] = types.Delete
			b.Kinds[3] = types.UpdateAfter
			if err := h.j.Process(0, b); err != nil {
				t.Fatal(err)
			}
			h.drain()
			want := []string{
				"+I[1, a, 10, a, alpha1, 1]",
				"+I[1, a, 10, a, alpha2, 2]",
			}
			if kind == plan.LeftJoin {
				want = append(want, "+I[2, c, 20, null, null, null]")
			}
			want = append(want, "-D[3, b, 30, b, beta, 5]")
			if kind == plan.LeftJoin {
				want = append(want, "+U[4, null, 40, null, null, null]")
			}
			h.expect(want...)
			// One request for the batch's distinct non-NULL keys.
			if got := f.callLog(); got != "a,c,b" {
				t.Errorf("calls %q, want %q", got, "a,c,b")
			}
		})
	}
}

// The residual condition v > n filters the candidates; for LEFT, a row
// none of whose candidates pass is NULL-padded.
func TestResidualCondition(t *testing.T) {
	v := &plan.ColumnRef{Index: 2, Name: "v", T: types.BigIntType}
	n := &plan.ColumnRef{Index: 5, Name: "n", T: types.BigIntType}
	for _, kind := range []plan.JoinKind{plan.InnerJoin, plan.LeftJoin} {
		t.Run(kind.String(), func(t *testing.T) {
			h := newHarness(t, newPlan(kind, newTable(t, nil, srcs(dimRows())), optest.Call(t, ">", v, n)), DefaultAsync)
			h.process(in(1, "a", 1), in(2, "a", 2), in(3, "a", 3), in(4, "b", 1))
			h.drain()
			want := []string{}
			if kind == plan.LeftJoin {
				want = append(want, "+I[1, a, 1, null, null, null]")
			}
			want = append(want, "+I[2, a, 2, a, alpha1, 1]", "+I[3, a, 3, a, alpha1, 1]", "+I[3, a, 3, a, alpha2, 2]")
			if kind == plan.LeftJoin {
				want = append(want, "+I[4, b, 1, null, null, null]")
			}
			h.expect(want...)
		})
	}
}

// Distinct keys are looked up once, in requests of at most
// 'lookup.batch-size' keys; each input batch makes its own requests.
func TestBatching(t *testing.T) {
	f := newFake(dim("a", "x", 1), dim("b", "y", 2), dim("c", "z", 3), dim("d", "w", 4))
	h := newHarness(t, newPlan(plan.InnerJoin, newTable(t, map[string]string{"lookup.batch-size": "2"}, srcs(f)), nil), Async{Capacity: 1, Ordered: true})
	h.process(in(1, "a", 0), in(2, "b", 0), in(3, "a", 0), in(4, "c", 0), in(5, "d", 0), in(6, "b", 0), in(7, "e", 0))
	h.drain()
	if got, want := f.callLog(), "a,b|c,d|e"; got != want {
		t.Errorf("calls %q, want %q", got, want)
	}
	h.expect("+I[1, a, 0, a, x, 1]", "+I[2, b, 0, b, y, 2]", "+I[3, a, 0, a, x, 1]", "+I[4, c, 0, c, z, 3]",
		"+I[5, d, 0, d, w, 4]", "+I[6, b, 0, b, y, 2]")
	h.process(in(8, "a", 0), in(9, "a", 0))
	h.drain()
	if got, want := f.callLog(), "a,b|c,d|e|a"; got != want {
		t.Errorf("calls %q, want %q", got, want)
	}
	h.expect("+I[8, a, 0, a, x, 1]", "+I[9, a, 0, a, x, 1]")
}

// ORDERED keeps input order although the second batch is answered first;
// ALLOW_UNORDERED emits it as soon as it is answered.
func TestOrderedAndUnordered(t *testing.T) {
	for _, ordered := range []bool{true, false} {
		t.Run(map[bool]string{true: "ordered", false: "unordered"}[ordered], func(t *testing.T) {
			f := newFake(dim("s", "slow", 1), dim("f", "fast", 2))
			open := f.gate("s")
			h := newHarness(t, newPlan(plan.InnerJoin, newTable(t, nil, srcs(f)), nil), Async{Capacity: 10, Ordered: ordered})
			h.process(in(1, "s", 0))
			h.process(in(2, "f", 0))
			waitFor(t, "the fast answer", func() bool {
				if err := h.j.OnProcTime(0); err != nil {
					t.Fatal(err)
				}
				return f.answered.Load() == 1
			})
			if err := h.j.OnProcTime(0); err != nil {
				t.Fatal(err)
			}
			if ordered {
				h.expect()
			} else {
				h.expect("+I[2, f, 0, f, fast, 2]")
			}
			open()
			if err := h.j.Finish(); err != nil {
				t.Fatal(err)
			}
			if ordered {
				h.expect("+I[1, s, 0, s, slow, 1]", "+I[2, f, 0, f, fast, 2]")
			} else {
				h.expect("+I[1, s, 0, s, slow, 1]")
			}
		})
	}
}

// Unordered results never overtake a watermark: the batch after it waits
// for the slow batch before it and for the watermark.
func TestUnorderedWatermarkNotOvertaken(t *testing.T) {
	f := newFake(dim("s", "slow", 1), dim("f", "fast", 2))
	open := f.gate("s")
	h := newHarness(t, newPlan(plan.InnerJoin, newTable(t, nil, srcs(f)), nil), Async{Capacity: 10, Ordered: false})
	h.process(in(1, "s", 0))
	if err := h.j.Watermark(100 * int64(time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	h.process(in(2, "f", 0))
	waitFor(t, "the fast answer", func() bool { return f.answered.Load() == 1 })
	if err := h.j.OnProcTime(0); err != nil {
		t.Fatal(err)
	}
	h.expect()
	open()
	if err := h.j.Finish(); err != nil {
		t.Fatal(err)
	}
	h.expect("+I[1, s, 0, s, slow, 1]", "WM 100", "+I[2, f, 0, f, fast, 2]")
	// With nothing in flight a watermark passes at once.
	if err := h.j.Watermark(200 * int64(time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	h.expect("WM 200")
}

// PrepareSnapshot returns only when every lookup in flight was answered
// and emitted.
func TestPrepareSnapshotDrains(t *testing.T) {
	f := newFake(dim("a", "x", 1), dim("b", "y", 2))
	f.latency.Store(int64(20 * time.Millisecond))
	h := newHarness(t, newPlan(plan.InnerJoin, newTable(t, map[string]string{"lookup.batch-size": "1"}, srcs(f)), nil), Async{Capacity: 10, Ordered: false})
	h.process(in(1, "a", 0))
	h.process(in(2, "b", 0))
	if err := h.j.Watermark(5 * int64(time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	h.drain()
	got := h.out.Take()
	if len(got) != 3 || got[2] != "WM 5" || h.j.inflight != 0 || len(h.j.queue) != 0 {
		t.Errorf("after PrepareSnapshot: output %q, %d in flight, %d queued; want both rows then WM 5, nothing pending", got, h.j.inflight, len(h.j.queue))
	}
}

// The in-flight bound holds: with capacity 1 a second request waits for
// the first, so the source never sees two calls at once.
func TestCapacityBound(t *testing.T) {
	f := newFake(dim("a", "x", 1), dim("b", "y", 2), dim("c", "z", 3))
	open := f.gate("a")
	h := newHarness(t, newPlan(plan.InnerJoin, newTable(t, map[string]string{"lookup.batch-size": "1"}, srcs(f)), nil), Async{Capacity: 1, Ordered: true})
	done := make(chan error)
	go func() { done <- h.j.Process(0, batchOf(types.Insert, in(1, "a", 0), in(2, "b", 0), in(3, "c", 0))) }()
	waitFor(t, "the first call", func() bool { return f.nCalls() == 1 })
	time.Sleep(20 * time.Millisecond) // a second call would show now
	if n := f.nCalls(); n != 1 {
		t.Errorf("%d calls in flight with capacity 1", n)
	}
	open()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	h.drain()
	h.expect("+I[1, a, 0, a, x, 1]", "+I[2, b, 0, b, y, 2]", "+I[3, c, 0, c, z, 3]")
}

func TestNewRejectsBadPlans(t *testing.T) {
	tab := newTable(t, nil, srcs(dimRows()))
	for _, c := range []struct {
		x    *plan.LookupJoin
		want string
	}{
		{newPlan(plan.FullJoin, tab, nil), "join kind FullOuterJoin is not supported"},
		{&plan.LookupJoin{Kind: plan.InnerJoin, Input: input, Table: tab, TableKeys: []int{0, 1}, InputKeys: []int{1}}, "2 table keys for 1 input keys"},
	} {
		if _, err := New(c.x, DefaultAsync); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want an error containing %q", err, c.want)
		}
	}
}
