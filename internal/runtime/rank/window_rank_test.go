package rank

import (
	"testing"

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
	forBackends(t, func(t *testing.T, be backend) {
		h := newHarness(t, windowNode(byVDesc, 2, true), be.new(t), 0)
		h.rows(-1, ins(r("b", "y1", 1, 4)), ins(r("a", "x1", 5, 1)), ins(r("a", "x2", 9, 3)), ins(r("a", "x3", 7, 8)),
			ins(r("a", "z1", 3, 12)))
		h.wm(5)
		h.expect("WM 5")
		h.rows(5, ins(r("a", "x4", 8, 9))) // window [0, 10) still open for its sender
		h.wm(9)
		h.expect("+I[a, x2, 9, 3, 1]", "+I[a, x4, 8, 9, 2]", "+I[b, y1, 1, 4, 1]", "WM 9")
		h.rows(9, ins(r("a", "late", 100, 9)), ins(r("c", "late", 100, 2)))
		h.rows(9, ins(r("a", "z2", 4, 15)))
		if n := h.ctx.Metrics.LateDropped.Load(); n != 2 {
			t.Errorf("LateDropped = %d, want 2", n)
		}
		h.wm(-1)
		h.expect("+I[a, z2, 4, 15, 1]", "+I[a, z1, 3, 12, 2]", "WM end")
		if n := h.op.(*WindowRank).store.Len(); n != 0 {
			t.Errorf("%d entries left after every window fired", n)
		}
	})
}

// Window deduplication: keep first takes the smallest rowtime (the first
// arrival among equals), keep last the largest (the last arrival among
// equals); late rows are dropped.
func TestWindowDedup(t *testing.T) {
	forBackends(t, func(t *testing.T, be backend) {
		first := newHarness(t, windowNode([]plan.SortKey{{Column: cTS}}, 1, false), be.new(t), 0)
		if !first.op.(*WindowRank).x.IsDeduplicate() {
			t.Fatal("not a deduplication")
		}
		first.rows(-1, ins(r("a", "p", 0, 3)), ins(r("a", "s", 0, 1)), ins(r("a", "t", 0, 1)), ins(r("b", "u", 0, 14)))
		first.wm(9)
		first.rows(9, ins(r("a", "late", 0, 0)))
		first.wm(-1)
		first.expect("+I[a, s, 0, 1]", "WM 9", "+I[b, u, 0, 14]", "WM end")

		last := newHarness(t, windowNode([]plan.SortKey{{Column: cTS, Desc: true}}, 1, false), be.new(t), 0)
		last.rows(-1, ins(r("a", "p", 0, 3)), ins(r("a", "q", 0, 7)), ins(r("a", "r", 0, 7)), ins(r("a", "s", 0, 5)))
		last.rows(6, ins(r("a", "s6", 0, 6)))
		last.rows(9, ins(r("a", "late", 0, 9)))
		last.wm(-1)
		last.expect("+I[a, r, 0, 7]", "WM end")
		if n := last.ctx.Metrics.LateDropped.Load(); n != 1 {
			t.Errorf("LateDropped = %d, want 1", n)
		}
	})
}
