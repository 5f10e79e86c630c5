package rank

import (
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/state"
)

func dedupNode(timeCol int, desc, withRank bool) *plan.Rank {
	return rankNode(plan.AppendOnly, []plan.SortKey{{Column: timeCol, Desc: desc}}, 1, 1, withRank)
}

// Keep first on rowtime: the smallest rowtime wins; an earlier row arriving
// later replaces the kept one, an equal or later one does not.
func TestDedupRowtimeKeepFirst(t *testing.T) {
	forBackends(t, func(t *testing.T, be backend) {
		x := dedupNode(cTS, false, false)
		if !x.IsDeduplicate() {
			t.Fatal("not a deduplication")
		}
		h := newHarness(t, x, be.new(t), 0)
		h.rows(-1, ins(r("a", "a1", 0, 10)), ins(r("a", "a2", 0, 12)), ins(r("b", "b1", 0, 5)))
		h.expect("+I[a, a1, 0, 10]", "+I[b, b1, 0, 5]")
		h.rows(-1, ins(r("a", "a3", 0, 7)), ins(r("a", "a4", 0, 7)))
		h.expect("-U[a, a1, 0, 10]", "+U[a, a3, 0, 7]")
	})
}

// Keep last on rowtime: a row replaces the kept one when its rowtime is >=.
func TestDedupRowtimeKeepLast(t *testing.T) {
	forBackends(t, func(t *testing.T, be backend) {
		h := newHarness(t, dedupNode(cTS, true, false), be.new(t), 0)
		h.rows(-1, ins(r("a", "a1", 0, 10)), ins(r("a", "a2", 0, 12)), ins(r("a", "a3", 0, 7)), ins(r("a", "a4", 0, 12)))
		h.expect("+I[a, a1, 0, 10]", "-U[a, a1, 0, 10]", "+U[a, a2, 0, 12]", "-U[a, a2, 0, 12]", "+U[a, a4, 0, 12]")
	})
}

// With the rank column every row carries rank 1.
func TestDedupWithRank(t *testing.T) {
	h := newHarness(t, dedupNode(cTS, true, true), state.NewHeap(), 0)
	h.rows(-1, ins(r("a", "a1", 0, 10)), ins(r("a", "a2", 0, 12)))
	h.expect("+I[a, a1, 0, 10, 1]", "-U[a, a1, 0, 10, 1]", "+U[a, a2, 0, 12, 1]")
}

// Proctime: arrival order decides, whatever the proctime column holds.
func TestDedupProctime(t *testing.T) {
	forBackends(t, func(t *testing.T, be backend) {
		first := newHarness(t, dedupNode(cPT, false, false), be.new(t), 0)
		first.rows(-1, ins(r("a", "a1", 0, 10)), ins(r("a", "a2", 0, 1)), ins(r("b", "b1", 0, 3)), ins(r("a", "a3", 0, 0)))
		first.expect("+I[a, a1, 0, 10]", "+I[b, b1, 0, 3]")
		last := newHarness(t, dedupNode(cPT, true, false), be.new(t), 0)
		last.rows(-1, ins(r("a", "a1", 0, 10)), ins(r("a", "a2", 0, 1)), ins(r("b", "b1", 0, 3)))
		last.expect("+I[a, a1, 0, 10]", "-U[a, a1, 0, 10]", "+U[a, a2, 0, 1]", "+I[b, b1, 0, 3]")
	})
}

// State TTL (processing time, ctx.Now): keep-first on proctime writes its
// state only for the first row, so the partition expires TTL after it and
// the next row is a first row again.
func TestDedupTTL(t *testing.T) {
	forBackends(t, func(t *testing.T, be backend) {
		sec := int64(time.Second)
		h := newHarness(t, dedupNode(cPT, false, false), be.new(t), 10*sec)
		h.rows(-1, ins(r("a", "a1", 0, 1)))
		h.now = 5 * sec
		h.rows(-1, ins(r("a", "a2", 0, 2)), ins(r("b", "b1", 0, 2)))
		h.now = 10 * sec // a expires now (written at 0); b at 15 s
		h.rows(-1, ins(r("a", "a3", 0, 3)), ins(r("b", "b2", 0, 3)))
		h.expect("+I[a, a1, 0, 1]", "+I[b, b1, 0, 2]", "+I[a, a3, 0, 3]")
		h.now = 15 * sec
		if err := h.op.(*Deduplicate).OnProcTime(h.now); err != nil {
			t.Fatal(err)
		}
		if n := h.op.(*Deduplicate).store.Len(); n != 1 {
			t.Errorf("%d partitions after b expired, want 1 (a)", n)
		}
		h.rows(-1, ins(r("b", "b3", 0, 4)))
		h.expect("+I[b, b3, 0, 4]")
	})
}

// Top-N with TTL: a partition expires TTL after its last write; a row that
// does not enter the top N is no write.
func TestTopNTTL(t *testing.T) {
	forBackends(t, func(t *testing.T, be backend) {
		sec := int64(time.Second)
		h := newHarness(t, rankNode(plan.AppendOnly, byVDesc, 1, 2, false), be.new(t), 10*sec)
		h.rows(-1, ins(r("a", "x5", 5, 1)))
		h.now = 8 * sec
		h.rows(-1, ins(r("a", "x3", 3, 1)))
		h.now = 12 * sec // the timer armed for 10 s re-arms for 18 s
		h.rows(-1, ins(r("a", "x1", 1, 1)))
		h.expect("+I[a, x5, 5, 1]", "+I[a, x3, 3, 1]")
		h.now = 17 * sec
		h.rows(-1, ins(r("a", "x4", 4, 1))) // still alive: pushes x3 out
		h.expect("-D[a, x3, 3, 1]", "+I[a, x4, 4, 1]")
		h.now = 27 * sec // written at 17 s: expired
		h.rows(-1, ins(r("a", "x2", 2, 1)))
		h.expect("+I[a, x2, 2, 1]")
	})
}
