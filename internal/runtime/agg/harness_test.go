package agg

import (
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/types"
)

// fakeNode is a plan input with a fixed schema and changelog mode.
type fakeNode struct {
	schema types.Schema
	mode   plan.Mode
}

func (f fakeNode) Schema() types.Schema { return f.schema }
func (f fakeNode) Inputs() []plan.Node  { return nil }
func (f fakeNode) Mode() plan.Mode      { return f.mode }
func (f fakeNode) Describe() string     { return "Fake" }

func input(mode plan.Mode, cols ...types.Field) fakeNode {
	return fakeNode{schema: types.Schema{Fields: cols}, mode: mode}
}

func col(name string, t types.Type) types.Field { return types.Field{Name: name, Type: t} }

// collector records what an operator emits as print-connector strings.
type collector struct {
	schema types.Schema
	rows   []string
	wms    []int64
}

func (c *collector) Emit(b *types.Batch) error {
	for i, r := range b.Rows {
		c.rows = append(c.rows, types.FormatRowPrint(b.Kinds[i], r, c.schema))
	}
	return nil
}

func (c *collector) EmitWatermark(wm int64) error {
	c.wms = append(c.wms, wm)
	return nil
}

// take returns and forgets the rows collected so far.
func (c *collector) take() []string {
	r := c.rows
	c.rows = nil
	return r
}

func newContext() *operator.Context {
	return &operator.Context{Name: "Test[1]", Parallelism: 1, State: state.NewHeap(), Metrics: operator.NewMetrics(), Now: func() int64 { return 0 }}
}

// call builds an AggCall typed by ResultType.
func call(t *testing.T, in types.Schema, kind plan.AggKind, name string, args ...int) plan.AggCall {
	t.Helper()
	ts := make([]types.Type, len(args))
	for i, a := range args {
		ts[i] = in.Fields[a].Type
	}
	rt, err := ResultType(kind, ts)
	if err != nil {
		t.Fatal(err)
	}
	return plan.AggCall{Kind: kind, Args: args, Filter: -1, T: rt, Name: name}
}

func distinct(c plan.AggCall) plan.AggCall { c.Distinct = true; return c }
func filtered(c plan.AggCall, col int) plan.AggCall {
	c.Filter = col
	c.T = c.T.WithNullable(true)
	return c
}

// Value shorthands.
func I(i int64) types.Value           { return types.IntValue(i) }
func S(s string) types.Value          { return types.StringValue(s) }
func B(b bool) types.Value            { return types.BoolValue(b) }
func D(u int64) types.Value           { return types.DecimalValue(u) }
func F(f float64) types.Value         { return types.FloatValue(f) }
func row(vs ...types.Value) types.Row { return types.Row(vs) }

var null = types.Value{}

type change struct {
	kind types.RowKind
	row  types.Row
}

func ins(vs ...types.Value) change { return change{types.Insert, vs} }
func ub(vs ...types.Value) change  { return change{types.UpdateBefore, vs} }
func ua(vs ...types.Value) change  { return change{types.UpdateAfter, vs} }
func del(vs ...types.Value) change { return change{types.Delete, vs} }

func batchOf(cs ...change) *types.Batch {
	b := types.NewBatch(len(cs))
	for _, c := range cs {
		b.Append(c.kind, c.row)
	}
	return b
}

// runGroup feeds each change as its own batch and returns the output.
func runGroup(t *testing.T, n *plan.Aggregate, cs ...change) []string {
	t.Helper()
	op := NewGroupAggregate(n)
	out := &collector{schema: n.Schema()}
	if err := op.Open(newContext(), out); err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if err := op.Process(0, batchOf(c)); err != nil {
			t.Fatal(err)
		}
	}
	if err := op.Finish(); err != nil {
		t.Fatal(err)
	}
	return out.take()
}

func expect(t *testing.T, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}
