package rank

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/runtime/optest"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/types"
)

var col = optest.Col

var (
	rowtime  = optest.RowTime
	proctime = types.TimestampLTZType(3).NotNull().WithTimeAttr(types.ProcTime)
)

// The test input: k STRING, id STRING, v BIGINT, ts rowtime, pt proctime,
// window_start, window_end.
const (
	cK, cID, cV, cTS, cPT, cWS, cWE = 0, 1, 2, 3, 4, 5, 6
)

func input(mode plan.Mode) optest.Node {
	return optest.NewNode(mode,
		col("k", types.StringType), col("id", types.StringType), col("v", types.BigIntType),
		col("ts", rowtime), col("pt", proctime),
		col("window_start", types.TimestampType(3).NotNull()), col("window_end", types.TimestampType(3).NotNull()),
	)
}

// r builds an input row; tsMs is the rowtime in ms, the window columns are
// a 10 ms tumbling window of it.
func r(k, id string, v, tsMs int64) types.Row {
	ws := tsMs / 10 * 10
	return types.Row{types.StringValue(k), types.StringValue(id), types.IntValue(v),
		types.IntValue(tsMs * ms), types.IntValue(0), types.IntValue(ws * ms), types.IntValue((ws + 10) * ms)}
}

// format renders a row as "+I[k, id, v, ts, rank]": the key, id, value and
// rowtime (ms) columns, and the rank column when there is one.
func format(kind types.RowKind, row types.Row) string {
	parts := []string{row[cK].S, row[cID].S, strconv.FormatInt(row[cV].I, 10), strconv.FormatInt(row[cTS].I/ms, 10)}
	if len(row) > cWE+1 {
		parts = append(parts, strconv.FormatInt(row[cWE+1].I, 10))
	}
	return kind.String() + "[" + strings.Join(parts, ", ") + "]"
}

// newHarness opens the operator of x on b with state TTL ttl (ns), its
// output recorded with format.
func newHarness(t testing.TB, x *plan.Rank, b state.Backend, ttl int64) *optest.Harness {
	t.Helper()
	return newHarnessOut(t, x, b, ttl, optest.NewLinesFunc(format), 0)
}

func newHarnessOut(t testing.TB, x *plan.Rank, b state.Backend, ttl int64, out optest.Output, now int64) *optest.Harness {
	t.Helper()
	op, err := New(x)
	if err != nil {
		t.Fatal(err)
	}
	return optest.Open(t, op, out, optest.Options{Name: "Rank[1]", State: b, TTL: time.Duration(ttl), Now: now})
}

var ins, ub, ua, del = optest.Ins, optest.UB, optest.UA, optest.Del

// rankNode builds a Rank over input(mode) partitioned by k.
func rankNode(mode plan.Mode, order []plan.SortKey, start, end int64, withRank bool) *plan.Rank {
	return plan.NewRank(&plan.Rank{Input: input(mode), PartitionKeys: []int{cK}, Order: order,
		RankStart: start, RankEnd: end, OutputRank: withRank, RankName: "rn"})
}
