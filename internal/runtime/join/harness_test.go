package join

import (
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/runtime/optest"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/types"
)

var (
	col     = optest.Col
	rowtime = optest.RowTime
	node    = optest.NewNode
)

// Regular join inputs: L(k STRING, v INT), R(k STRING, w INT).
func regularPlan(kind plan.JoinKind, mode plan.Mode) *plan.Join {
	return plan.NewJoin(&plan.Join{
		Kind: kind, Strategy: plan.RegularJoin,
		Left:     node(mode, col("k", types.StringType), col("v", types.IntType)),
		Right:    node(mode, col("k", types.StringType), col("w", types.IntType)),
		LeftKeys: []int{0}, RightKeys: []int{0},
	})
}

func colRef(i int, name string, t types.Type) *plan.ColumnRef {
	return &plan.ColumnRef{Index: i, Name: name, T: t}
}

// Value shorthands.
func S(s string) types.Value { return types.StringValue(s) }
func I(i int64) types.Value  { return types.IntValue(i) }
func T(m int64) types.Value  { return types.IntValue(m * ms) }

var null = types.Value{}

func row(vs ...types.Value) types.Row { return types.Row(vs) }

// newHarness opens the join x on a heap backend, its output recorded.
func newHarness(t testing.TB, x *plan.Join) *optest.Harness {
	return newHarnessOn(t, x, state.NewHeap(), 0)
}

// newHarnessOn opens the join x on b with state TTL ttl (ns).
func newHarnessOn(t testing.TB, x *plan.Join, b state.Backend, ttl int64) *optest.Harness {
	t.Helper()
	return openJoin(t, x, b, ttl, optest.NewLines(x.Schema()))
}

func openJoin(t testing.TB, x *plan.Join, b state.Backend, ttl int64, out optest.Output) *optest.Harness {
	t.Helper()
	op, err := New(x)
	if err != nil {
		t.Fatal(err)
	}
	return optest.Open(t, op, out, optest.Options{State: b, TTL: time.Duration(ttl)})
}
