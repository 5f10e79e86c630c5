package types

import (
	"fmt"
	"math"
	"strings"
)

// TypeID identifies a SQL type family.
type TypeID uint8

// The SQL type families Sluice supports, named as in Flink SQL.
const (
	Invalid TypeID = iota
	Null           // the type of the NULL literal before inference
	Boolean
	TinyInt
	SmallInt
	Int
	BigInt
	Float
	Double
	Decimal
	Char
	VarChar // STRING is VARCHAR(2147483647)
	Binary
	VarBinary // BYTES is VARBINARY(2147483647)
	Date
	Time
	Timestamp
	TimestampLTZ
	IntervalDayTime
	IntervalYearMonth
	Array
	Map
	RowType
	Multiset
)

// MaxLength is the length of STRING and BYTES.
const MaxLength = 2147483647

var idNames = [...]string{
	Invalid: "INVALID", Null: "NULL", Boolean: "BOOLEAN", TinyInt: "TINYINT",
	SmallInt: "SMALLINT", Int: "INT", BigInt: "BIGINT", Float: "FLOAT",
	Double: "DOUBLE", Decimal: "DECIMAL", Char: "CHAR", VarChar: "VARCHAR",
	Binary: "BINARY", VarBinary: "VARBINARY", Date: "DATE", Time: "TIME",
	Timestamp: "TIMESTAMP", TimestampLTZ: "TIMESTAMP_LTZ",
	IntervalDayTime: "INTERVAL DAY TO SECOND", IntervalYearMonth: "INTERVAL YEAR TO MONTH",
	Array: "ARRAY", Map: "MAP", RowType: "ROW", Multiset: "MULTISET",
}

func (id TypeID) String() string {
	if int(id) < len(idNames) {
		return idNames[id]
	}
	return fmt.Sprintf("TypeID(%d)", id)
}

// TimeAttr marks a column as a time attribute, as Flink does.
type TimeAttr uint8

const (
	NoTimeAttr TimeAttr = iota
	RowTime             // event time: has a watermark
	ProcTime            // processing time: PROCTIME()
)

// Field is one field of a ROW type or one column of a schema.
type Field struct {
	Name string
	Type Type
}

// Type is a SQL type. It is a small immutable value; compare with Equal.
type Type struct {
	ID        TypeID
	Nullable  bool
	Precision int // DECIMAL precision, CHAR/VARCHAR/BINARY length, TIMESTAMP/TIME fractional digits
	Scale     int // DECIMAL scale
	TimeAttr  TimeAttr
	Elem      *Type   // ARRAY and MULTISET element, MAP value
	Key       *Type   // MAP key
	Fields    []Field // ROW fields
}

// Constructors for the common types. All are nullable.
var (
	NullType     = Type{ID: Null, Nullable: true}
	BooleanType  = Type{ID: Boolean, Nullable: true}
	TinyIntType  = Type{ID: TinyInt, Nullable: true}
	SmallIntType = Type{ID: SmallInt, Nullable: true}
	IntType      = Type{ID: Int, Nullable: true}
	BigIntType   = Type{ID: BigInt, Nullable: true}
	FloatType    = Type{ID: Float, Nullable: true}
	DoubleType   = Type{ID: Double, Nullable: true}
	StringType   = Type{ID: VarChar, Nullable: true, Precision: MaxLength}
	BytesType    = Type{ID: VarBinary, Nullable: true, Precision: MaxLength}
	DateType     = Type{ID: Date, Nullable: true}
	IntervalDT   = Type{ID: IntervalDayTime, Nullable: true, Precision: 3}
	IntervalYM   = Type{ID: IntervalYearMonth, Nullable: true}
)

// DecimalType returns DECIMAL(p, s).
func DecimalType(p, s int) Type { return Type{ID: Decimal, Nullable: true, Precision: p, Scale: s} }

// VarCharType returns VARCHAR(n).
func VarCharType(n int) Type { return Type{ID: VarChar, Nullable: true, Precision: n} }

// CharType returns CHAR(n).
func CharType(n int) Type { return Type{ID: Char, Nullable: true, Precision: n} }

// TimestampType returns TIMESTAMP(p).
func TimestampType(p int) Type { return Type{ID: Timestamp, Nullable: true, Precision: p} }

