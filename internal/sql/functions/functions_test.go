package functions

import (
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/types"
)

func TestCommonType(t *testing.T) {
	cases := []struct {
		in   []types.Type
		want string
		ok   bool
	}{
		{[]types.Type{types.IntType.NotNull(), types.BigIntType.NotNull()}, "BIGINT NOT NULL", true},
		{[]types.Type{types.IntType.NotNull(), types.NullType}, "INT", true},
		{[]types.Type{types.IntType, types.DecimalType(5, 2)}, "DECIMAL(12, 2)", true},
		{[]types.Type{types.DecimalType(5, 2), types.DecimalType(10, 4)}, "DECIMAL(10, 4)", true},
		{[]types.Type{types.DecimalType(5, 2), types.DoubleType}, "DOUBLE", true},
		{[]types.Type{types.FloatType, types.BigIntType}, "FLOAT", true},
		{[]types.Type{types.CharType(3).NotNull(), types.CharType(3).NotNull()}, "CHAR(3) NOT NULL", true},
		{[]types.Type{types.CharType(3), types.CharType(5)}, "VARCHAR(5)", true},
		{[]types.Type{types.CharType(3), types.StringType}, "STRING", true},
		{[]types.Type{types.DateType, types.TimestampType(3)}, "TIMESTAMP(3)", true},
		{[]types.Type{types.TimestampType(0), types.TimestampLTZType(3)}, "TIMESTAMP_LTZ(3)", true},
		{[]types.Type{types.TimestampType(3).WithTimeAttr(types.RowTime), types.TimestampType(3)}, "TIMESTAMP(3)", true},
		{[]types.Type{types.ArrayType(types.IntType), types.ArrayType(types.BigIntType)}, "ARRAY<BIGINT>", true},
		{[]types.Type{types.NullType}, "NULL", true},
		{[]types.Type{types.IntType, types.StringType}, "", false},
		{[]types.Type{types.BooleanType, types.IntType}, "", false},
	}
	for _, c := range cases {
		got, ok := CommonType(c.in...)
		if ok != c.ok || (ok && got.String() != c.want) {
			t.Errorf("CommonType(%v) = %s, %v; want %s, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestCanCast(t *testing.T) {
	if err := CanCast(types.IntType, types.StringType); err != nil {
		t.Error(err)
	}
	err := CanCast(types.DateType, types.BooleanType)
	if err == nil || !strings.Contains(err.Error(), "DATE") || !strings.Contains(err.Error(), "BOOLEAN") {
		t.Errorf("CanCast(DATE, BOOLEAN) = %v; want an error naming both types", err)
	}
}

func TestRegistry(t *testing.T) {
	r := Builtins()
	if r != Builtins() {
		t.Error("Builtins is not shared")
	}
	for _, n := range []string{"+", "=", "AND", "IS NOT DISTINCT FROM", "CASE", "SUBSTR", "PROCTIME", "JSON_VALUE", "CEILING"} {
		if !r.Has(n) {
			t.Errorf("missing %s", n)
		}
	}
	if _, err := r.Lookup("SUBSTRIN"); err == nil {
		t.Error("lookup of a misspelt name succeeded")
	}
	f, _ := r.Lookup("PROCTIME")
	pt, err := f.Infer(nil)
	if err != nil || !pt.IsProcTime() || pt.Nullable || !f.NonDeterministic {
		t.Errorf("PROCTIME type %s, err %v", pt, err)
	}
}

// TestNullability checks the inferred nullability of a few forms.
func TestNullability(t *testing.T) {
	reg := testRegistry()
	cases := []struct {
		expr     string
		nullable bool
	}{
		{"1 + 2", false},
		{"NC(1) + 2", true},
		{"NC(1) IS NULL", false},
		{"COALESCE(NC(1), 2)", false},
		{"COALESCE(NC(1), NC(2))", true},
		{"CASE(NC(TRUE), 1)", true},
		{"CASE(NC(TRUE), 1, 2)", false},
		{"NC(1) IS DISTINCT FROM 2", false},
		{"IFNULL(NC(1), 2)", false},
		{"CURRENT_TIMESTAMP()", false},
		{"TO_TIMESTAMP('x')", true},
		{"ARRAY[1, 2][1]", true},
	}
	for _, c := range cases {
		p := &fparser{src: c.expr, reg: reg}
		p.next()
		a, err := p.parseExpr()
		if err != nil {
			t.Fatalf("%s: %v", c.expr, err)
		}
		if a.Type.Nullable != c.nullable {
			t.Errorf("%s: type %s, want nullable=%v", c.expr, a.Type, c.nullable)
		}
	}
}

func TestDecimalDivisionTypes(t *testing.T) {
	// Flink LogicalTypeMerging examples.
	cases := []struct {
		got  types.Type
		want string
	}{
		{decimalDivType(10, 2, 10, 2), "DECIMAL(23, 13)"},
		{decimalDivType(38, 10, 38, 10), "DECIMAL(38, 6)"},
		{decimalAddType(38, 0, 38, 0), "DECIMAL(38, 0)"},
		{decimalMulType(20, 10, 20, 10), "DECIMAL(38, 17)"},
		{decimalModType(10, 2, 5, 0), "DECIMAL(7, 2)"},
	}
	for _, c := range cases {
		if c.got.String() != c.want {
			t.Errorf("got %s want %s", c.got, c.want)
		}
	}
}

func TestNoAllocFixedWidth(t *testing.T) {
	reg := testRegistry()
	row := types.Row{types.IntValue(3), types.IntValue(4), types.BoolValue(true)}
	col := func(i int, t types.Type) Arg {
		return Arg{Type: t, Eval: func(r types.Row) types.Value { return r[i] }}
	}
	for _, name := range []string{"+", "=", "<", "*"} {
		f, _ := reg.Lookup(name)
		args := []Arg{col(0, types.BigIntType), col(1, types.BigIntType)}
		rt, _ := f.Infer(args)
		ev, err := f.Compile(args, rt)
		if err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(100, func() { ev(row) }); n != 0 {
			t.Errorf("%s allocates %v per row", name, n)
		}
	}
}
