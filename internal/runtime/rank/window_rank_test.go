package rank

import (
	"testing"

	"github.com/sluicehq/sluice/internal/runtime/optest"
	"github.com/sluicehq/sluice/internal/sql/plan"
)

func windowNode(order []plan.SortKey, end int64, withRank bool) *plan.Rank {
	return plan.NewRank(&plan.Rank{Input: input(plan.AppendOnly), PartitionKeys: []int{cWS, cWE, cK}, Order: order,
		RankStart: 1, RankEnd: end, OutputRank: withRank,
		Window: &plan.Window{Kind: plan.Tumble, TimeCol: cTS, Size: 10 * ms}, WindowEnd: cWE, RankName: "rn"})
}

// Window top-2 by v DESC over 10 ms tumbling windows: nothing before the
// window ends, then the ranked rows per partition, in key order; a row for
// a fired window is dropped and counted.
func TestWindowTopN(t *testing.T) {
	optest.ForBackends(t, func(t *testing.T, be optest.Backend) {
		h := newHarness(t, windowNode(byVDesc, 2, true), be.New(t), 0)
		h.SendEach(0, -1, ins(r("b", "y1", 1, 4)), ins(r("a", "x1", 5, 1)), ins(r("a", "x2", 9, 3)), ins(r("a", "x3", 7, 8)),
			ins(r("a", "z1", 3, 12)))
		h.WM(5)
		h.Expect("WM 5")
		h.SendEach(0, 5, ins(r("a", "x4", 8, 9))) // window [0, 10) still open for its sender
		h.WM(9)
		h.Expect("+I[a, x2, 9, 3, 1]", "+I[a, x4, 8, 9, 2]", "+I[b, y1, 1, 4, 1]", "WM 9")
		h.SendEach(0, 9, ins(r("a", "late", 100, 9)), ins(r("c", "late", 100, 2)))
		h.SendEach(0, 9, ins(r("a", "z2", 4, 15)))
		if n := h.Ctx.Metrics.LateDropped.Load(); n != 2 {
			t.Errorf("LateDropped = %d, want 2", n)
		}
		h.WM(-1)
		h.Expect("+I[a, z2, 4, 15, 1]", "+I[a, z1, 3, 12, 2]", "WM end")
		if n := h.Op.(*WindowRank).store.Len(); n != 0 {
			t.Errorf("%d entries left after every window fired", n)
		}
	})
}

// Window deduplication: keep first takes the smallest rowtime (the first
// arrival among equals), keep last the largest (the last arrival among
// equals); late rows are dropped.
func TestWindowDedup(t *testing.T) {
	optest.ForBackends(t, func(t *testing.T, be optest.Backend) {
		first := newHarness(t, windowNode([]plan.SortKey{{Column: cTS}}, 1, false), be.New(t), 0)
		if !first.Op.(*WindowRank).x.IsDeduplicate() {
			t.Fatal("not a deduplication")
		}
		first.SendEach(0, -1, ins(r("a", "p", 0, 3)), ins(r("a", "s", 0, 1)), ins(r("a", "t", 0, 1)), ins(r("b", "u", 0, 14)))
		first.WM(9)
		first.SendEach(0, 9, ins(r("a", "late", 0, 0)))
		first.WM(-1)
		first.Expect("+I[a, s, 0, 1]", "WM 9", "+I[b, u, 0, 14]", "WM end")

		last := newHarness(t, windowNode([]plan.SortKey{{Column: cTS, Desc: true}}, 1, false), be.New(t), 0)
		last.SendEach(0, -1, ins(r("a", "p", 0, 3)), ins(r("a", "q", 0, 7)), ins(r("a", "r", 0, 7)), ins(r("a", "s", 0, 5)))
		last.SendEach(0, 6, ins(r("a", "s6", 0, 6)))
		last.SendEach(0, 9, ins(r("a", "late", 0, 9)))
		last.WM(-1)
		last.Expect("+I[a, r, 0, 7]", "WM end")
		if n := last.Ctx.Metrics.LateDropped.Load(); n != 1 {
			t.Errorf("LateDropped = %d, want 1", n)
		}
	})
}
