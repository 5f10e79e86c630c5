package agg

import (
	"errors"
	"fmt"

	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

// ErrArgType is wrapped by ResultType's errors: the aggregate does not
// accept its argument types.
var ErrArgType = errors.New("aggregate argument type not accepted")

// ResultType returns the type Flink gives an aggregate call in a grouped
// query without FILTER (Calcite's return-type inference as Flink configures
// it in FlinkSqlOperatorTable and FlinkTypeSystem):
//
//   - COUNT, COUNT(*), APPROX_COUNT_DISTINCT: BIGINT NOT NULL.
//   - SUM: TINYINT/SMALLINT/INT/BIGINT/FLOAT/DOUBLE keep their type (SUM(INT)
//     is INT and wraps on overflow as Java does); DECIMAL(p, s) becomes
//     DECIMAL(38, s) (LogicalTypeMerging.findSumAggType). Nullability is the
//     argument's.
//   - $SUM0: as SUM, NOT NULL.
//   - AVG: the argument type for exact integers and approximate numbers
//     (AVG(INT) is INT, truncated); DECIMAL(p, s) becomes
//     DECIMAL(38, max(6, s)) (LogicalTypeMerging.findAvgAggType).
//   - MIN, MAX, FIRST_VALUE, LAST_VALUE: the argument's type.
//   - LISTAGG: the first argument's type, nullable (ReturnTypes.ARG0_NULLABLE).
//
// Use CallType for a global aggregate or a call with FILTER, where the
// result of an empty input is NULL and the type becomes nullable.
func ResultType(kind plan.AggKind, args []types.Type) (types.Type, error) {
	return CallType(kind, args, true, false)
}

// CallType is ResultType for a call in context: grouped is false for a
// global aggregate (no GROUP BY keys; window aggregates always count as
// grouped), filtered is true when the call has a FILTER clause. In either
// case Flink makes SUM, AVG, MIN, MAX, FIRST_VALUE and LAST_VALUE nullable
// (Calcite's "nullable if empty" inference).
func CallType(kind plan.AggKind, args []types.Type, grouped, filtered bool) (types.Type, error) {
	t, err := resultType(kind, args)
	if err != nil {
		return types.Type{}, err
	}
	t = t.WithTimeAttr(types.NoTimeAttr)
	switch kind {
	case plan.AggSum, plan.AggAvg, plan.AggMin, plan.AggMax, plan.AggFirstValue, plan.AggLastValue:
		if !grouped || filtered {
			t = t.WithNullable(true)
		}
	}
	return t, nil
}

func resultType(kind plan.AggKind, args []types.Type) (types.Type, error) {
	switch kind {
	case plan.AggCount:
		return types.BigIntType.NotNull(), nil
	case plan.AggApproxCountDistinct:
		if len(args) != 1 || args[0].ID == types.Invalid {
			return badArgs(kind, args, "one argument of any type")
		}
		return types.BigIntType.NotNull(), nil
	case plan.AggSum, plan.AggSum0, plan.AggAvg:
		if len(args) != 1 || !args[0].IsNumeric() {
			return badArgs(kind, args, "one numeric argument (TINYINT, SMALLINT, INT, BIGINT, FLOAT, DOUBLE, DECIMAL)")
		}
		t := args[0]
		if t.ID == types.Decimal {
			s := t.Scale
			if kind == plan.AggAvg {
				s = max(s, 6)
			}
			t = types.DecimalType(types.MaxDecimalPrecision, s).WithNullable(t.Nullable)
		}
		if kind == plan.AggSum0 {
			t = t.NotNull()
		}
		return t, nil
	case plan.AggMin, plan.AggMax:
		if len(args) != 1 || !comparable(args[0]) {
			return badArgs(kind, args, "one comparable argument (numeric, BOOLEAN, character string, binary string, DATE, TIME, TIMESTAMP, TIMESTAMP_LTZ, interval)")
		}
		return args[0], nil
	case plan.AggFirstValue, plan.AggLastValue:
		if len(args) != 1 || args[0].ID == types.Invalid {
			return badArgs(kind, args, "one argument of any type")
		}
		return args[0], nil
	case plan.AggListAgg:
		if len(args) < 1 || len(args) > 2 || !args[0].IsString() || (len(args) == 2 && !args[1].IsString()) {
			return badArgs(kind, args, "a character string, optionally followed by a character string separator")
		}
		return args[0].WithNullable(true), nil
	}
	return types.Type{}, fmt.Errorf("%w: unknown aggregate kind %d", ErrArgType, kind)
}

func comparable(t types.Type) bool {
	switch t.ID {
	case types.Array, types.Map, types.RowType, types.Multiset, types.Invalid:
		return false
	}
	return true
}

func badArgs(kind plan.AggKind, args []types.Type, accepted string) (types.Type, error) {
	got := make([]string, len(args))
	for i, a := range args {
		got[i] = a.String()
	}
	return types.Type{}, fmt.Errorf("%w: %s(%v): %s accepts %s", ErrArgType, kind, got, kind, accepted)
}
