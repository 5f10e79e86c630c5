package agg

import (
	"errors"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

func TestGroupAggregateAppendOnly(t *testing.T) {
	in := input(plan.AppendOnly, col("k", types.StringType), col("b", types.IntType))
	s := in.Schema()
	n := plan.NewAggregate(in, []int{0}, []plan.AggCall{
		call(t, s, plan.AggCount, "c"), call(t, s, plan.AggCount, "cb", 1),
		call(t, s, plan.AggSum, "s", 1), call(t, s, plan.AggMin, "mn", 1),
		call(t, s, plan.AggMax, "mx", 1), call(t, s, plan.AggAvg, "av", 1),
	})
	got := runGroup(t, n,
		ins(S("a"), I(1)), ins(S("a"), null), ins(S("b"), null), ins(S("a"), I(4)), ins(S("a"), I(-6)))
	expect(t, got,
		"+I[a, 1, 1, 1, 1, 1, 1]",
		"-U[a, 1, 1, 1, 1, 1, 1]", "+U[a, 2, 1, 1, 1, 1, 1]",
		"+I[b, 1, 0, null, null, null, null]",
		"-U[a, 2, 1, 1, 1, 1, 1]", "+U[a, 3, 2, 5, 1, 4, 2]",
		// AVG(INT) = -1 / 3 truncates to 0, as Java's long division.
		"-U[a, 3, 2, 5, 1, 4, 2]", "+U[a, 4, 3, -1, -6, 4, 0]",
	)
}

func TestGroupAggregateUnchangedResultEmitsNothing(t *testing.T) {
	in := input(plan.AppendOnly, col("k", types.StringType), col("b", types.IntType))
	n := plan.NewAggregate(in, []int{0}, []plan.AggCall{distinct(call(t, in.Schema(), plan.AggCount, "c", 1))})
	expect(t, runGroup(t, n, ins(S("a"), I(1)), ins(S("a"), I(1)), ins(S("a"), I(2))),
		"+I[a, 1]", "-U[a, 1]", "+U[a, 2]")
}

func TestGroupAggregateRetractions(t *testing.T) {
	in := input(plan.Updates, col("k", types.StringType), col("b", types.IntType))
	s := in.Schema()
	n := plan.NewAggregate(in, []int{0}, []plan.AggCall{
		call(t, s, plan.AggCount, "c"), call(t, s, plan.AggSum, "s", 1),
		call(t, s, plan.AggMin, "mn", 1), call(t, s, plan.AggMax, "mx", 1),
		distinct(call(t, s, plan.AggCount, "cd", 1)), call(t, s, plan.AggAvg, "av", 1),
	})
	got := runGroup(t, n,
		ins(S("a"), I(3)), ins(S("a"), I(5)), ins(S("a"), I(3)),
		del(S("a"), I(5)), // MAX retracted: rescan
		ub(S("a"), I(3)),  // one of two 3s goes: MIN stays 3, COUNT DISTINCT stays 1
		del(S("x"), I(1)), // unknown group: ignored
		ua(S("a"), I(1)),
		del(S("a"), I(1)), // MIN retracted: rescan
		del(S("a"), I(3)), // group empties
		ins(S("a"), I(7)), // a new group again
	)
	expect(t, got,
		"+I[a, 1, 3, 3, 3, 1, 3]",
		"-U[a, 1, 3, 3, 3, 1, 3]", "+U[a, 2, 8, 3, 5, 2, 4]",
		"-U[a, 2, 8, 3, 5, 2, 4]", "+U[a, 3, 11, 3, 5, 2, 3]",
		"-U[a, 3, 11, 3, 5, 2, 3]", "+U[a, 2, 6, 3, 3, 1, 3]",
		"-U[a, 2, 6, 3, 3, 1, 3]", "+U[a, 1, 3, 3, 3, 1, 3]",
		"-U[a, 1, 3, 3, 3, 1, 3]", "+U[a, 2, 4, 1, 3, 2, 2]",
		"-U[a, 2, 4, 1, 3, 2, 2]", "+U[a, 1, 3, 3, 3, 1, 3]",
		"-D[a, 1, 3, 3, 3, 1, 3]",
		"+I[a, 1, 7, 7, 7, 1, 7]",
	)
}

func TestGroupAggregateDeleteRemovesState(t *testing.T) {
	in := input(plan.Updates, col("k", types.StringType), col("b", types.IntType))
	n := plan.NewAggregate(in, []int{0}, []plan.AggCall{call(t, in.Schema(), plan.AggSum, "s", 1)})
	op := NewGroupAggregate(n).(*GroupAggregate)
	out := &collector{schema: n.Schema()}
	if err := op.Open(newContext(), out); err != nil {
		t.Fatal(err)
	}
	if err := op.Process(0, batchOf(ins(S("a"), I(2)), ins(S("b"), I(1)), del(S("a"), I(2)))); err != nil {
		t.Fatal(err)
	}
	expect(t, out.take(), "+I[a, 2]", "+I[b, 1]", "-D[a, 2]")
	if got := op.store.Len(); got != 1 {
		t.Errorf("state entries = %d, want 1 (only b)", got)
	}
}

func TestSharedDistinctWithFilters(t *testing.T) {
	in := input(plan.AppendOnly, col("k", types.StringType), col("b", types.IntType), col("f", types.BooleanType))
	s := in.Schema()
	n := plan.NewAggregate(in, []int{0}, []plan.AggCall{
		distinct(call(t, s, plan.AggCount, "cd", 1)),
		distinct(call(t, s, plan.AggSum, "sd", 1)),
		filtered(distinct(call(t, s, plan.AggCount, "cdf", 1)), 2),
		filtered(call(t, s, plan.AggCount, "cf"), 2),
		distinct(call(t, s, plan.AggAvg, "ad", 1)),
	})
	op := NewGroupAggregate(n).(*GroupAggregate)
	out := &collector{schema: n.Schema()}
	if err := op.Open(newContext(), out); err != nil {
		t.Fatal(err)
	}
	for _, c := range []change{
		ins(S("a"), I(1), B(true)), ins(S("a"), I(1), B(false)), ins(S("a"), I(2), B(false)),
		ins(S("a"), I(2), null), ins(S("a"), I(2), B(true)), ins(S("a"), null, B(true)),
	} {
		if err := op.Process(0, batchOf(c)); err != nil {
			t.Fatal(err)
		}
	}
	expect(t, out.take(),
		"+I[a, 1, 1, 1, 1, 1]",
		"-U[a, 1, 1, 1, 1, 1]", "+U[a, 2, 3, 1, 1, 1]",
		"-U[a, 2, 3, 1, 1, 1]", "+U[a, 2, 3, 2, 2, 1]",
		"-U[a, 2, 3, 2, 2, 1]", "+U[a, 2, 3, 2, 3, 1]",
	)
	g, _ := op.store.Get(0, types.AppendKey(nil, row(S("a")), []int{0}))
	if sets := g.distinctSets(); len(sets) != 1 || sets[0] != 2 {
		t.Errorf("distinct maps = %v, want one map holding 2 values", sets)
	}
}

func TestSharedDistinctRetractions(t *testing.T) {
	in := input(plan.Updates, col("k", types.StringType), col("b", types.IntType), col("f", types.BooleanType))
	s := in.Schema()
	n := plan.NewAggregate(in, []int{0}, []plan.AggCall{
		distinct(call(t, s, plan.AggCount, "cd", 1)),
		filtered(distinct(call(t, s, plan.AggCount, "cdf", 1)), 2),
	})
	got := runGroup(t, n,
		ins(S("a"), I(1), B(true)), ins(S("a"), I(1), B(false)),
		del(S("a"), I(1), B(true)), del(S("a"), I(1), B(false)))
	expect(t, got, "+I[a, 1, 1]", "-U[a, 1, 1]", "+U[a, 1, 0]", "-D[a, 1, 0]")
}

func TestDecimalSumAvgGlobal(t *testing.T) {
	in := input(plan.AppendOnly, col("d", types.DecimalType(10, 2)))
	s := in.Schema()
	sum, _ := CallType(plan.AggSum, []types.Type{s.Fields[0].Type}, false, false)
	avg, _ := CallType(plan.AggAvg, []types.Type{s.Fields[0].Type}, false, false)
	if sum.String() != "DECIMAL(38, 2)" || avg.String() != "DECIMAL(38, 6)" {
		t.Fatalf("types %s, %s", sum, avg)
	}
	n := plan.NewAggregate(in, nil, []plan.AggCall{
		{Kind: plan.AggSum, Args: []int{0}, Filter: -1, T: sum, Name: "s"},
		{Kind: plan.AggAvg, Args: []int{0}, Filter: -1, T: avg, Name: "a"},
	})
	expect(t, runGroup(t, n) /* empty input: a global aggregate emits nothing in streaming */)
	got := runGroup(t, n, ins(D(125)), ins(null), ins(D(250)), ins(D(1)), ins(D(-100)))
	expect(t, got,
		"+I[1.25, 1.250000]",
		"-U[1.25, 1.250000]", "+U[3.75, 1.875000]",
		"-U[3.75, 1.875000]", "+U[3.76, 1.253333]",
		"-U[3.76, 1.253333]", "+U[2.76, 0.690000]",
	)
}

func TestAvgDecimalRoundsHalfUp(t *testing.T) {
	for _, c := range []struct {
		sum, n int64
		d      int
		want   string
	}{
		{2, 3, 4, "6667"}, {-2, 3, 4, "-6667"}, {1, 2, 0, "1"}, {-1, 2, 0, "-1"}, {1, 3, 0, "0"},
		{9_000_000_000_000_000_000 / 10, 3, 6, "300000000000000000000000"},
	} {
		a := &Acc{i: c.sum, n: c.n}
		if got := avgDecimal(a, c.d).BigUnscaled().String(); got != c.want {
			t.Errorf("avg(%d/%d, 10^%d) = %s, want %s", c.sum, c.n, c.d, got, c.want)
		}
	}
}

func TestIntegerWrapAndFloats(t *testing.T) {
	in := input(plan.AppendOnly, col("t", types.TinyIntType), col("x", types.DoubleType), col("f", types.FloatType))
	s := in.Schema()
	n := plan.NewAggregate(in, nil, []plan.AggCall{
		call(t, s, plan.AggSum, "st", 0), call(t, s, plan.AggAvg, "at", 0),
		call(t, s, plan.AggSum, "sx", 1), call(t, s, plan.AggAvg, "ax", 1),
		call(t, s, plan.AggSum0, "s0", 0),
	})
	got := runGroup(t, n, ins(I(100), F(0.1), null), ins(I(100), F(0.2), null))
	// SUM(TINYINT) wraps like Java's byte (200 → -56); AVG sums in BIGINT.
	expect(t, got,
		"+I[100, 100, 0.1, 0.1, 100]",
		"-U[100, 100, 0.1, 0.1, 100]", "+U[-56, 100, 0.30000000000000004, 0.15000000000000002, -56]",
	)
}

func TestValueAggregatesAppendOnly(t *testing.T) {
	in := input(plan.AppendOnly, col("k", types.StringType), col("s", types.StringType), col("sep", types.StringType))
	s := in.Schema()
	n := plan.NewAggregate(in, []int{0}, []plan.AggCall{
		call(t, s, plan.AggFirstValue, "f", 1), call(t, s, plan.AggLastValue, "l", 1),
		call(t, s, plan.AggListAgg, "la", 1), call(t, s, plan.AggListAgg, "ls", 1, 2),
		call(t, s, plan.AggMin, "mn", 1), call(t, s, plan.AggMax, "mx", 1),
	})
	got := runGroup(t, n,
		ins(S("a"), null, S("-")), ins(S("a"), S("x"), S("-")), ins(S("a"), S("y"), S("-")), ins(S("a"), null, S("-")))
	expect(t, got,
		"+I[a, null, null, null, null, null, null]",
		"-U[a, null, null, null, null, null, null]", "+U[a, x, x, x, x, x, x]",
		"-U[a, x, x, x, x, x, x]", "+U[a, x, y, x,y, x-y, x, y]",
	)
}

func TestValueAggregatesRetractions(t *testing.T) {
	in := input(plan.Updates, col("k", types.StringType), col("s", types.StringType))
	s := in.Schema()
	n := plan.NewAggregate(in, []int{0}, []plan.AggCall{
		call(t, s, plan.AggFirstValue, "f", 1), call(t, s, plan.AggLastValue, "l", 1),
		call(t, s, plan.AggListAgg, "la", 1),
	})
	got := runGroup(t, n,
		ins(S("a"), S("x")), ins(S("a"), S("y")), ins(S("a"), S("x")), del(S("a"), S("x")), ub(S("a"), S("x")))
	expect(t, got,
		"+I[a, x, x, x]",
		"-U[a, x, x, x]", "+U[a, x, y, x,y]",
		"-U[a, x, y, x,y]", "+U[a, x, x, x,y,x]",
		// The earliest x goes: first becomes y.
		"-U[a, x, x, x,y,x]", "+U[a, y, x, y,x]",
		"-U[a, y, x, y,x]", "+U[a, y, y, y]",
	)
}

func TestResultTypes(t *testing.T) {
	dec := types.DecimalType(10, 2)
	rowtime := types.TimestampType(3).NotNull().WithTimeAttr(types.RowTime)
	for _, c := range []struct {
		kind plan.AggKind
		args []types.Type
		want string
	}{
		{plan.AggCount, nil, "BIGINT NOT NULL"},
		{plan.AggCount, []types.Type{types.StringType}, "BIGINT NOT NULL"},
		{plan.AggSum, []types.Type{types.IntType.NotNull()}, "INT NOT NULL"},
		{plan.AggSum, []types.Type{types.TinyIntType}, "TINYINT"},
		{plan.AggSum, []types.Type{dec}, "DECIMAL(38, 2)"},
		{plan.AggSum, []types.Type{types.DoubleType}, "DOUBLE"},
		{plan.AggSum0, []types.Type{types.IntType}, "INT NOT NULL"},
		{plan.AggAvg, []types.Type{types.IntType}, "INT"},
		{plan.AggAvg, []types.Type{dec}, "DECIMAL(38, 6)"},
		{plan.AggAvg, []types.Type{types.DecimalType(20, 8)}, "DECIMAL(38, 8)"},
		{plan.AggMin, []types.Type{types.StringType}, "STRING"},
		{plan.AggMax, []types.Type{rowtime}, "TIMESTAMP(3) NOT NULL"},
		{plan.AggFirstValue, []types.Type{types.BigIntType}, "BIGINT"},
		{plan.AggListAgg, []types.Type{types.StringType.NotNull()}, "STRING"},
	} {
		got, err := ResultType(c.kind, c.args)
		if err != nil || got.String() != c.want {
			t.Errorf("%s%v = %v, %v; want %s", c.kind, c.args, got, err, c.want)
		}
	}
	if got, _ := CallType(plan.AggSum, []types.Type{types.IntType.NotNull()}, false, false); got.String() != "INT" {
		t.Errorf("global SUM(INT NOT NULL) = %s, want INT", got)
	}
	if got, _ := CallType(plan.AggMin, []types.Type{types.IntType.NotNull()}, true, true); got.String() != "INT" {
		t.Errorf("MIN(INT NOT NULL) FILTER = %s, want INT", got)
	}
	_, err := ResultType(plan.AggSum, []types.Type{types.StringType})
	if !errors.Is(err, ErrArgType) || !strings.Contains(err.Error(), "accepts one numeric argument") {
		t.Errorf("SUM(STRING) error = %v", err)
	}
}
