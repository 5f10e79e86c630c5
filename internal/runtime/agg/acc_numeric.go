package agg

import (
	"math/big"

	"github.com/sluicehq/sluice/internal/types"
)

// Numeric accumulators: SUM, $SUM0 and AVG (COUNT is a bare counter in
// acc.go). Integer sums wrap as Java's long/int arithmetic does in Flink's
// IntSumAggFunction & co.; decimal sums are exact (compact int64, promoted
// to big.Int on overflow).

// addFloat adds two float sums; SUM(FLOAT) rounds every step to float32 as
// Flink's FloatSumAggFunction (Java float) does.
func (sp *spec) addFloat(a, b float64) float64 {
	if sp.f32 {
		return float64(float32(a + b))
	}
	return a + b
}

// addDecimal adds sign*v to a decimal sum.
func addDecimal(a *Acc, v types.Value, sign int64) {
	if a.big == nil && v.X == nil {
		x := v.I * sign
		if sign < 0 && v.I == -v.I && v.I != 0 { // MinInt64 cannot be negated
			x = 0
		} else {
			s := a.i + x
			if (x >= 0) == (s >= a.i) {
				a.i = s
				return
			}
		}
	}
	if a.big == nil {
		a.big = big.NewInt(a.i)
	}
	d := v.BigUnscaled()
	if sign < 0 {
		a.big.Sub(a.big, d)
	} else {
		a.big.Add(a.big, d)
	}
	if a.big.IsInt64() {
		a.i, a.big = a.big.Int64(), nil
	}
}

// mergeDecimal adds another accumulator's decimal sum.
func mergeDecimal(a, o *Acc) {
	if o.big != nil {
		addDecimal(a, types.Value{K: types.KindDecimal, X: o.big}, 1)
		return
	}
	addDecimal(a, types.DecimalValue(o.i), 1)
}

// decimalSum returns the sum as a Value.
func decimalSum(a *Acc) types.Value {
	if a.big != nil {
		return types.BigDecimalValue(new(big.Int).Set(a.big))
	}
	return types.DecimalValue(a.i)
}

// wrapInt truncates an integer to the width of t, as Java's narrowing casts.
func wrapInt(i int64, t types.Type) int64 {
	switch t.ID {
	case types.TinyInt:
		return int64(int8(i))
	case types.SmallInt:
		return int64(int16(i))
	case types.Int:
		return int64(int32(i))
	}
	return i
}

func (sp *spec) sumResult(a *Acc) types.Value {
	if a.n == 0 && !sp.zero {
		return types.Value{}
	}
	switch sp.op {
	case opSumInt:
		return types.IntValue(wrapInt(a.i, sp.out))
	case opSumFloat:
		return types.FloatValue(a.f)
	}
	return decimalSum(a)
}

func (sp *spec) avgResult(a *Acc) types.Value {
	if a.n == 0 {
		return types.Value{}
	}
	switch sp.op {
	case opAvgInt:
		// Flink sums integers in a BIGINT and divides with Java's
		// truncating long division, then narrows to the argument type.
		return types.IntValue(wrapInt(a.i/a.n, sp.out))
	case opAvgFloat:
		f := a.f / float64(a.n)
		if sp.out.ID == types.Float {
			f = float64(float32(f))
		}
		return types.FloatValue(f)
	}
	return avgDecimal(a, sp.out.Scale-sp.in.Scale)
}

// avgDecimal divides the decimal sum by the count, scaling up by 10^d first
// and rounding HALF_UP, as Flink's DecimalDataUtils.divide followed by the
// cast to DECIMAL(38, max(6, s)).
func avgDecimal(a *Acc, d int) types.Value {
	if a.big == nil && d <= 18 {
		p := types.Pow10(d)
		x := a.i * p
		if a.i == 0 || (x/p == a.i && x != -x) {
			q, r := x/a.n, x%a.n
			if r < 0 {
				r = -r
			}
			if r >= a.n-r {
				if x < 0 {
					q--
				} else {
					q++
				}
			}
			return types.DecimalValue(q)
		}
	}
	sum := new(big.Int).Mul(decimalSum(a).BigUnscaled(), types.BigPow10(d))
	return types.BigDecimalValue(types.DivHalfUp(sum, big.NewInt(a.n)))
}
