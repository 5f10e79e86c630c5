package functions

import (
	"fmt"
	"strings"

	"github.com/sluicehq/sluice/internal/types"
)

// Type rules shared by the operators: numeric widening, the DECIMAL
// precision/scale rules of Flink's LogicalTypeMerging, and CommonType for
// CASE/COALESCE/IN/UNION.

// integerDigits is the DECIMAL precision an integer type converts to.
func integerDigits(id types.TypeID) int {
	switch id {
	case types.TinyInt:
		return 3
	case types.SmallInt:
		return 5
	case types.Int:
		return 10
	case types.BigInt:
		return 19
	}
	return 0
}

// asDecimal returns the DECIMAL view of an exact numeric type.
func asDecimal(t types.Type) (p, s int) {
	if t.ID == types.Decimal {
		return t.Precision, t.Scale
	}
	return integerDigits(t.ID), 0
}

// adjustPrecisionScale caps a DECIMAL at 38 digits, keeping at least
// min(scale, 6) fraction digits (Flink's LogicalTypeMerging).
func adjustPrecisionScale(p, s int) types.Type {
	if p <= types.MaxDecimalPrecision {
		return types.DecimalType(p, s)
	}
	digits := p - s
	minScale := min(s, 6)
	scale := max(types.MaxDecimalPrecision-digits, minScale)
	return types.DecimalType(types.MaxDecimalPrecision, scale)
}

func decimalAddType(p1, s1, p2, s2 int) types.Type {
	s := max(s1, s2)
	return adjustPrecisionScale(max(p1-s1, p2-s2)+s+1, s)
}

func decimalMulType(p1, s1, p2, s2 int) types.Type {
	return adjustPrecisionScale(p1+p2+1, s1+s2)
}

func decimalDivType(p1, s1, p2, s2 int) types.Type {
	s := max(6, s1+p2+1)
	return adjustPrecisionScale(p1-s1+s2+s, s)
}

func decimalModType(p1, s1, p2, s2 int) types.Type {
	s := max(s1, s2)
	return adjustPrecisionScale(min(p1-s1, p2-s2)+s, s)
}

// wider returns the wider of two numeric types (no nullability).
func wider(a, b types.Type) types.Type {
	ra, rb := types.NumericRank(a.ID), types.NumericRank(b.ID)
	switch {
	case a.ID == types.Decimal && b.ID == types.Decimal:
		s := max(a.Scale, b.Scale)
		d := max(a.Precision-a.Scale, b.Precision-b.Scale)
		return types.DecimalType(min(d+s, types.MaxDecimalPrecision), s)
	case a.ID == types.Decimal && rb < 5:
		return wider(a, types.DecimalType(integerDigits(b.ID), 0))
	case b.ID == types.Decimal && ra < 5:
		return wider(types.DecimalType(integerDigits(a.ID), 0), b)
	case ra >= rb:
		return plain(a)
	}
	return plain(b)
}

// plain strips nullability and time attributes.
func plain(t types.Type) types.Type {
	t.Nullable = true
	t.TimeAttr = types.NoTimeAttr
	return t
}

func anyNullable(args []Arg) bool {
	for _, a := range args {
		if a.Type.Nullable || a.Type.ID == types.Null {
			return true
		}
	}
	return false
}

func typeList(args []Arg) string {
	s := make([]string, len(args))
	for i, a := range args {
		if a.Symbol != "" {
			s[i] = a.Symbol
		} else {
			s[i] = a.Type.String()
		}
	}
	return strings.Join(s, ", ")
}

// CommonType finds the type all of ts convert to, for CASE, COALESCE, IN,
// UNION and comparisons: numeric widening (an integer with a DECIMAL becomes
// a DECIMAL holding the integer's digits; anything with FLOAT/DOUBLE becomes
// FLOAT/DOUBLE), DECIMAL precision merge, CHAR(n) of equal lengths stays
// CHAR otherwise VARCHAR of the longest, DATE with TIMESTAMP is TIMESTAMP,
// TIMESTAMP with TIMESTAMP_LTZ is TIMESTAMP_LTZ, collections field by field.
// The NULL type is absorbed; the result is nullable if any input is. Time
// attributes are dropped. ok is false when there is no common type.
func CommonType(ts ...types.Type) (types.Type, bool) {
	var acc types.Type
	have := false
	nullable := false
	for _, t := range ts {
		nullable = nullable || t.Nullable || t.ID == types.Null
		if t.ID == types.Null {
			continue
		}
		if !have {
			acc, have = plain(t), true
			continue
		}
		var ok bool
		acc, ok = common2(acc, plain(t))
		if !ok {
			return types.Type{}, false
		}
	}
	if !have {
		return types.NullType, len(ts) > 0
	}
	acc.Nullable = nullable
	return acc, true
}

