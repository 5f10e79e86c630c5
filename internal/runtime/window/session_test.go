package window

import (
	"testing"

	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

func TestSessionMergesAndJudgesLatenessOnTheMergedSession(t *testing.T) {
	w := plan.Window{Kind: plan.Session, TimeCol: tsCol, Gap: 10 * ms}
	h, _ := newWindowAgg(t, w, []int{0}, call(t, plan.AggCount, "c"), call(t, plan.AggSum, "s", 1))
	h.Send(0, -1, types.Insert, r("a", 1, 0), r("a", 1, 5), r("b", 1, 3), r("a", 1, 30), r("a", 1, 16))
	// a: [0, 15), [16, 26), [30, 40); ts 15 touches both of the first two.
	h.Send(0, -1, types.Insert, r("a", 10, 15))
	h.WM(12)
	h.Expect("+I[b, 1, 1, 3, 13, 12]", "WM 12")
	// b@1 would open [1, 11): ended by the sender's watermark 12, late.
	// a@2 joins the open session [0, 26): not late.
	h.Send(0, 12, types.Insert, r("b", 1, 1), r("a", 100, 2))
	if got := h.Ctx.Metrics.LateDropped.Load(); got != 1 {
		t.Errorf("late dropped = %d, want 1", got)
	}
	h.End()
	h.Expect("+I[a, 5, 113, 0, 26, 25]", "+I[a, 1, 1, 30, 40, 39]", "WM end")
	if n := h.Op.(*SessionAggregate).store.Len(); n != 0 {
		t.Errorf("state entries = %d, want 0", n)
	}
}

func TestSessionPartitionKeys(t *testing.T) {
	// PARTITION BY k without grouping by it: sessions are still per k.
	w := plan.Window{Kind: plan.Session, TimeCol: tsCol, Gap: 10 * ms, PartitionKeys: []int{0}}
	h, _ := newWindowAgg(t, w, nil, call(t, plan.AggCount, "c"))
	h.Send(0, -1, types.Insert, r("a", 1, 0), r("b", 1, 5), r("a", 1, 8))
	h.End()
	h.Expect("+I[1, 5, 15, 14]", "+I[2, 0, 18, 17]", "WM end")
}
