package rank

import (
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/runtime/optest"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/state"
)

func dedupNode(timeCol int, desc, withRank bool) *plan.Rank {
	return rankNode(plan.AppendOnly, []plan.SortKey{{Column: timeCol, Desc: desc}}, 1, 1, withRank)
}

// Keep first on rowtime: the smallest rowtime wins; an earlier row arriving
// later replaces the kept one, an equal or later one does not.
func TestDedupRowtimeKeepFirst(t *testing.T) {
	optest.ForBackends(t, func(t *testing.T, be optest.Backend) {
		x := dedupNode(cTS, false, false)
		if !x.IsDeduplicate() {
			t.Fatal("not a deduplication")
		}
		h := newHarness(t, x, be.New(t), 0)
		h.SendEach(0, -1, ins(r("a", "a1", 0, 10)), ins(r("a", "a2", 0, 12)), ins(r("b", "b1", 0, 5)))
		h.Expect("+I[a, a1, 0, 10]", "+I[b, b1, 0, 5]")
		h.SendEach(0, -1, ins(r("a", "a3", 0, 7)), ins(r("a", "a4", 0, 7)))
		h.Expect("-U[a, a1, 0, 10]", "+U[a, a3, 0, 7]")
	})
}

// Keep last on rowtime: a row replaces the kept one when its rowtime is >=.
func TestDedupRowtimeKeepLast(t *testing.T) {
	optest.ForBackends(t, func(t *testing.T, be optest.Backend) {
		h := newHarness(t, dedupNode(cTS, true, false), be.New(t), 0)
		h.SendEach(0, -1, ins(r("a", "a1", 0, 10)), ins(r("a", "a2", 0, 12)), ins(r("a", "a3", 0, 7)), ins(r("a", "a4", 0, 12)))
		h.Expect("+I[a, a1, 0, 10]", "-U[a, a1, 0, 10]", "+U[a, a2, 0, 12]", "-U[a, a2, 0, 12]", "+U[a, a4, 0, 12]")
	})
}

// With the rank column every row carries rank 1.
func TestDedupWithRank(t *testing.T) {
	h := newHarness(t, dedupNode(cTS, true, true), state.NewHeap(), 0)
	h.SendEach(0, -1, ins(r("a", "a1", 0, 10)), ins(r("a", "a2", 0, 12)))
	h.Expect("+I[a, a1, 0, 10, 1]", "-U[a, a1, 0, 10, 1]", "+U[a, a2, 0, 12, 1]")
}

// Proctime: arrival order decides, whatever the proctime column holds.
func TestDedupProctime(t *testing.T) {
	optest.ForBackends(t, func(t *testing.T, be optest.Backend) {
		first := newHarness(t, dedupNode(cPT, false, false), be.New(t), 0)
		first.SendEach(0, -1, ins(r("a", "a1", 0, 10)), ins(r("a", "a2", 0, 1)), ins(r("b", "b1", 0, 3)), ins(r("a", "a3", 0, 0)))
		first.Expect("+I[a, a1, 0, 10]", "+I[b, b1, 0, 3]")
		last := newHarness(t, dedupNode(cPT, true, false), be.New(t), 0)
		last.SendEach(0, -1, ins(r("a", "a1", 0, 10)), ins(r("a", "a2", 0, 1)), ins(r("b", "b1", 0, 3)))
		last.Expect("+I[a, a1, 0, 10]", "-U[a, a1, 0, 10]", "+U[a, a2, 0, 1]", "+I[b, b1, 0, 3]")
	})
}

// State TTL (processing time, ctx.Now): keep-first on proctime writes its
// state only for the first row, so the partition expires TTL after it and
// the next row is a first row again.
func TestDedupTTL(t *testing.T) {
	optest.ForBackends(t, func(t *testing.T, be optest.Backend) {
		sec := int64(time.Second)
		h := newHarness(t, dedupNode(cPT, false, false), be.New(t), 10*sec)
		h.SendEach(0, -1, ins(r("a", "a1", 0, 1)))
		h.Now = 5 * sec
		h.SendEach(0, -1, ins(r("a", "a2", 0, 2)), ins(r("b", "b1", 0, 2)))
		h.Now = 10 * sec // a expires now (written at 0); b at 15 s
		h.SendEach(0, -1, ins(r("a", "a3", 0, 3)), ins(r("b", "b2", 0, 3)))
		h.Expect("+I[a, a1, 0, 1]", "+I[b, b1, 0, 2]", "+I[a, a3, 0, 3]")
		h.Now = 15 * sec
		if err := h.Op.(*Deduplicate).OnProcTime(h.Now); err != nil {
			t.Fatal(err)
		}
		if n := h.Op.(*Deduplicate).store.Len(); n != 1 {
			t.Errorf("%d partitions after b expired, want 1 (a)", n)
		}
		h.SendEach(0, -1, ins(r("b", "b3", 0, 4)))
		h.Expect("+I[b, b3, 0, 4]")
	})
}

// Top-N with TTL: a partition expires TTL after its last write; a row that
// does not enter the top N is no write.
func TestTopNTTL(t *testing.T) {
	optest.ForBackends(t, func(t *testing.T, be optest.Backend) {
		sec := int64(time.Second)
		h := newHarness(t, rankNode(plan.AppendOnly, byVDesc, 1, 2, false), be.New(t), 10*sec)
		h.SendEach(0, -1, ins(r("a", "x5", 5, 1)))
		h.Now = 8 * sec
		h.SendEach(0, -1, ins(r("a", "x3", 3, 1)))
		h.Now = 12 * sec // the timer armed for 10 s re-arms for 18 s
		h.SendEach(0, -1, ins(r("a", "x1", 1, 1)))
		h.Expect("+I[a, x5, 5, 1]", "+I[a, x3, 3, 1]")
		h.Now = 17 * sec
		h.SendEach(0, -1, ins(r("a", "x4", 4, 1))) // still alive: pushes x3 out
		h.Expect("-D[a, x3, 3, 1]", "+I[a, x4, 4, 1]")
		h.Now = 27 * sec // written at 17 s: expired
		h.SendEach(0, -1, ins(r("a", "x2", 2, 1)))
		h.Expect("+I[a, x2, 2, 1]")
	})
}