// TimestampLTZType returns TIMESTAMP_LTZ(p).
func TimestampLTZType(p int) Type { return Type{ID: TimestampLTZ, Nullable: true, Precision: p} }

// TimeType returns TIME(p).
func TimeType(p int) Type { return Type{ID: Time, Nullable: true, Precision: p} }

// ArrayType returns ARRAY<elem>.
func ArrayType(elem Type) Type { return Type{ID: Array, Nullable: true, Elem: &elem} }

// MapType returns MAP<key, value>.
func MapType(key, value Type) Type { return Type{ID: Map, Nullable: true, Key: &key, Elem: &value} }

// RowOf returns ROW<fields...>.
func RowOf(fields ...Field) Type { return Type{ID: RowType, Nullable: true, Fields: fields} }

// NotNull returns t marked NOT NULL.
func (t Type) NotNull() Type { t.Nullable = false; return t }

// WithNullable returns t with the given nullability.
func (t Type) WithNullable(n bool) Type { t.Nullable = n; return t }

// WithTimeAttr returns t marked as a time attribute (or not).
func (t Type) WithTimeAttr(a TimeAttr) Type { t.TimeAttr = a; return t }

// IsNumeric reports whether t is an exact or approximate number.
func (t Type) IsNumeric() bool {
	switch t.ID {
	case TinyInt, SmallInt, Int, BigInt, Float, Double, Decimal:
		return true
	}
	return false
}

// IsInteger reports whether t is TINYINT, SMALLINT, INT or BIGINT.
func (t Type) IsInteger() bool {
	switch t.ID {
	case TinyInt, SmallInt, Int, BigInt:
		return true
	}
	return false
}

// IsApprox reports whether t is FLOAT or DOUBLE.
func (t Type) IsApprox() bool { return t.ID == Float || t.ID == Double }

// IsString reports whether t is CHAR or VARCHAR.
func (t Type) IsString() bool { return t.ID == Char || t.ID == VarChar }

// IsBinary reports whether t is BINARY or VARBINARY.
func (t Type) IsBinary() bool { return t.ID == Binary || t.ID == VarBinary }

// IsTimestamp reports whether t is TIMESTAMP or TIMESTAMP_LTZ.
func (t Type) IsTimestamp() bool { return t.ID == Timestamp || t.ID == TimestampLTZ }

// IsInterval reports whether t is an interval type.
func (t Type) IsInterval() bool { return t.ID == IntervalDayTime || t.ID == IntervalYearMonth }

// IsRowTime reports whether t is an event-time attribute.
func (t Type) IsRowTime() bool { return t.TimeAttr == RowTime }

// IsProcTime reports whether t is a processing-time attribute.
func (t Type) IsProcTime() bool { return t.TimeAttr == ProcTime }

// Equal reports whether two types are the same, nullability and time
// attributes included.
func (t Type) Equal(o Type) bool {
	return t.EqualIgnoringNull(o) && t.Nullable == o.Nullable && t.TimeAttr == o.TimeAttr
}

// EqualIgnoringNull compares two types ignoring nullability and time
// attributes (at the top level).
func (t Type) EqualIgnoringNull(o Type) bool {
	if t.ID != o.ID || t.Precision != o.Precision || t.Scale != o.Scale {
		return false
	}
	if (t.Elem == nil) != (o.Elem == nil) || (t.Key == nil) != (o.Key == nil) || len(t.Fields) != len(o.Fields) {
		return false
	}
	if t.Elem != nil && !t.Elem.Equal(*o.Elem) {
		return false
	}
	if t.Key != nil && !t.Key.Equal(*o.Key) {
		return false
	}
	for i := range t.Fields {
		if t.Fields[i].Name != o.Fields[i].Name || !t.Fields[i].Type.Equal(o.Fields[i].Type) {
			return false
		}
	}
	return true
}

// String renders t as Flink SQL would in DESCRIBE/EXPLAIN output, e.g.
// "DECIMAL(10, 2) NOT NULL", "TIMESTAMP(3) *ROWTIME*", "STRING".
func (t Type) String() string {
	var b strings.Builder
	t.write(&b)
	return b.String()
}

