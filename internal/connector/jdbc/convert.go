package jdbc

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/internal/types"
)

// dbTypes lists, per Sluice type family, the database column types (as the
// drivers name them, upper case, without "UNSIGNED ") whose values convert.
var (
	intTypes   = []string{"INT2", "INT4", "INT8", "TINYINT", "SMALLINT", "MEDIUMINT", "INT", "INTEGER", "BIGINT", "YEAR", "SERIAL", "BIGSERIAL"}
	floatTypes = []string{"FLOAT4", "FLOAT8", "FLOAT", "DOUBLE", "REAL", "DOUBLE PRECISION"}
	decTypes   = []string{"NUMERIC", "DECIMAL"}
	textTypes  = []string{"TEXT", "VARCHAR", "BPCHAR", "CHAR", "NAME", "UUID", "JSON", "JSONB", "CITEXT", "ENUM", "SET",
		"TINYTEXT", "MEDIUMTEXT", "LONGTEXT", "NVARCHAR", "NCHAR"}
	binTypes = []string{"BYTEA", "BLOB", "TINYBLOB", "MEDIUMBLOB", "LONGBLOB", "BINARY", "VARBINARY", "BIT"}
)

func compatible(t types.Type, db string) bool {
	db = strings.TrimPrefix(strings.ToUpper(db), "UNSIGNED ")
	in := func(lists ...[]string) bool {
		for _, l := range lists {
			for _, x := range l {
				if x == db {
					return true
				}
			}
		}
		return false
	}
	switch t.ID {
	case types.Boolean:
		return db == "BOOL" || db == "BOOLEAN" || db == "TINYINT" || db == "BIT"
	case types.TinyInt, types.SmallInt, types.Int, types.BigInt:
		return in(intTypes)
	case types.Float, types.Double:
		return in(floatTypes, decTypes, intTypes)
	case types.Decimal:
		return in(decTypes, intTypes)
	case types.Char, types.VarChar:
		return in(textTypes)
	case types.Binary, types.VarBinary:
		return in(binTypes)
	case types.Date:
		return db == "DATE"
	case types.Time:
		return db == "TIME"
	case types.Timestamp:
		return db == "TIMESTAMP" || db == "DATETIME"
	case types.TimestampLTZ:
		return db == "TIMESTAMPTZ" || db == "TIMESTAMP" || db == "DATETIME"
	}
	return false
}

// suggest names the Sluice type to declare for a database column type.
func suggest(db string) string {
	db = strings.TrimPrefix(strings.ToUpper(db), "UNSIGNED ")
	for _, c := range []struct {
		t    types.Type
		list []string
	}{{types.BigIntType, intTypes}, {types.DoubleType, floatTypes}, {types.StringType, textTypes}, {types.BytesType, binTypes}} {
		for _, x := range c.list {
			if x == db {
				return c.t.String()
			}
		}
	}
	switch db {
	case "NUMERIC", "DECIMAL":
		return "DECIMAL(p, s)"
	case "BOOL", "BOOLEAN":
		return "BOOLEAN"
	case "DATE", "TIME":
		return db
	case "TIMESTAMP", "DATETIME":
		return "TIMESTAMP(6)"
	case "TIMESTAMPTZ":
		return "TIMESTAMP_LTZ(6)"
	}
	return "a type the connector maps (see docs/connectors.md)"
}

// supported reports whether the connector can read a column of type t.
func supported(t types.Type) bool {
	switch t.ID {
	case types.Boolean, types.TinyInt, types.SmallInt, types.Int, types.BigInt, types.Float, types.Double,
		types.Decimal, types.Char, types.VarChar, types.Binary, types.VarBinary,
		types.Date, types.Time, types.Timestamp, types.TimestampLTZ:
		return true
	}
	return false
}

