package join

import (
	"testing"

	"github.com/sluicehq/sluice/internal/runtime/optest"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/types"
)

var ts3 = types.TimestampType(3)

// Window join inputs: L(k, v, window_start, window_end), R(k, w,
// window_start, window_end) of TUMBLE(10 ms), joined on k and the window.
func windowPlan(kind plan.JoinKind) *plan.Join {
	side := func(v string) optest.Node {
		return node(plan.AppendOnly, col("k", types.StringType), col(v, types.IntType), col("window_start", ts3), col("window_end", ts3))
	}
	return plan.NewJoin(&plan.Join{
		Kind: kind, Strategy: plan.WindowJoin,
		Left: side("v"), Right: side("w"),
		LeftKeys: []int{0, 2, 3}, RightKeys: []int{0, 2, 3},
		Window: &plan.WindowJoinSpec{
			Window:    plan.Window{Kind: plan.Tumble, TimeCol: 2, Size: 10 * ms},
			LeftStart: 2, LeftEnd: 3, RightStart: 2, RightEnd: 3,
		},
	})
}

func kvw(k types.Value, v, endMs int64) types.Row { return row(k, I(v), T(endMs-10), T(endMs)) }

var windowCases = []struct {
	kind plan.JoinKind
	w10  []string // window [0, 10)
	w20  []string // window [10, 20)
}{
	{plan.InnerJoin,
		[]string{"+I[a, 1, 0, 10, a, 10, 0, 10]", "+I[a, 2, 0, 10, a, 10, 0, 10]"},
		[]string{"+I[c, 4, 10, 20, c, 12, 10, 20]", "+I[c, 4, 10, 20, c, 13, 10, 20]"}},
	{plan.LeftJoin,
		[]string{"+I[a, 1, 0, 10, a, 10, 0, 10]", "+I[a, 2, 0, 10, a, 10, 0, 10]", "+I[b, 3, 0, 10, null, null, null, null]", "+I[null, 9, 0, 10, null, null, null, null]"},
		[]string{"+I[c, 4, 10, 20, c, 12, 10, 20]", "+I[c, 4, 10, 20, c, 13, 10, 20]"}},
	{plan.RightJoin,
		[]string{"+I[a, 1, 0, 10, a, 10, 0, 10]", "+I[a, 2, 0, 10, a, 10, 0, 10]", "+I[null, null, null, null, c, 11, 0, 10]", "+I[null, null, null, null, null, 19, 0, 10]"},
		[]string{"+I[c, 4, 10, 20, c, 12, 10, 20]", "+I[c, 4, 10, 20, c, 13, 10, 20]"}},
	{plan.FullJoin,
		[]string{"+I[a, 1, 0, 10, a, 10, 0, 10]", "+I[a, 2, 0, 10, a, 10, 0, 10]", "+I[b, 3, 0, 10, null, null, null, null]", "+I[null, 9, 0, 10, null, null, null, null]",
			"+I[null, null, null, null, c, 11, 0, 10]", "+I[null, null, null, null, null, 19, 0, 10]"},
		[]string{"+I[c, 4, 10, 20, c, 12, 10, 20]", "+I[c, 4, 10, 20, c, 13, 10, 20]"}},
	{plan.SemiJoin, []string{"+I[a, 1, 0, 10]", "+I[a, 2, 0, 10]"}, []string{"+I[c, 4, 10, 20]"}},
	{plan.AntiJoin, []string{"+I[b, 3, 0, 10]", "+I[null, 9, 0, 10]"}, nil},
}

func runWindowCase(t *testing.T, kind plan.JoinKind, b state.Backend, w10, w20 []string) {
	h := newHarnessOn(t, windowPlan(kind), b, 0)
	h.Send(L, -1, ins, kvw(S("a"), 1, 10), kvw(S("a"), 2, 10), kvw(S("b"), 3, 10), kvw(null, 9, 10), kvw(S("c"), 4, 20))
	h.Send(R, -1, ins, kvw(S("a"), 10, 10), kvw(S("c"), 11, 10), kvw(null, 19, 10), kvw(S("c"), 12, 20))
	h.WM(8)
	h.Expect("WM 8") // nothing before the window closes
	h.WM(9)          // window [0, 10) ends at 10 - 1 ms
	h.ExpectSorted(append(w10, "WM 9")...)
	h.Send(L, 9, ins, kvw(S("a"), 5, 10)) // late: its window has fired
	h.Send(R, 9, ins, kvw(S("c"), 13, 20))
	h.Expect()
	if n := h.Ctx.Metrics.LateDropped.Load(); n != 1 {
		t.Errorf("late dropped = %d, want 1", n)
	}
	h.End()
	h.ExpectSorted(append(w20, "WM end")...)
	j := h.Op.(*WindowJoin)
	if n := j.rows.Len(); n != 0 || len(j.pending) != 0 {
		t.Errorf("%d keys and %d windows in state after every window fired, want none", n, len(j.pending))
	}
}

func TestWindowJoin(t *testing.T) {
	for _, c := range windowCases {
		t.Run(c.kind.String(), func(t *testing.T) { runWindowCase(t, c.kind, state.NewHeap(), c.w10, c.w20) })
	}
}

func TestWindowJoinPebble(t *testing.T) {
	for _, c := range windowCases {
		t.Run(c.kind.String(), func(t *testing.T) { runWindowCase(t, c.kind, optest.NewPebble(t), c.w10, c.w20) })
	}
}

// The condition filters pairs; Finish fires windows the final watermark
// did not (an input that ends without one).
func TestWindowJoinConditionAndFinish(t *testing.T) {
	x := windowPlan(plan.LeftJoin)
	x.Cond = optest.Call(t, "<", colRef(1, "v", types.IntType), colRef(5, "w", types.IntType))
	h := newHarness(t, x)
	h.Send(L, -1, ins, kvw(S("a"), 5, 10), kvw(S("a"), 50, 10))
	h.Send(R, -1, ins, kvw(S("a"), 7, 10), kvw(S("a"), 3, 10))
	if err := h.Op.Finish(); err != nil {
		t.Fatal(err)
	}
	h.ExpectSorted("+I[a, 5, 0, 10, a, 7, 0, 10]", "+I[a, 50, 0, 10, null, null, null, null]")
}
