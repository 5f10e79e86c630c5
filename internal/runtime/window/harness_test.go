package window

import (
	"slices"
	"testing"

	"github.com/sluicehq/sluice/internal/runtime/agg"
	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/runtime/optest"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

var (
	col     = optest.Col
	rowtime = optest.RowTime
)

// The test input: k STRING, v INT, ts TIMESTAMP(3) *ROWTIME*.
var in = optest.NewNode(plan.AppendOnly, col("k", types.StringType), col("v", types.IntType), col("ts", rowtime))

const tsCol = 2

func msv(m int64) types.Value { return types.IntValue(m * ms) }

// r builds an input row k, v, ts (ms).
func r(k string, v int64, tsMs int64) types.Row {
	return types.Row{types.StringValue(k), types.IntValue(v), msv(tsMs)}
}

func call(t testing.TB, kind plan.AggKind, name string, args ...int) plan.AggCall {
	ts := make([]types.Type, len(args))
	for i, a := range args {
		ts[i] = in.Schema().Fields[a].Type
	}
	rt, err := agg.ResultType(kind, ts)
	if err != nil {
		t.Fatal(err)
	}
	return plan.AggCall{Kind: kind, Args: args, Filter: -1, T: rt, Name: name}
}

// collector records rows and watermarks in order ("WM <ms>"); rows of one
// window (same window_end, consecutive) are sorted, since a window's keys
// come out in any order. It checks windows come out in end order between
// watermarks.
type collector struct {
	t       testing.TB
	schema  types.Schema
	endCol  int // -1: no window columns
	lines   []string
	run     []string
	runEnd  int64
	lastEnd int64
}

func newCollector(t testing.TB, s types.Schema, endCol int) *collector {
	return &collector{t: t, schema: s, endCol: endCol, lastEnd: -1 << 62}
}

func (c *collector) Emit(b *types.Batch) error {
	for i, row := range b.Rows {
		line := optest.FormatRow(b.Kinds[i], row, c.schema)
		if c.endCol < 0 {
			c.lines = append(c.lines, line)
			continue
		}
		end := row[c.endCol].I
		if end < c.lastEnd {
			c.t.Errorf("window ending %d emitted after one ending %d", end/ms, c.lastEnd/ms)
		}
		if end != c.runEnd {
			c.endRun()
		}
		c.run, c.runEnd, c.lastEnd = append(c.run, line), end, end
	}
	return nil
}

func (c *collector) endRun() {
	slices.Sort(c.run)
	c.lines = append(c.lines, c.run...)
	c.run = nil
}

func (c *collector) EmitWatermark(wm int64) error {
	c.endRun()
	c.lastEnd = -1 << 62
	c.lines = append(c.lines, optest.WatermarkLine(wm))
	return nil
}

func (c *collector) Take() []string {
	c.endRun()
	l := c.lines
	c.lines = nil
	return l
}

var _ optest.Output = (*collector)(nil)

// newHarness opens op on a heap backend, its output of schema s recorded
// (endCol: the window_end column, -1 for none).
func newHarness(t testing.TB, op operator.Operator, s types.Schema, endCol int) *optest.Harness {
	return optest.Open(t, op, newCollector(t, s, endCol), optest.Options{})
}

func newWindowAgg(t testing.TB, w plan.Window, keys []int, aggs ...plan.AggCall) (*optest.Harness, *plan.WindowAggregate) {
	n := plan.NewWindowAggregate(in, w, keys, aggs)
	return newHarness(t, NewWindowAggregate(n), n.Schema(), n.WindowPropsOffset()+1), n
}
