package functions

import (
	"testing"

	"github.com/sluicehq/sluice/internal/types"
)

func benchCompile(b *testing.B, name string, args ...Arg) Eval {
	b.Helper()
	f, err := testRegistry().Lookup(name)
	if err != nil {
		b.Fatal(err)
	}
	t, err := f.Infer(args)
	if err != nil {
		b.Fatal(err)
	}
	ev, err := f.Compile(args, t)
	if err != nil {
		b.Fatal(err)
	}
	return ev
}

func colArg(i int, t types.Type) Arg {
	return Arg{Type: t, Eval: func(r types.Row) types.Value { return r[i] }}
}

func benchRun(b *testing.B, ev Eval, row types.Row) {
	b.ReportAllocs()
	for b.Loop() {
		ev(row)
	}
}

func BenchmarkEqualBigInt(b *testing.B) {
	ev := benchCompile(b, "=", colArg(0, types.BigIntType), colArg(1, types.BigIntType))
	benchRun(b, ev, types.Row{types.IntValue(1), types.IntValue(2)})
}

func BenchmarkAddBigInt(b *testing.B) {
	ev := benchCompile(b, "+", colArg(0, types.BigIntType), colArg(1, types.BigIntType))
	benchRun(b, ev, types.Row{types.IntValue(1), types.IntValue(2)})
}

func BenchmarkAddDecimal(b *testing.B) {
	ev := benchCompile(b, "+", colArg(0, types.DecimalType(10, 2)), colArg(1, types.DecimalType(10, 3)))
	benchRun(b, ev, types.Row{types.DecimalValue(12345), types.DecimalValue(678)})
}

func BenchmarkAnd(b *testing.B) {
	ev := benchCompile(b, "AND", colArg(0, types.BooleanType), colArg(1, types.BooleanType))
	benchRun(b, ev, types.Row{types.BoolValue(true), types.BoolValue(true)})
}

func BenchmarkLikeConstPrefix(b *testing.B) {
	p := types.StringValue("abc%")
	ev := benchCompile(b, "LIKE", colArg(0, types.StringType), lit(p, types.CharType(4).NotNull()))
	benchRun(b, ev, types.Row{types.StringValue("abcdefgh")})
}

func BenchmarkLikeConstRegexp(b *testing.B) {
	p := types.StringValue("a_c%x")
	ev := benchCompile(b, "LIKE", colArg(0, types.StringType), lit(p, types.CharType(5).NotNull()))
	benchRun(b, ev, types.Row{types.StringValue("abcdefghx")})
}

func BenchmarkCastIntToString(b *testing.B) {
	f, err := CompileCast(types.IntType, types.StringType, false)
	if err != nil {
		b.Fatal(err)
	}
	v := types.IntValue(123456)
	b.ReportAllocs()
	for b.Loop() {
		f(v)
	}
}
