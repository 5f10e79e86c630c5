package window

import (
	"errors"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

func tumble(sizeMs, offsetMs int64) plan.Window {
	return plan.Window{Kind: plan.Tumble, TimeCol: tsCol, Size: sizeMs * ms, Offset: offsetMs * ms}
}

func hop(sizeMs, slideMs, offsetMs int64) plan.Window {
	return plan.Window{Kind: plan.Hop, TimeCol: tsCol, Size: sizeMs * ms, Slide: slideMs * ms, Offset: offsetMs * ms}
}

func cumulate(sizeMs, stepMs, offsetMs int64) plan.Window {
	return plan.Window{Kind: plan.Cumulate, TimeCol: tsCol, Size: sizeMs * ms, Step: stepMs * ms, Offset: offsetMs * ms}
}

func TestTumbleFiresAtEndMinusOneMsAndDropsLateRows(t *testing.T) {
	h, _ := newWindowAgg(t, tumble(10, 0), []int{0}, call(t, plan.AggCount, "c"), call(t, plan.AggSum, "s", 1))
	h.Send(0, -1, types.Insert, r("a", 1, 1), r("b", 2, 3), r("a", 3, 9), r("a", 4, 10), r("b", 5, 19))
	h.WM(8)
	h.Expect("WM 8")
	h.WM(9) // window [0, 10) has window_time 9
	h.Expect("+I[a, 2, 4, 0, 10, 9]", "+I[b, 1, 2, 0, 10, 9]", "WM 9")
	// The sender had emitted 9: a row of slice [0, 10) is late; [10, 20) is not.
	h.Send(0, 9, types.Insert, r("a", 100, 5), r("a", 7, 10))
	if got := h.Ctx.Metrics.LateDropped.Load(); got != 1 {
		t.Errorf("late dropped = %d, want 1", got)
	}
	h.End()
	h.Expect("+I[a, 2, 11, 10, 20, 19]", "+I[b, 1, 5, 10, 20, 19]", "WM end")
	if n := h.Op.(*WindowAggregate).store.Len(); n != 0 {
		t.Errorf("state entries after EndOfTime = %d, want 0", n)
	}
}

func TestTumbleWithOffset(t *testing.T) {
	h, _ := newWindowAgg(t, tumble(10, 3), nil, call(t, plan.AggCount, "c"))
	h.Send(0, -1, types.Insert, msRow(1), msRow(5), msRow(12), msRow(13))
	h.WM(2)
	h.Expect("+I[1, -7, 3, 2]", "WM 2")
	h.End()
	h.Expect("+I[2, 3, 13, 12]", "+I[1, 13, 23, 22]", "WM end")
}

func msRow(tsMs int64) types.Row { return r("k", 1, tsMs) }

func TestHopMergesSlicesAndDropsThemAfterTheLastWindow(t *testing.T) {
	h, _ := newWindowAgg(t, hop(10, 5, 0), nil,
		call(t, plan.AggCount, "c"), distinctCall(call(t, plan.AggCount, "cd", 1)), call(t, plan.AggMax, "mx", 1))
	w := h.Op.(*WindowAggregate)
	h.Send(0, -1, types.Insert, r("k", 7, 1), r("k", 7, 6), r("k", 8, 12))
	if n := w.store.Len(); n != 3 {
		t.Fatalf("state entries = %d, want 3 slices", n)
	}
	h.WM(9) // windows ending 5 and 10 fire; slice [0, 5) is used by no later window
	h.Expect("+I[1, 1, 7, -5, 5, 4]", "+I[2, 1, 7, 0, 10, 9]", "WM 9")
	if n := w.store.Len(); n != 2 {
		t.Errorf("state entries after wm 9 = %d, want 2", n)
	}
	h.WM(14)
	h.Expect("+I[2, 2, 8, 5, 15, 14]", "WM 14")
	if n := w.store.Len(); n != 1 {
		t.Errorf("state entries after wm 14 = %d, want 1", n)
	}
	h.End()
	h.Expect("+I[1, 1, 8, 10, 20, 19]", "WM end")
	if n := w.store.Len(); n != 0 || len(w.live) != 0 {
		t.Errorf("state entries after EndOfTime = %d (%d live slices), want 0", w.store.Len(), len(w.live))
	}
}

func distinctCall(c plan.AggCall) plan.AggCall { c.Distinct = true; return c }

func TestHopWithOffsetFiresInEndOrder(t *testing.T) {
	h, _ := newWindowAgg(t, hop(10, 5, 2), []int{0}, call(t, plan.AggCount, "c"))
	// ts 1 is in [-8, 2) and [-3, 7); ts 6 in [-3, 7) and [2, 12).
	h.Send(0, -1, types.Insert, r("b", 0, 1), r("a", 0, 6))
	h.End()
	h.Expect(
		"+I[b, 1, -8, 2, 1]",
		"+I[a, 1, -3, 7, 6]", "+I[b, 1, -3, 7, 6]",
		"+I[a, 1, 2, 12, 11]",
		"WM end")
}

func TestCumulate(t *testing.T) {
	h, _ := newWindowAgg(t, cumulate(6, 2, 0), []int{0}, call(t, plan.AggCount, "c"), call(t, plan.AggListAgg, "l", 0))
	h.Send(0, -1, types.Insert, r("a", 0, 1), r("a", 0, 3), r("b", 0, 4), r("a", 0, 7))
	h.End()
	h.Expect(
		"+I[a, 1, a, 0, 2, 1]",
		"+I[a, 2, a,a, 0, 4, 3]",
		"+I[a, 2, a,a, 0, 6, 5]", "+I[b, 1, b, 0, 6, 5]",
		"+I[a, 1, a, 6, 8, 7]",
		"+I[a, 1, a, 6, 10, 9]",
		"+I[a, 1, a, 6, 12, 11]",
		"WM end")
	if n := h.Op.(*WindowAggregate).store.Len(); n != 0 {
		t.Errorf("state entries = %d, want 0", n)
	}
}

func TestCumulateWithOffset(t *testing.T) {
	h, _ := newWindowAgg(t, cumulate(6, 2, 1), nil, call(t, plan.AggCount, "c"))
	h.Send(0, -1, types.Insert, msRow(0), msRow(1))
	h.End()
	h.Expect("+I[1, -5, 1, 0]", "+I[1, 1, 3, 2]", "+I[1, 1, 5, 4]", "+I[1, 1, 7, 6]", "WM end")
}

func TestWindowAggregateErrors(t *testing.T) {
	h, _ := newWindowAgg(t, tumble(10, 0), nil, call(t, plan.AggCount, "c"))
	err := h.Process(0, -1, types.Insert, types.Row{types.StringValue("a"), types.IntValue(1), types.Value{}})
	if !errors.Is(err, ErrNullTime) || !strings.Contains(err.Error(), `"ts"`) {
		t.Errorf("NULL time error = %v", err)
	}
	b := types.NewBatch(1)
	b.Append(types.Delete, r("a", 1, 1))
	if err := h.Op.Process(0, b); !errors.Is(err, ErrRetraction) {
		t.Errorf("retraction error = %v", err)
	}
	n := plan.NewWindowAggregate(in, plan.Window{Kind: plan.Cumulate, TimeCol: tsCol, Size: 5 * ms, Step: 2 * ms}, nil, nil)
	if err := NewWindowAggregate(n).Open(h.Ctx, h.Out); err == nil || !strings.Contains(err.Error(), "multiple of step") {
		t.Errorf("bad cumulate error = %v", err)
	}
}

func TestProcessingTimeTumble(t *testing.T) {
	w := tumble(10, 0)
	w.ProcTime = true
	h, _ := newWindowAgg(t, w, nil, call(t, plan.AggCount, "c"))
	h.Now = 3*ms + 500 // processing time is truncated to the millisecond
	h.Send(0, -1, types.Insert, msRow(500), msRow(600))
	fire := func(nowMs int64) {
		if err := h.Op.(*WindowAggregate).OnProcTime(nowMs * ms); err != nil {
			t.Fatal(err)
		}
	}
	h.WM(100) // watermarks do not fire processing-time windows
	fire(8)
	h.Expect("WM 100")
	fire(9)
	h.Expect("+I[2, 0, 10, 9]")
	// Open at the end of a bounded input: dropped, as Flink drops pending
	// processing-time timers.
	h.Now = 12 * ms
	h.Send(0, -1, types.Insert, msRow(0))
	h.End()
	h.Expect("WM end")
}

// Two rows partly late by their senders' watermarks, deferred because the
// operator's own watermark lags: each joins only the windows its sender had
// not passed, whatever order they are released in. (Seed 861 of the
// differential test: the second row used to land in window [-6 s, 2 s).)
func TestDeferredRowsJoinOnlyWindowsTheirSenderHadNotPassed(t *testing.T) {
	h, _ := newWindowAgg(t, hop(8000, 2000, 0), nil, call(t, plan.AggCount, "c"))
	h.Send(0, 0, types.Insert, r("k", 0, -3339))   // slice -2000: windows ending -2000..4000; those ending by 0 are closed
	h.Send(0, 2154, types.Insert, r("k", 0, 1539)) // slice 2000: windows ending 2000..8000; the one ending 2000 is closed
	h.WM(14194)
	h.Expect(
		"+I[1, -6000, 2000, 1999]",
		"+I[2, -4000, 4000, 3999]",
		"+I[1, -2000, 6000, 5999]",
		"+I[1, 0, 8000, 7999]",
		"WM 14194")
}
