package operator

import (
	"testing"

	"github.com/sluicehq/sluice/internal/sql/functions"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

type collect struct{ rows []string }

func (c *collect) Emit(b *types.Batch) error {
	for i, r := range b.Rows {
		c.rows = append(c.rows, types.FormatRowPrint(b.Kinds[i], r, types.Schema{Fields: []types.Field{{Type: types.BigIntType}, {Type: types.BigIntType}}}))
	}
	return nil
}
func (c *collect) EmitWatermark(int64) error { return nil }

func call(t testing.TB, name string, args ...plan.Expr) *plan.Call {
	fn, err := functions.Builtins().Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	fargs := make([]functions.Arg, len(args))
	for i, a := range args {
		fargs[i] = functions.Arg{Type: a.Type()}
	}
	rt, err := fn.Infer(fargs)
	if err != nil {
		t.Fatal(err)
	}
	return &plan.Call{Fn: fn, Args: args, T: rt}
}

// A sub-expression shared by the condition and the projection gives the
// same value in both, per row, and rows do not see each other's values.
func TestCalcSharesSubexpressionsPerRow(t *testing.T) {
	col := &plan.ColumnRef{Index: 0, Name: "a", T: types.BigIntType}
	two := &plan.Literal{V: types.IntValue(2), T: types.BigIntType.NotNull()}
	dbl := call(t, "*", col, two)
	cond := call(t, ">", dbl, &plan.Literal{V: types.IntValue(2), T: types.BigIntType.NotNull()})
	c, err := NewCalc(cond, []plan.Expr{dbl, call(t, "+", dbl, col)})
	if err != nil {
		t.Fatal(err)
	}
	out := &collect{}
	if err := c.Open(&Context{Metrics: NewMetrics()}, out); err != nil {
		t.Fatal(err)
	}
	b := types.NewBatch(3)
	for _, v := range []int64{1, 2, 3} {
		r := b.Alloc(1)
		r[0] = types.IntValue(v)
		b.Append(types.Insert, r)
	}
	if err := c.Process(0, b); err != nil {
		t.Fatal(err)
	}
	want := []string{"+I[4, 6]", "+I[6, 9]"}
	if len(out.rows) != 2 || out.rows[0] != want[0] || out.rows[1] != want[1] {
		t.Fatalf("got %v, want %v", out.rows, want)
	}
	if c.m.RowsIn.Load() != 3 || c.m.RowsOut.Load() != 2 {
		t.Fatalf("metrics in=%d out=%d", c.m.RowsIn.Load(), c.m.RowsOut.Load())
	}
}

type discard struct{}

func (discard) Emit(*types.Batch) error   { return nil }
func (discard) EmitWatermark(int64) error { return nil }

// BenchmarkCalc: a filter and a projection with arithmetic over a 1024-row
// batch; reports per-row cost and allocations (expected: 0 per row).
func BenchmarkCalc(b *testing.B) {
	col := &plan.ColumnRef{Index: 0, Name: "a", T: types.BigIntType}
	price := &plan.ColumnRef{Index: 1, Name: "p", T: types.BigIntType}
	cond := call(b, ">", price, &plan.Literal{V: types.IntValue(10), T: types.BigIntType.NotNull()})
	exprs := []plan.Expr{col, call(b, "*", price, &plan.Literal{V: types.IntValue(908), T: types.BigIntType.NotNull()})}
	c, err := NewCalc(cond, exprs)
	if err != nil {
		b.Fatal(err)
	}
	if err := c.Open(&Context{Metrics: NewMetrics()}, discard{}); err != nil {
		b.Fatal(err)
	}
	in := types.NewBatch(1024)
	for i := 0; i < 1024; i++ {
		r := in.Alloc(2)
		r[0], r[1] = types.IntValue(int64(i)), types.IntValue(int64(i%100))
		in.Append(types.Insert, r)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := c.Process(0, in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1024), "ns/row")
}

// A deterministic call over a non-deterministic one (ABS(RAND())) is not
// shared: each occurrence draws its own value, as in Flink.
func TestCalcDoesNotShareCallsOverNonDeterministicArgs(t *testing.T) {
	rnd := call(t, "RAND")
	a, b := call(t, "ABS", rnd), call(t, "ABS", call(t, "RAND"))
	c, err := NewCalc(nil, []plan.Expr{a, b, &plan.Cast{X: call(t, "RAND"), T: types.DoubleType}, &plan.Cast{X: call(t, "RAND"), T: types.DoubleType}})
	if err != nil {
		t.Fatal(err)
	}
	var got [][]float64
	out := outputFunc(func(bt *types.Batch) {
		for _, r := range bt.Rows {
			got = append(got, []float64{r[0].Float(), r[1].Float(), r[2].Float(), r[3].Float()})
		}
	})
	if err := c.Open(&Context{Metrics: NewMetrics()}, out); err != nil {
		t.Fatal(err)
	}
	in := types.NewBatch(8)
	for range 8 {
		in.Append(types.Insert, in.Alloc(1))
	}
	if err := c.Process(0, in); err != nil {
		t.Fatal(err)
	}
	sameAbs, sameCast := 0, 0
	for _, r := range got {
		if r[0] == r[1] {
			sameAbs++
		}
		if r[2] == r[3] {
			sameCast++
		}
	}
	if sameAbs == len(got) || sameCast == len(got) {
		t.Fatalf("two RAND() draws were shared: %v", got)
	}
}

type outputFunc func(*types.Batch)

func (f outputFunc) Emit(b *types.Batch) error { f(b); return nil }
func (outputFunc) EmitWatermark(int64) error   { return nil }
