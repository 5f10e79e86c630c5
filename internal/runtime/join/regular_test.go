package join

import (
	"errors"
	"testing"

	"github.com/sluicehq/sluice/internal/runtime/optest"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

const (
	L = 0
	R = 1
)

// step is one input row and the output it must produce.
type step struct {
	side int
	kind types.RowKind
	row  types.Row
	want []string
}

func in(side int, kind types.RowKind, r types.Row, want ...string) step {
	return step{side, kind, r, want}
}

var (
	ins = types.Insert
	ub  = types.UpdateBefore
	ua  = types.UpdateAfter
	del = types.Delete
)

func runSteps(t *testing.T, h *optest.Harness, steps []step) {
	t.Helper()
	for i, s := range steps {
		h.Send(s.side, -1, s.kind, s.row)
		got := h.Out.Take()
		if len(got) != len(s.want) || len(got) > 0 && !equalLines(got, s.want) {
			t.Errorf("step %d (%s %s %v):\ngot:  %q\nwant: %q", i+1, [...]string{"L", "R"}[s.side], s.kind, s.row, got, s.want)
		}
	}
}

func equalLines(a, b []string) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// The expected outputs follow Flink's StreamingJoinOperator and
// StreamingSemiAntiJoinOperator (see RegularJoin's doc).
var regularCases = []struct {
	name  string
	kind  plan.JoinKind
	steps []step
}{
	{"inner", plan.InnerJoin, []step{
		in(L, ins, row(S("a"), I(1))),
		in(R, ins, row(S("a"), I(10)), "+I[a, 1, a, 10]"),
		in(L, ins, row(S("a"), I(1)), "+I[a, 1, a, 10]"), // a duplicate
		in(R, ins, row(S("a"), I(20)), "+I[a, 1, a, 20]", "+I[a, 1, a, 20]"),
		in(L, del, row(S("a"), I(1)), "-D[a, 1, a, 10]", "-D[a, 1, a, 20]"), // one of the two goes
		in(R, ub, row(S("a"), I(10)), "-U[a, 1, a, 10]"),                    // kinds are forwarded
		in(R, ua, row(S("a"), I(11)), "+U[a, 1, a, 11]"),
		in(L, ins, row(null, I(5))),
		in(R, ins, row(null, I(6))), // NULL = NULL is not true
		in(L, ins, row(S("b"), I(2))),
		in(L, del, row(S("a"), I(1)), "-D[a, 1, a, 20]", "-D[a, 1, a, 11]"),
		in(R, ins, row(S("a"), I(30))), // no left row left
	}},
	{"left", plan.LeftJoin, []step{
		in(L, ins, row(S("a"), I(1)), "+I[a, 1, null, null]"),
		in(R, ins, row(S("a"), I(10)), "-D[a, 1, null, null]", "+I[a, 1, a, 10]"),
		in(L, ins, row(S("a"), I(1)), "+I[a, 1, a, 10]"),
		in(R, ins, row(S("a"), I(20)), "+I[a, 1, a, 20]", "+I[a, 1, a, 20]"),
		in(L, del, row(S("a"), I(1)), "-D[a, 1, a, 10]", "-D[a, 1, a, 20]"),
		in(R, del, row(S("a"), I(10)), "-D[a, 1, a, 10]"),
		// The left row loses its last match: back to NULL-padded.
		in(R, ub, row(S("a"), I(20)), "-D[a, 1, a, 20]", "+I[a, 1, null, null]"),
		in(L, ins, row(null, I(5)), "+I[null, 5, null, null]"),
		in(R, ins, row(null, I(6))),
		in(L, del, row(null, I(5)), "-D[null, 5, null, null]"),
		in(L, ua, row(S("b"), I(2)), "+I[b, 2, null, null]"),
		in(L, ub, row(S("b"), I(2)), "-D[b, 2, null, null]"),
	}},
	{"right", plan.RightJoin, []step{
		in(L, ins, row(S("a"), I(1))),
		in(R, ins, row(S("a"), I(10)), "+I[a, 1, a, 10]"),
		in(R, ins, row(S("b"), I(30)), "+I[null, null, b, 30]"),
		in(L, ins, row(S("b"), I(3)), "-D[null, null, b, 30]", "+I[b, 3, b, 30]"),
		in(L, del, row(S("a"), I(1)), "-D[a, 1, a, 10]", "+I[null, null, a, 10]"),
		in(R, del, row(S("a"), I(10)), "-D[null, null, a, 10]"),
		in(R, ins, row(null, I(7)), "+I[null, null, null, 7]"),
		in(L, ins, row(null, I(8))),
	}},
	{"full", plan.FullJoin, []step{
		in(L, ins, row(S("a"), I(1)), "+I[a, 1, null, null]"),
		in(R, ins, row(S("b"), I(20)), "+I[null, null, b, 20]"),
		in(R, ins, row(S("a"), I(10)), "-D[a, 1, null, null]", "+I[a, 1, a, 10]"),
		in(L, ins, row(S("a"), I(2)), "+I[a, 2, a, 10]"),
		in(L, del, row(S("a"), I(1)), "-D[a, 1, a, 10]"),
		in(L, del, row(S("a"), I(2)), "-D[a, 2, a, 10]", "+I[null, null, a, 10]"),
		in(R, del, row(S("b"), I(20)), "-D[null, null, b, 20]"),
		in(R, ins, row(S("a"), I(10)), "+I[null, null, a, 10]"), // a duplicate, still unmatched
		in(L, ins, row(S("a"), I(3)), "-D[null, null, a, 10]", "-D[null, null, a, 10]", "+I[a, 3, a, 10]", "+I[a, 3, a, 10]"),
		in(L, del, row(S("a"), I(3)), "-D[a, 3, a, 10]", "-D[a, 3, a, 10]", "+I[null, null, a, 10]", "+I[null, null, a, 10]"),
	}},
	{"semi", plan.SemiJoin, []step{
		in(L, ins, row(S("a"), I(1))),
		in(R, ins, row(S("a"), I(10)), "+I[a, 1]"),
		in(R, ins, row(S("a"), I(11))),
		in(L, ins, row(S("a"), I(2)), "+I[a, 2]"),
		in(R, del, row(S("a"), I(10))),
		in(R, ub, row(S("a"), I(11)), "-U[a, 1]", "-U[a, 2]"),
		in(L, del, row(S("a"), I(1))),
		in(L, ins, row(null, I(3))),
		in(R, ins, row(S("a"), I(12)), "+I[a, 2]"),
		in(L, del, row(S("a"), I(2)), "-D[a, 2]"),
	}},
	{"anti", plan.AntiJoin, []step{
		in(L, ins, row(S("a"), I(1)), "+I[a, 1]"),
		in(R, ins, row(S("a"), I(10)), "-D[a, 1]"),
		in(R, ins, row(S("a"), I(11))),
		in(L, ins, row(S("a"), I(2))),
		in(R, del, row(S("a"), I(10))),
		in(R, ub, row(S("a"), I(11)), "+I[a, 1]", "+I[a, 2]"),
		in(L, del, row(S("a"), I(1)), "-D[a, 1]"),
		in(L, ins, row(null, I(3)), "+I[null, 3]"), // NOT EXISTS: NULL matches nothing
		in(R, ins, row(null, I(4))),
	}},
}

func TestRegularJoin(t *testing.T) {
	for _, c := range regularCases {
		t.Run(c.name, func(t *testing.T) {
			runSteps(t, newHarness(t, regularPlan(c.kind, plan.Updates)), c.steps)
		})
	}
}

func TestRegularJoinPebble(t *testing.T) {
	for _, c := range regularCases {
		t.Run(c.name, func(t *testing.T) {
			runSteps(t, newHarnessOn(t, regularPlan(c.kind, plan.Updates), optest.NewPebble(t), 0), c.steps)
		})
	}
}

// NOT IN: a left row is emitted while no right row equals it and the right
// side holds no NULL; a left NULL only while the right side is empty.
func TestNullAwareAntiJoin(t *testing.T) {
	x := regularPlan(plan.AntiJoin, plan.Updates)
	x.NullAwareAnti = true
	runSteps(t, newHarness(t, x), []step{
		in(L, ins, row(S("a"), I(1)), "+I[a, 1]"),
		in(L, ins, row(null, I(2)), "+I[null, 2]"), // NULL NOT IN (empty) is true
		in(R, ins, row(S("b"), I(10)), "-D[null, 2]"),
		in(L, ins, row(null, I(3))),
		in(L, ins, row(S("c"), I(4)), "+I[c, 4]"),
		in(R, ins, row(null, I(20)), "-D[a, 1]", "-D[c, 4]"),
		in(L, ins, row(S("d"), I(5))),
		in(R, del, row(null, I(20)), "+I[a, 1]", "+I[c, 4]", "+I[d, 5]"),
		in(L, ins, row(S("b"), I(6))),
		in(R, del, row(S("b"), I(10)), "+I[null, 2]", "+I[null, 3]", "+I[b, 6]"),
	})
}

// The residual condition decides which pairs of equal keys match; a LEFT
// join row whose key matches but whose condition fails stays padded.
func TestRegularJoinCondition(t *testing.T) {
	x := regularPlan(plan.LeftJoin, plan.AppendOnly)
	x.Cond = optest.Call(t, "<", colRef(1, "v", types.IntType), colRef(3, "w", types.IntType))
	runSteps(t, newHarness(t, x), []step{
		in(L, ins, row(S("a"), I(5)), "+I[a, 5, null, null]"),
		in(R, ins, row(S("a"), I(3))),
		in(R, ins, row(S("a"), I(7)), "-D[a, 5, null, null]", "+I[a, 5, a, 7]"),
		in(L, ins, row(S("a"), I(4)), "+I[a, 4, a, 7]"),
		in(L, ins, row(S("a"), I(9)), "+I[a, 9, null, null]"),
	})
}

// Without keys every row is in one group: a filtered cross join.
func TestRegularJoinWithoutKeys(t *testing.T) {
	x := regularPlan(plan.InnerJoin, plan.AppendOnly)
	x.LeftKeys, x.RightKeys = nil, nil
	x.Cond = optest.Call(t, "<", colRef(1, "v", types.IntType), colRef(3, "w", types.IntType))
	runSteps(t, newHarness(t, x), []step{
		in(L, ins, row(S("a"), I(5))),
		in(L, ins, row(null, I(1))),
		in(R, ins, row(S("b"), I(3)), "+I[null, 1, b, 3]"),
		in(R, ins, row(null, I(7)), "+I[a, 5, null, 7]", "+I[null, 1, null, 7]"),
	})
}

// State TTL drops rows not written for the TTL (processing time); the
// state shrinks through the timers even for keys never read again.
func TestRegularJoinTTL(t *testing.T) {
	for _, be := range optest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			h := newHarnessOn(t, regularPlan(plan.LeftJoin, plan.AppendOnly), be.New(t), 100)
			j := h.Op.(*RegularJoin)
			sizes := func(wantL, wantR int) {
				t.Helper()
				if l, r := j.sides[0].st.Len(), j.sides[1].st.Len(); l != wantL || r != wantR {
					t.Errorf("at %d: %d left and %d right keys in state, want %d and %d", h.Now, l, r, wantL, wantR)
				}
			}
			h.Now = 0
			runSteps(t, h, []step{in(L, ins, row(S("a"), I(1)), "+I[a, 1, null, null]")})
			h.Now = 50
			runSteps(t, h, []step{
				in(L, ins, row(S("b"), I(2)), "+I[b, 2, null, null]"),
				// a's match count is written: a lives until 150.
				in(R, ins, row(S("a"), I(10)), "-D[a, 1, null, null]", "+I[a, 1, a, 10]"),
			})
			h.Now = 120 // a's first timer (100) fires and re-arms for 150
			runSteps(t, h, []step{in(R, ins, row(S("b"), I(20)), "-D[b, 2, null, null]", "+I[b, 2, b, 20]")})
			sizes(2, 2)
			h.Now = 150
			if err := h.Op.(interface{ OnProcTime(int64) error }).OnProcTime(150); err != nil {
				t.Fatal(err)
			}
			sizes(1, 1) // left a and right a (written at 50) are gone; b was written at 120
			h.Now = 160
			runSteps(t, h, []step{
				in(R, ins, row(S("a"), I(11))), // the left a row expired: nothing to join
				in(L, del, row(S("b"), I(2)), "-D[b, 2, b, 20]"),
			})
			h.Now = 400
			if err := j.OnProcTime(400); err != nil {
				t.Fatal(err)
			}
			sizes(0, 0)
			if n := j.timers.Len(); n != 0 {
				t.Errorf("%d timers left, want 0", n)
			}
			// A row arriving after expiry starts afresh.
			runSteps(t, h, []step{in(R, ins, row(S("b"), I(21)))})
		})
	}
}

func TestNewRejects(t *testing.T) {
	x := regularPlan(plan.InnerJoin, plan.Updates)
	iv := *x
	iv.Strategy, iv.Interval = plan.IntervalJoin, &plan.IntervalBounds{LeftTime: 1, RightTime: 1}
	if _, err := New(&iv); !errors.Is(err, ErrUpdatingInput) {
		t.Errorf("interval join over updates: got %v, want ErrUpdatingInput", err)
	}
	tj := *x
	tj.Strategy = plan.TemporalJoin
	if _, err := New(&tj); err == nil {
		t.Errorf("temporal join: no error")
	}
	bad := *x
	bad.LeftKeys = []int{5}
	if _, err := New(&bad); err == nil {
		t.Errorf("key out of range: no error")
	}
}
