package types

import (
	"math"
	"math/big"
)

// Kind is the physical tag of a Value. The SQL type (precision, scale,
// nullability) lives in the Type of the column, not in the Value.
type Kind uint8

const (
	KindNull    Kind = iota // SQL NULL
	KindBool                // I: 0 or 1
	KindInt                 // I: TINYINT..BIGINT, DATE, TIME, TIMESTAMP(_LTZ), intervals
	KindFloat               // I: math.Float64bits (FLOAT is held widened to float64)
	KindDecimal             // I: unscaled value when X is nil; X: *big.Int otherwise
	KindString              // S: CHAR/VARCHAR
	KindBytes               // S: BINARY/VARBINARY
	KindArray               // X: []Value
	KindMap                 // X: *MapValue
	KindRow                 // X: []Value
)

// Value is one SQL value. The zero Value is NULL. Values are immutable:
// functions return new Values and never modify the slices they reference.
type Value struct {
	K Kind
	I int64
	S string
	X any
}

// MapValue is the payload of a MAP value: parallel key and value slices in
// insertion order (Flink prints maps in this order).
type MapValue struct {
	Keys   []Value
	Values []Value
}

// Constructors.

func NullValue() Value { return Value{} }
func BoolValue(b bool) Value {
	v := Value{K: KindBool}
	if b {
		v.I = 1
	}
	return v
}
func IntValue(i int64) Value     { return Value{K: KindInt, I: i} }
func FloatValue(f float64) Value { return Value{K: KindFloat, I: int64(math.Float64bits(f))} }
func StringValue(s string) Value { return Value{K: KindString, S: s} }
func BytesValue(b []byte) Value  { return Value{K: KindBytes, S: string(b)} }

// DecimalValue returns a decimal with the given unscaled value; the scale is
// the column type's.
func DecimalValue(unscaled int64) Value { return Value{K: KindDecimal, I: unscaled} }

// BigDecimalValue returns a decimal whose unscaled value does not fit int64.
// If it does fit, the compact form is used.
func BigDecimalValue(unscaled *big.Int) Value {
	if unscaled.IsInt64() {
		return Value{K: KindDecimal, I: unscaled.Int64()}
	}
	return Value{K: KindDecimal, X: unscaled}
}

// ArrayValue returns an ARRAY value.
func ArrayValue(elems []Value) Value { return Value{K: KindArray, X: elems} }

// MapOf returns a MAP value.
func MapOf(keys, values []Value) Value {
	return Value{K: KindMap, X: &MapValue{Keys: keys, Values: values}}
}

// RowValue returns a ROW value.
func RowValue(fields []Value) Value { return Value{K: KindRow, X: fields} }

// Accessors. They do not check the kind: the planner guarantees types.

func (v Value) IsNull() bool       { return v.K == KindNull }
func (v Value) Bool() bool         { return v.I != 0 }
func (v Value) Int() int64         { return v.I }
func (v Value) Float() float64     { return math.Float64frombits(uint64(v.I)) }
func (v Value) Str() string        { return v.S }
func (v Value) Array() []Value     { a, _ := v.X.([]Value); return a }
func (v Value) Fields() []Value    { f, _ := v.X.([]Value); return f }
func (v Value) MapV() *MapValue    { m, _ := v.X.(*MapValue); return m }
func (v Value) IsBigDecimal() bool { return v.X != nil && v.K == KindDecimal }

// BigUnscaled returns the unscaled value of a decimal as a big.Int (a new one
// for the compact form).
func (v Value) BigUnscaled() *big.Int {
	if b, ok := v.X.(*big.Int); ok {
		return b
	}
	return big.NewInt(v.I)
}
