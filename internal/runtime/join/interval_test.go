package join

import (
	"testing"

	"github.com/sluicehq/sluice/internal/runtime/optest"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/types"
)

// Interval join inputs: L(k, v, ts), R(k, w, ts); a pair matches when
// l.ts - 2 ms <= r.ts <= l.ts + 3 ms.
func intervalPlan(kind plan.JoinKind) *plan.Join {
	return plan.NewJoin(&plan.Join{
		Kind: kind, Strategy: plan.IntervalJoin,
		Left:     node(plan.AppendOnly, col("k", types.StringType), col("v", types.IntType), col("ts", rowtime)),
		Right:    node(plan.AppendOnly, col("k", types.StringType), col("w", types.IntType), col("ts", rowtime)),
		LeftKeys: []int{0}, RightKeys: []int{0},
		Interval: &plan.IntervalBounds{LeftTime: 2, RightTime: 2, Lower: -2 * ms, Upper: 3 * ms},
	})
}

func kvt(k string, v, tsMs int64) types.Row { return row(S(k), I(v), T(tsMs)) }

func TestIntervalJoinInnerAndLeft(t *testing.T) {
	for _, kind := range []plan.JoinKind{plan.InnerJoin, plan.LeftJoin} {
		t.Run(kind.String(), func(t *testing.T) {
			h := newHarness(t, intervalPlan(kind))
			h.Send(L, -1, ins, kvt("a", 1, 10))
			h.Send(R, -1, ins, kvt("a", 10, 8)) // 8 <= 8 <= 13
			h.Send(R, -1, ins, kvt("a", 11, 14), kvt("b", 12, 10))
			h.Expect("+I[a, 1, 10, a, 10, 8]")
			h.Send(L, -1, ins, kvt("a", 2, 12)) // meets 14 (10 <= 14 <= 15), not 8
			h.Expect("+I[a, 2, 12, a, 11, 14]")
			h.WM(13) // left 10 (until 13), right 8 (until 10) and b 10 (until 12) go
			h.Expect("WM 13")
			if n := h.Op.(*IntervalJoin).sides[0].st.Len() + h.Op.(*IntervalJoin).sides[1].st.Len(); n != 2 {
				t.Errorf("%d keys in state, want 2 (left a, right a)", n)
			}
			h.Send(R, 13, ins, kvt("a", 13, 13)) // late
			h.Send(R, 13, ins, kvt("a", 14, 15))
			h.Send(L, 13, ins, kvt("c", 3, 20))
			h.Expect("+I[a, 2, 12, a, 14, 15]")
			if n := h.Ctx.Metrics.LateDropped.Load(); n != 1 {
				t.Errorf("late dropped = %d, want 1", n)
			}
			h.WM(22)
			h.Expect("WM 22")
			h.WM(23) // c (until 23) never matched
			if kind == plan.LeftJoin {
				h.Expect("+I[c, 3, 20, null, null, null]", "WM 23")
			} else {
				h.Expect("WM 23")
			}
			h.End()
			h.Expect("WM end")
		})
	}
}

func TestIntervalJoinRightAndFull(t *testing.T) {
	for _, c := range []struct {
		kind plan.JoinKind
		want []string
	}{
		{plan.RightJoin, []string{"+I[null, null, null, b, 5, 10]", "WM 12", "WM 13", "+I[null, null, null, a, 6, 20]", "WM 22"}},
		{plan.FullJoin, []string{"+I[null, null, null, b, 5, 10]", "WM 12", "+I[a, 1, 10, null, null, null]", "WM 13", "+I[null, null, null, a, 6, 20]", "WM 22"}},
	} {
		t.Run(c.kind.String(), func(t *testing.T) {
			h := newHarnessOn(t, intervalPlan(c.kind), optest.NewPebble(t), 0)
			h.Send(L, -1, ins, kvt("a", 1, 10))
			h.Send(R, -1, ins, kvt("b", 5, 10), kvt("a", 6, 20))
			h.Send(L, -1, ins, row(null, I(7), T(11))) // NULL key: never matches
			h.WM(12)
			h.WM(13)
			h.WM(22)
			want := c.want
			if c.kind == plan.FullJoin { // the NULL-key left row ends at 14
				want = append(want[:4:4], "+I[null, 7, 11, null, null, null]")
				want = append(want, c.want[4:]...)
			}
			h.Expect(want...)
			j := h.Op.(*IntervalJoin)
			if n := j.sides[0].st.Len() + j.sides[1].st.Len(); n != 0 {
				t.Errorf("%d keys in state after every row's interval ended, want 0", n)
			}
		})
	}
}

var _ = state.NewHeap
