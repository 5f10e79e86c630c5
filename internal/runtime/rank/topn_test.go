package rank

import (
	"testing"

	"github.com/sluicehq/sluice/internal/runtime/optest"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/types"
)

var byVDesc = []plan.SortKey{{Column: cV, Desc: true}}

// Top-3 by v DESC of an append-only input without the rank column: a row
// entering the top 3 of a full partition retracts the one it pushes out.
func TestTopNAppendOnly(t *testing.T) {
	optest.ForBackends(t, func(t *testing.T, be optest.Backend) {
		h := newHarness(t, rankNode(plan.AppendOnly, byVDesc, 1, 3, false), be.New(t), 0)
		h.SendEach(0, -1, ins(r("a", "x5", 5, 1)), ins(r("a", "x3", 3, 1)), ins(r("a", "x8", 8, 1)))
		h.Expect("+I[a, x5, 5, 1]", "+I[a, x3, 3, 1]", "+I[a, x8, 8, 1]")
		h.SendEach(0, -1, ins(r("a", "x1", 1, 1))) // rank 4: nothing
		h.Expect()
		h.SendEach(0, -1, ins(r("a", "x6", 6, 1)), ins(r("b", "y7", 7, 1)), ins(r("a", "x9", 9, 1)))
		h.Expect("-D[a, x3, 3, 1]", "+I[a, x6, 6, 1]", "+I[b, y7, 7, 1]", "-D[a, x5, 5, 1]", "+I[a, x9, 9, 1]")
		// A tie with the last of a full top 3 ranks after it: rank 4.
		h.SendEach(0, -1, ins(r("a", "x6b", 6, 1)))
		h.Expect()
		// A tie above the last ranks after its equal and pushes the last out.
		h.SendEach(0, -1, ins(r("a", "x8b", 8, 1)))
		h.Expect("-D[a, x6, 6, 1]", "+I[a, x8b, 8, 1]")
		if n := h.Ctx.Metrics.RowsIn.Load(); n != 9 {
			t.Errorf("RowsIn = %d, want 9", n)
		}
	})
}

// The same with the rank column: changes per rank position.
func TestTopNAppendOnlyWithRank(t *testing.T) {
	optest.ForBackends(t, func(t *testing.T, be optest.Backend) {
		h := newHarness(t, rankNode(plan.AppendOnly, byVDesc, 1, 3, true), be.New(t), 0)
		h.SendEach(0, -1, ins(r("a", "x5", 5, 1)), ins(r("a", "x3", 3, 1)))
		h.Expect("+I[a, x5, 5, 1, 1]", "+I[a, x3, 3, 1, 2]")
		h.SendEach(0, -1, ins(r("a", "x8", 8, 1)))
		h.Expect("-U[a, x5, 5, 1, 1]", "+U[a, x8, 8, 1, 1]", "-U[a, x3, 3, 1, 2]", "+U[a, x5, 5, 1, 2]", "+I[a, x3, 3, 1, 3]")
		h.SendEach(0, -1, ins(r("a", "x1", 1, 1)))
		h.Expect()
		h.SendEach(0, -1, ins(r("a", "x6", 6, 1)))
		h.Expect("-U[a, x5, 5, 1, 2]", "+U[a, x6, 6, 1, 2]", "-U[a, x3, 3, 1, 3]", "+U[a, x5, 5, 1, 3]")
		h.SendEach(0, -1, ins(r("a", "x9", 9, 1)))
		h.Expect("-U[a, x8, 8, 1, 1]", "+U[a, x9, 9, 1, 1]", "-U[a, x6, 6, 1, 2]", "+U[a, x8, 8, 1, 2]",
			"-U[a, x5, 5, 1, 3]", "+U[a, x6, 6, 1, 3]")
	})
}

// Ranks 2..3 with the rank column: positions below the start are silent.
func TestTopNOffset(t *testing.T) {
	h := newHarness(t, rankNode(plan.AppendOnly, byVDesc, 2, 3, true), state.NewHeap(), 0)
	h.SendEach(0, -1, ins(r("a", "x5", 5, 1)))
	h.Expect()
	h.SendEach(0, -1, ins(r("a", "x3", 3, 1)))
	h.Expect("+I[a, x3, 3, 1, 2]")
	h.SendEach(0, -1, ins(r("a", "x8", 8, 1)))
	h.Expect("-U[a, x3, 3, 1, 2]", "+U[a, x5, 5, 1, 2]", "+I[a, x3, 3, 1, 3]")
}