func (t Type) write(b *strings.Builder) {
	switch t.ID {
	case Decimal:
		fmt.Fprintf(b, "DECIMAL(%d, %d)", t.Precision, t.Scale)
	case Char:
		fmt.Fprintf(b, "CHAR(%d)", t.Precision)
	case VarChar:
		if t.Precision == MaxLength {
			b.WriteString("STRING")
		} else {
			fmt.Fprintf(b, "VARCHAR(%d)", t.Precision)
		}
	case Binary:
		fmt.Fprintf(b, "BINARY(%d)", t.Precision)
	case VarBinary:
		if t.Precision == MaxLength {
			b.WriteString("BYTES")
		} else {
			fmt.Fprintf(b, "VARBINARY(%d)", t.Precision)
		}
	case Time:
		fmt.Fprintf(b, "TIME(%d)", t.Precision)
	case Timestamp:
		fmt.Fprintf(b, "TIMESTAMP(%d)", t.Precision)
	case TimestampLTZ:
		fmt.Fprintf(b, "TIMESTAMP_LTZ(%d)", t.Precision)
	case Array:
		b.WriteString("ARRAY<")
		t.Elem.write(b)
		b.WriteString(">")
	case Multiset:
		b.WriteString("MULTISET<")
		t.Elem.write(b)
		b.WriteString(">")
	case Map:
		b.WriteString("MAP<")
		t.Key.write(b)
		b.WriteString(", ")
		t.Elem.write(b)
		b.WriteString(">")
	case RowType:
		b.WriteString("ROW<")
		for i, f := range t.Fields {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(b, "`%s` ", f.Name)
			f.Type.write(b)
		}
		b.WriteString(">")
	default:
		b.WriteString(t.ID.String())
	}
	if !t.Nullable {
		b.WriteString(" NOT NULL")
	}
	switch t.TimeAttr {
	case RowTime:
		b.WriteString(" *ROWTIME*")
	case ProcTime:
		b.WriteString(" *PROCTIME*")
	}
}

// Schema is the ordered list of columns of a table or operator output.
type Schema struct {
	Fields []Field
}

// Len is the number of columns.
func (s Schema) Len() int { return len(s.Fields) }

// Index returns the position of the column named name (case-insensitive, as
// Flink's default), or -1.
func (s Schema) Index(name string) int {
	for i, f := range s.Fields {
		if f.Name == name {
			return i
		}
	}
	for i, f := range s.Fields {
		if strings.EqualFold(f.Name, name) {
			return i
		}
	}
	return -1
}

// Names lists the column names.
func (s Schema) Names() []string {
	out := make([]string, len(s.Fields))
	for i, f := range s.Fields {
		out[i] = f.Name
	}
	return out
}

// Types lists the column types.
func (s Schema) Types() []Type {
	out := make([]Type, len(s.Fields))
	for i, f := range s.Fields {
		out[i] = f.Type
	}
	return out
}

// String renders the schema as "(a INT, b STRING)".
func (s Schema) String() string {
	var b strings.Builder
	b.WriteByte('(')
	for i, f := range s.Fields {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(f.Name)
		b.WriteByte(' ')
		b.WriteString(f.Type.String())
	}
	b.WriteByte(')')
	return b.String()
}

// IntRange returns the smallest and largest value of an integer type
// (BIGINT's for any other type).
func IntRange(id TypeID) (lo, hi int64) {
	switch id {
	case TinyInt:
		return math.MinInt8, math.MaxInt8
	case SmallInt:
		return math.MinInt16, math.MaxInt16
	case Int:
		return math.MinInt32, math.MaxInt32
	}
	return math.MinInt64, math.MaxInt64
}

// NumericRank orders the numeric types by how much they hold, for implicit
// widening: TINYINT < SMALLINT < INT < BIGINT < DECIMAL < FLOAT < DOUBLE.
// Other types rank 0.
func NumericRank(id TypeID) int {
	switch id {
	case TinyInt:
		return 1
	case SmallInt:
		return 2
	case Int:
		return 3
	case BigInt:
		return 4
	case Decimal:
		return 5
	case Float:
		return 6
	case Double:
		return 7
	}
	return 0
}