// toValue converts a value as database/sql scanned it into *any (nil,
// int64, uint64, float64, float32, bool, []byte, string, time.Time) to a
// value of type t.
func toValue(v any, t types.Type) (types.Value, error) {
	if v == nil {
		return types.NullValue(), nil
	}
	text, isText := "", false
	switch x := v.(type) {
	case []byte:
		text, isText = string(x), true
	case string:
		text, isText = x, true
	}
	switch t.ID {
	case types.Boolean:
		switch x := v.(type) {
		case bool:
			return types.BoolValue(x), nil
		case int64:
			return types.BoolValue(x != 0), nil
		}
		if isText {
			switch strings.ToLower(text) {
			case "1", "t", "true", "\x01":
				return types.BoolValue(true), nil
			case "0", "f", "false", "\x00":
				return types.BoolValue(false), nil
			}
		}
	case types.TinyInt, types.SmallInt, types.Int, types.BigInt:
		n, known, ok := int64(0), true, true
		switch x := v.(type) {
		case int64:
			n = x
		case uint64:
			n, ok = int64(x), x <= math.MaxInt64
		default:
			known = isText
			if isText {
				var err error
				n, err = strconv.ParseInt(strings.TrimSpace(text), 10, 64)
				ok = err == nil
			}
		}
		if known {
			lo, hi := types.IntRange(t.ID)
			if !ok || n < lo || n > hi {
				return types.Value{}, fmt.Errorf("value %v is out of the range of %s", v, t)
			}
			return types.IntValue(n), nil
		}
	case types.Float, types.Double:
		switch x := v.(type) {
		case float64:
			return types.FloatValue(x), nil
		case float32:
			return types.FloatValue(float64(x)), nil
		case int64:
			return types.FloatValue(float64(x)), nil
		}
		if isText {
			f, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
			if err == nil {
				return types.FloatValue(f), nil
			}
		}
	case types.Decimal:
		switch x := v.(type) {
		case int64:
			if d, ok := types.DecimalFromInt(x, t.Precision, t.Scale); ok {
				return d, nil
			}
			return types.Value{}, fmt.Errorf("value %d does not fit %s", x, t)
		case float64:
			if d, ok := types.DecimalFromFloat(x, t.Precision, t.Scale); ok {
				return d, nil
			}
			return types.Value{}, fmt.Errorf("value %v does not fit %s", x, t)
		}
		if isText {
			d, err := types.ParseDecimal(strings.TrimSpace(text), t.Precision, t.Scale)
			if err != nil {
				return types.Value{}, fmt.Errorf("value '%s' does not fit %s: %w", text, t, err)
			}
			return d, nil
		}
	case types.Char, types.VarChar:
		if isText {
			return types.StringValue(text), nil
		}
	case types.Binary, types.VarBinary:
		if isText {
			return types.Value{K: types.KindBytes, S: text}, nil
		}
	case types.Date:
		if x, ok := v.(time.Time); ok {
			y, m, d := x.Date()
			return types.IntValue(types.DaysFromCivil(y, int(m), d)), nil
		}
		if isText {
			d, err := types.ParseDate(text)
			if err != nil {
				return types.Value{}, err
			}
			return types.IntValue(d), nil
		}
	case types.Time:
		if x, ok := v.(time.Time); ok {
			h, m, s := x.Clock()
			return types.IntValue(int64(h)*int64(time.Hour) + int64(m)*int64(time.Minute) + int64(s)*int64(time.Second) + int64(x.Nanosecond())), nil
		}
		if isText {
			n, err := types.ParseTime(text)
			if err != nil {
				return types.Value{}, err
			}
			return types.IntValue(n), nil
		}
	case types.Timestamp, types.TimestampLTZ:
		if x, ok := v.(time.Time); ok {
			if t.ID == types.Timestamp {
				// wall-clock time: read the fields as UTC
				y, mo, d := x.Date()
				h, mi, s := x.Clock()
				x = time.Date(y, mo, d, h, mi, s, x.Nanosecond(), time.UTC)
			}
			return types.IntValue(x.Unix()*int64(time.Second) + int64(x.Nanosecond())), nil
		}
		if isText {
			n, err := types.ParseTimestamp(text)
			if err != nil {
				return types.Value{}, err
			}
			return types.IntValue(n), nil
		}
	}
	return types.Value{}, fmt.Errorf("a %T value does not convert to %s", v, t)
}

// toArg converts a key value of type t to a bind parameter.
func toArg(v types.Value, t types.Type) any {
	switch t.ID {
	case types.Boolean:
		return v.Bool()
	case types.TinyInt, types.SmallInt, types.Int, types.BigInt:
		return v.I
	case types.Float, types.Double:
		return v.Float()
	case types.Decimal:
		return types.DecimalString(v, t.Scale)
	case types.Char, types.VarChar:
		return v.S
	case types.Binary, types.VarBinary:
		return []byte(v.S)
	case types.Date:
		y, m, d := types.CivilFromDays(v.I)
		return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	case types.Time:
		return types.FormatSQL(v, types.TimeType(9))
	case types.Timestamp, types.TimestampLTZ:
		return time.Unix(0, v.I).UTC()
	}
	return types.FormatSQL(v, t)
}