func common2(a, b types.Type) (types.Type, bool) {
	switch {
	case a.IsNumeric() && b.IsNumeric():
		return wider(a, b), true
	case a.IsString() && b.IsString():
		if a.ID == types.Char && b.ID == types.Char && a.Precision == b.Precision {
			return a, true
		}
		return types.VarCharType(max(a.Precision, b.Precision)), true
	case a.IsBinary() && b.IsBinary():
		if a.ID == types.Binary && b.ID == types.Binary && a.Precision == b.Precision {
			return a, true
		}
		return types.Type{ID: types.VarBinary, Nullable: true, Precision: max(a.Precision, b.Precision)}, true
	case a.ID == types.Boolean && b.ID == types.Boolean:
		return a, true
	case a.ID == types.Date && b.ID == types.Date:
		return a, true
	case a.ID == types.Time && b.ID == types.Time:
		return types.TimeType(max(a.Precision, b.Precision)), true
	case a.IsTimestamp() && b.IsTimestamp():
		p := max(a.Precision, b.Precision)
		if a.ID == types.TimestampLTZ || b.ID == types.TimestampLTZ {
			return types.TimestampLTZType(p), true
		}
		return types.TimestampType(p), true
	case a.IsTimestamp() && b.ID == types.Date:
		return a, true
	case a.ID == types.Date && b.IsTimestamp():
		return b, true
	case a.IsInterval() && a.ID == b.ID:
		return a, true
	case a.ID == types.Array && b.ID == types.Array, a.ID == types.Multiset && b.ID == types.Multiset:
		e, ok := CommonType(*a.Elem, *b.Elem)
		if !ok {
			return types.Type{}, false
		}
		return types.Type{ID: a.ID, Nullable: true, Elem: &e}, true
	case a.ID == types.Map && b.ID == types.Map:
		k, ok1 := CommonType(*a.Key, *b.Key)
		v, ok2 := CommonType(*a.Elem, *b.Elem)
		if !ok1 || !ok2 {
			return types.Type{}, false
		}
		return types.MapType(k, v), true
	case a.ID == types.RowType && b.ID == types.RowType && len(a.Fields) == len(b.Fields):
		fs := make([]types.Field, len(a.Fields))
		for i := range fs {
			ft, ok := CommonType(a.Fields[i].Type, b.Fields[i].Type)
			if !ok {
				return types.Type{}, false
			}
			fs[i] = types.Field{Name: a.Fields[i].Name, Type: ft}
		}
		return types.RowOf(fs...), true
	}
	return types.Type{}, false
}

// commonArgType is CommonType over args with a Flink-like error.
func commonArgType(fn string, args []Arg) (types.Type, error) {
	ts := make([]types.Type, len(args))
	for i, a := range args {
		ts[i] = a.Type
	}
	t, ok := CommonType(ts...)
	if !ok {
		return types.Type{}, fmt.Errorf("%s: no common type for arguments (%s)", fn, typeList(args))
	}
	return t, nil
}

// sameFamily reports whether a value of type a can be compared with b after
// widening both to CommonType.
func comparable2(a, b types.Type) (types.Type, bool) {
	t, ok := CommonType(a, b)
	if !ok {
		return t, false
	}
	switch t.ID {
	case types.Map, types.Multiset:
		return t, false
	}
	return t, true
}

// isExactNumeric reports integer or DECIMAL.
func isExactNumeric(t types.Type) bool { return t.IsInteger() || t.ID == types.Decimal }

// withNull returns t with nullability n.
func withNull(t types.Type, n bool) types.Type {
	t.Nullable = n
	t.TimeAttr = types.NoTimeAttr
	return t
}
