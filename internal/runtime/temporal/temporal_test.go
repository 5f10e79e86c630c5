package temporal

import (
	"testing"

	"github.com/sluicehq/sluice/internal/runtime/optest"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

// The shared scenario: EUR has versions 10 from 5 ms, 12 from 10 ms and no
// row from 20 ms; USD has none. Probe rows arrive before the versions, and
// the versions out of order.
func scenario(t *testing.T, h *optest.Harness) {
	h.SendEach(0, -1, ins(order("o1", "EUR", 1, 4)), ins(order("o2", "EUR", 2, 5)), ins(order("o3", "EUR", 3, 9)),
		ins(order("o4", "EUR", 4, 10)), ins(order("o5", "EUR", 5, 25)), ins(order("o6", "USD", 6, 7)))
	h.SendEach(1, -1, ua(rate("EUR", 12, 10)), ins(rate("EUR", 10, 5)), del(rate("EUR", 12, 20)))
	h.WM(3)
}

func TestTemporalInner(t *testing.T) {
	optest.ForBackends(t, func(t *testing.T, be optest.Backend) {
		x := joinNode(plan.InnerJoin, nil)
		h := newHarness(t, x, be.New(t))
		scenario(t, h)
		h.Expect("WM 3")
		h.WM(12)
		h.Expect("+I[o2, EUR, 2, 5, EUR, 10, 5]", "+I[o3, EUR, 3, 9, EUR, 10, 5]", "+I[o4, EUR, 4, 10, EUR, 12, 10]", "WM 12")
		// Late: at or below its sender's watermark.
		h.SendEach(0, 12, ins(order("late", "EUR", 7, 11)), ins(order("late", "EUR", 7, 12)))
		// Version 10 from 5 ms was pruned at 12; 12 from 10 ms still serves.
		h.SendEach(0, 12, ins(order("o8", "EUR", 8, 15)))
		h.WM(30)
		h.Expect("+I[o8, EUR, 8, 15, EUR, 12, 10]", "WM 30")
		if n := h.Ctx.Metrics.LateDropped.Load(); n != 2 {
			t.Errorf("LateDropped = %d, want 2", n)
		}
		if n := h.Op.(*Join).store.Len(); n != 0 {
			t.Errorf("%d keys left, want 0 (EUR ends deleted, USD had nothing)", n)
		}
	})
}

func TestTemporalLeft(t *testing.T) {
	optest.ForBackends(t, func(t *testing.T, be optest.Backend) {
		x := joinNode(plan.LeftJoin, nil)
		h := newHarness(t, x, be.New(t))
		scenario(t, h)
		h.WM(12)
		h.Expect("WM 3",
			"+I[o1, EUR, 1, 4, null, null, null]", "+I[o2, EUR, 2, 5, EUR, 10, 5]", "+I[o3, EUR, 3, 9, EUR, 10, 5]",
			"+I[o4, EUR, 4, 10, EUR, 12, 10]", "+I[o6, USD, 6, 7, null, null, null]", "WM 12")
		h.SendEach(0, 12, ins(order("o8", "EUR", 8, 15)))
		h.WM(-1)
		h.Expect("+I[o8, EUR, 8, 15, EUR, 12, 10]", "+I[o5, EUR, 5, 25, null, null, null]", "WM end")
	})
}

// The residual condition is applied to the probe joined with its version;
// for LEFT a failing pair is emitted NULL-padded.
func TestTemporalCond(t *testing.T) {
	rateCol := &plan.ColumnRef{Index: 5, Name: "rate", T: types.BigIntType}
	cond := optest.Call(t, ">", rateCol, &plan.Literal{V: types.IntValue(10), T: types.BigIntType.NotNull()})
	for _, kind := range []plan.JoinKind{plan.InnerJoin, plan.LeftJoin} {
		x := joinNode(kind, cond)
		h := newHarness(t, x, optest.Backends[0].New(t))
		h.SendEach(1, -1, ins(rate("EUR", 10, 5)), ua(rate("EUR", 12, 10)))
		h.SendEach(0, -1, ins(order("o3", "EUR", 3, 9)), ins(order("o4", "EUR", 4, 10)))
		h.WM(-1)
		if kind == plan.InnerJoin {
			h.Expect("+I[o4, EUR, 4, 10, EUR, 12, 10]", "WM end")
		} else {
			h.Expect("+I[o3, EUR, 3, 9, null, null, null]", "+I[o4, EUR, 4, 10, EUR, 12, 10]", "WM end")
		}
	}
}

// A -U carries the retracted row and its old time: it must not erase that
// version. A -U or -D at a time of its own means "no row" from then on.
func TestTemporalRetractions(t *testing.T) {
	optest.ForBackends(t, func(t *testing.T, be optest.Backend) {
		x := joinNode(plan.LeftJoin, nil)
		h := newHarness(t, x, be.New(t))
		h.SendEach(1, -1, ins(rate("EUR", 10, 5)), ub(rate("EUR", 10, 5)), ua(rate("EUR", 11, 8)),
			ub(rate("EUR", 11, 12)), ins(rate("EUR", 13, 16)))
		h.SendEach(0, -1, ins(order("a", "EUR", 1, 6)), ins(order("b", "EUR", 2, 8)), ins(order("c", "EUR", 3, 13)),
			ins(order("d", "EUR", 4, 16)))
		h.WM(-1)
		h.Expect("+I[a, EUR, 1, 6, EUR, 10, 5]", "+I[b, EUR, 2, 8, EUR, 11, 8]", "+I[c, EUR, 3, 13, null, null, null]",
			"+I[d, EUR, 4, 16, EUR, 13, 16]", "WM end")
	})
}

// Versions arriving after the watermark passed older versions are still
// placed by their time; probes are emitted in time order per key, however
// they arrived.
func TestTemporalOrder(t *testing.T) {
	x := joinNode(plan.InnerJoin, nil)
	h := newHarness(t, x, optest.Backends[0].New(t))
	h.SendEach(1, -1, ins(rate("EUR", 10, 5)))
	h.WM(20)
	h.SendEach(1, 20, ua(rate("EUR", 11, 3))) // older than the kept version: never valid for a later probe
	h.SendEach(0, 20, ins(order("q", "EUR", 2, 30)), ins(order("p", "EUR", 1, 25)), ins(order("r", "EUR", 3, 25)))
	h.WM(-1)
	h.Expect("WM 20", "+I[p, EUR, 1, 25, EUR, 10, 5]", "+I[r, EUR, 3, 25, EUR, 10, 5]", "+I[q, EUR, 2, 30, EUR, 10, 5]", "WM end")
}
