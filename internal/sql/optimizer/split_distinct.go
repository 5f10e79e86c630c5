package optimizer

import (
	"fmt"

	"github.com/sluicehq/sluice/internal/sql/functions"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

// Split distinct aggregation ('table.optimizer.distinct-agg.split.enabled',
// Flink's SplitAggregateRule). A GROUP BY whose DISTINCT aggregates all
// count or sum one column x keeps every distinct value of a hot key in one
// task. The rewrite spreads them over buckets:
//
//	Aggregate(keys, COUNT(DISTINCT x), SUM(DISTINCT x), COUNT(*), SUM(y), MAX(z))
//	=>
//	Aggregate(keys, $SUM0(c), SUM(s), $SUM0(n), SUM(sy), MAX(mz))          outer
//	  Aggregate(keys, $bucket, COUNT(DISTINCT x) c, SUM(DISTINCT x) s,
//	            COUNT(*) n, SUM(y) sy, MAX(z) mz)                         inner
//	    Project(input..., MOD(HASH_CODE(x), buckets) AS $bucket)
//
// Each distinct value lands in one bucket, so the partial distinct counts
// and sums of the buckets add up to the whole; the other aggregates are
// computed per bucket and combined (counts summed, MIN of MINs, ...). The
// inner aggregate emits updates, so the outer one takes retractions.
//
// Only COUNT, SUM, $SUM0, MIN and MAX are split (AVG, FIRST_VALUE,
// LAST_VALUE, LISTAGG and APPROX_COUNT_DISTINCT leave the aggregate as it
// is), and only when every DISTINCT call has the same single argument
// (Flink expands several distinct columns into grouping sets; not done
// here).

// Options are the optimizer's settings.
type Options struct {
	// SplitDistinct enables the split distinct rewrite with SplitBuckets
	// buckets (default 1024).
	SplitDistinct bool
	SplitBuckets  int
}

func splitDistinct(n plan.Node, buckets int) plan.Node {
	if buckets < 1 {
		buckets = 1024
	}
	return mapNode(n, func(x plan.Node) plan.Node {
		if a, ok := x.(*plan.Aggregate); ok {
			if r := splitAggregate(a, buckets); r != nil {
				return r
			}
		}
		return x
	})
}

// splitAggregate returns the split form of a, or nil when a does not
// qualify.
func splitAggregate(a *plan.Aggregate, buckets int) plan.Node {
	col := -1
	for _, c := range a.Aggs {
		switch c.Kind {
		case plan.AggCount, plan.AggSum, plan.AggSum0, plan.AggMin, plan.AggMax:
		default:
			return nil
		}
		if !c.Distinct {
			continue
		}
		if len(c.Args) != 1 || (col >= 0 && c.Args[0] != col) {
			return nil
		}
		col = c.Args[0]
	}
	if col < 0 {
		return nil
	}
	ins := a.Input.Schema()
	exprs := make([]plan.Expr, 0, ins.Len()+1)
	names := make([]string, 0, ins.Len()+1)
	for i, f := range ins.Fields {
		exprs = append(exprs, &plan.ColumnRef{Index: i, Name: f.Name, T: f.Type})
		names = append(names, f.Name)
	}
	bucket, err := bucketExpr(&plan.ColumnRef{Index: col, Name: ins.Fields[col].Name, T: ins.Fields[col].Type}, buckets)
	if err != nil {
		return nil
	}
	exprs = append(exprs, bucket)
	names = append(names, "$bucket")
	pre := plan.NewProject(a.Input, exprs, names)

	nk := len(a.Keys)
	innerKeys := append(append([]int(nil), a.Keys...), ins.Len())
	inner := make([]plan.AggCall, len(a.Aggs))
	outer := make([]plan.AggCall, len(a.Aggs))
	outKeys := make([]int, nk)
	for i := range outKeys {
		outKeys[i] = i
	}
	for i, c := range a.Aggs {
		ic := c
		ic.Name = fmt.Sprintf("$partial%d", i)
		if c.Kind == plan.AggCount {
			ic.T = types.BigIntType.NotNull()
		}
		inner[i] = ic
		kind := c.Kind
		if kind == plan.AggCount {
			kind = plan.AggSum0
		}
		outer[i] = plan.AggCall{Kind: kind, Args: []int{nk + 1 + i}, Filter: -1, T: c.T, Name: c.Name}
	}
	in := plan.NewAggregate(pre, innerKeys, inner)
	return plan.NewAggregate(in, outKeys, outer)
}

// bucketExpr is MOD(HASH_CODE(x), buckets).
func bucketExpr(x plan.Expr, buckets int) (plan.Expr, error) {
	mod, err := functions.Builtins().Lookup("MOD")
	if err != nil {
		return nil, err
	}
	h := &plan.Call{Fn: hashCode, Args: []plan.Expr{x}, T: types.IntType.NotNull()}
	n := &plan.Literal{V: types.IntValue(int64(buckets)), T: types.IntType.NotNull()}
	args := []functions.Arg{{Type: h.T}, {Type: n.T, Const: &n.V}}
	t, err := mod.Infer(args)
	if err != nil {
		return nil, err
	}
	return &plan.Call{Fn: mod, Args: []plan.Expr{h, n}, T: t}, nil
}

// hashCode is the internal HASH_CODE(x): a non-negative INT hash of any
// value (NULL hashes to 0), the same in every process and run, since
// buckets are state keys.
var hashCode = &functions.Func{
	Name:       "HASH_CODE",
	Signatures: []string{"HASH_CODE(ANY)"},
	Infer: func(args []functions.Arg) (types.Type, error) {
		if len(args) != 1 {
			return types.Type{}, fmt.Errorf("HASH_CODE takes one argument")
		}
		return types.IntType.NotNull(), nil
	},
	Compile: func(args []functions.Arg, _ types.Type) (functions.Eval, error) {
		ev := args[0].Eval
		var key []byte
		return func(r types.Row) types.Value {
			v := ev(r)
			if v.K == types.KindNull {
				return types.IntValue(0)
			}
			key = types.AppendValueKey(key[:0], v)
			h := uint32(2166136261)
			for _, b := range key {
				h ^= uint32(b)
				h *= 16777619
			}
			return types.IntValue(int64(h & 0x7fffffff))
		}, nil
	},
}
