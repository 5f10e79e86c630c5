package temporal

import (
	"testing"

	"github.com/sluicehq/sluice/internal/runtime/optest"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/types"
)

const ms = optest.Ms

var (
	col     = optest.Col
	rowtime = optest.RowTime
)

// Probe side: orders(o_id, cur, amount, o_ts); versioned side:
// rates(cur, rate, r_ts) with primary key cur.
var (
	orders = optest.NewNode(plan.AppendOnly,
		col("o_id", types.StringType), col("cur", types.StringType), col("amount", types.BigIntType), col("o_ts", rowtime))
	rates = optest.NewNode(plan.Updates,
		col("cur", types.StringType.NotNull()), col("rate", types.BigIntType), col("r_ts", rowtime))
)

func order(id, cur string, amount, tsMs int64) types.Row {
	return types.Row{types.StringValue(id), types.StringValue(cur), types.IntValue(amount), types.IntValue(tsMs * ms)}
}

func rate(cur string, r, tsMs int64) types.Row {
	return types.Row{types.StringValue(cur), types.IntValue(r), types.IntValue(tsMs * ms)}
}

func joinNode(kind plan.JoinKind, cond plan.Expr) *plan.Join {
	return plan.NewJoin(&plan.Join{Kind: kind, Strategy: plan.TemporalJoin, Left: orders, Right: rates,
		LeftKeys: []int{1}, RightKeys: []int{0}, Cond: cond, Temporal: &plan.TemporalSpec{LeftTime: 3, RightTime: 2}})
}

// newHarness opens a temporal join of x on b, its output recorded.
func newHarness(t testing.TB, x *plan.Join, b state.Backend) *optest.Harness {
	t.Helper()
	op, err := New(x)
	if err != nil {
		t.Fatal(err)
	}
	return optest.Open(t, op, optest.NewLines(x.Schema()), optest.Options{Name: "TemporalJoin[1]", State: b})
}

var ins, ub, ua, del = optest.Ins, optest.UB, optest.UA, optest.Del