// Top-2 over an updating input: retracting a row of the top 2 promotes the
// best row below it; retracting rows outside the top 2, or unknown rows,
// changes nothing.
func TestTopNRetract(t *testing.T) {
	optest.ForBackends(t, func(t *testing.T, be optest.Backend) {
		h := newHarness(t, rankNode(plan.Updates, byVDesc, 1, 2, false), be.New(t), 0)
		h.SendEach(0, -1, ins(r("a", "a", 10, 1)), ins(r("a", "b", 8, 1)), ins(r("a", "c", 6, 1)), ins(r("a", "d", 4, 1)))
		h.Expect("+I[a, a, 10, 1]", "+I[a, b, 8, 1]")
		h.SendEach(0, -1, ub(r("a", "b", 8, 1)))
		h.Expect("-D[a, b, 8, 1]", "+I[a, c, 6, 1]") // c promoted from rank 3
		h.SendEach(0, -1, ua(r("a", "b", 5, 1)))     // rank 3 of a, c, b, d
		h.Expect()
		h.SendEach(0, -1, del(r("a", "a", 10, 1)))
		h.Expect("-D[a, a, 10, 1]", "+I[a, b, 5, 1]")
		h.SendEach(0, -1, ins(r("a", "e", 7, 1)))
		h.Expect("-D[a, b, 5, 1]", "+I[a, e, 7, 1]")
		h.SendEach(0, -1, del(r("a", "zz", 7, 1)), del(r("a", "d", 4, 1)), del(r("q", "q", 1, 1)))
		h.Expect()
		// e, c, b remain; removing e promotes b, removing c leaves one.
		h.SendEach(0, -1, del(r("a", "e", 7, 1)), del(r("a", "c", 6, 1)))
		h.Expect("-D[a, e, 7, 1]", "+I[a, b, 5, 1]", "-D[a, c, 6, 1]")
	})
}

// The same input with the rank column: per-position updates, and -D of the
// last position when the partition shrinks below 2.
func TestTopNRetractWithRank(t *testing.T) {
	optest.ForBackends(t, func(t *testing.T, be optest.Backend) {
		h := newHarness(t, rankNode(plan.Updates, byVDesc, 1, 2, true), be.New(t), 0)
		h.SendEach(0, -1, ins(r("a", "a", 10, 1)), ins(r("a", "b", 8, 1)), ins(r("a", "c", 6, 1)), ins(r("a", "d", 4, 1)))
		h.Expect("+I[a, a, 10, 1, 1]", "+I[a, b, 8, 1, 2]")
		h.SendEach(0, -1, ub(r("a", "b", 8, 1)))
		h.Expect("-U[a, b, 8, 1, 2]", "+U[a, c, 6, 1, 2]")
		h.SendEach(0, -1, ua(r("a", "b", 5, 1)))
		h.Expect()
		h.SendEach(0, -1, del(r("a", "a", 10, 1)))
		h.Expect("-U[a, a, 10, 1, 1]", "+U[a, c, 6, 1, 1]", "-U[a, c, 6, 1, 2]", "+U[a, b, 5, 1, 2]")
		h.SendEach(0, -1, ins(r("a", "e", 7, 1)))
		h.Expect("-U[a, c, 6, 1, 1]", "+U[a, e, 7, 1, 1]", "-U[a, b, 5, 1, 2]", "+U[a, c, 6, 1, 2]")
		h.SendEach(0, -1, del(r("a", "d", 4, 1)))
		h.Expect()
		h.SendEach(0, -1, del(r("a", "e", 7, 1)))
		h.Expect("-U[a, e, 7, 1, 1]", "+U[a, c, 6, 1, 1]", "-U[a, c, 6, 1, 2]", "+U[a, b, 5, 1, 2]")
		h.SendEach(0, -1, del(r("a", "c", 6, 1)))
		h.Expect("-U[a, c, 6, 1, 1]", "+U[a, b, 5, 1, 1]", "-D[a, b, 5, 1, 2]")
	})
}

// NULLs sort first or last as the sort key says, independent of DESC.
func TestTopNNulls(t *testing.T) {
	null := r("a", "n", 0, 1)
	null[cV] = types.NullValue()
	for _, nullsFirst := range []bool{true, false} {
		h := newHarness(t, rankNode(plan.AppendOnly, []plan.SortKey{{Column: cV, Desc: true, NullsFirst: nullsFirst}}, 1, 1, false), state.NewHeap(), 0)
		h.SendEach(0, -1, ins(r("a", "x5", 5, 1)), ins(null))
		if nullsFirst {
			h.Expect("+I[a, x5, 5, 1]", "-D[a, x5, 5, 1]", "+I[a, n, 0, 1]")
		} else {
			h.Expect("+I[a, x5, 5, 1]")
		}
	}
}
