package json

import (
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/format/timefmt"
	"github.com/sluicehq/sluice/internal/types"
)

var _ connector.Encoder = (*encoder)(nil)

type nullKeyMode uint8

const (
	nullKeyFail nullKeyMode = iota
	nullKeyDrop
	nullKeyLiteral
)

type encoder struct {
	schema       types.Schema
	iso          bool
	nullKey      nullKeyMode
	nullLiteral  string
	plainDecimal bool
	ignoreNull   bool
}

func newEncoder(schema types.Schema, o *config.Options) *encoder {
	e := &encoder{schema: schema, iso: isISO(o), nullLiteral: "null"}
	if o != nil {
		switch strings.ToUpper(o.String("map-null-key.mode")) {
		case "DROP":
			e.nullKey = nullKeyDrop
		case "LITERAL":
			e.nullKey = nullKeyLiteral
		}
		e.nullLiteral = o.String("map-null-key.literal")
		e.plainDecimal = o.Bool("encode.decimal-as-plain-number")
		e.ignoreNull = o.Bool("encode.ignore-null-fields")
	}
	return e
}

// Encode appends the row as one JSON object (no newline). The row kind is
// not written: the json format is insert-only, as Flink's.
func (e *encoder) Encode(dst []byte, _ types.RowKind, row types.Row) ([]byte, error) {
	return e.object(dst, e.schema.Fields, row)
}

func (e *encoder) object(b []byte, fields []types.Field, vals []types.Value) ([]byte, error) {
	b = append(b, '{')
	first := true
	for i, f := range fields {
		var v types.Value
		if i < len(vals) {
			v = vals[i]
		}
		if v.IsNull() && e.ignoreNull {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendString(b, f.Name)
		b = append(b, ':')
		var err error
		if b, err = e.value(b, v, f.Type, f.Name); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

func (e *encoder) value(b []byte, v types.Value, t types.Type, path string) ([]byte, error) {
	if v.IsNull() {
		return append(b, "null"...), nil
	}
	switch t.ID {
	case types.Boolean:
		return strconv.AppendBool(b, v.Bool()), nil
	case types.TinyInt, types.SmallInt, types.Int, types.BigInt:
		return strconv.AppendInt(b, v.Int(), 10), nil
	case types.Float, types.Double:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) { // Jackson quotes non-numeric numbers
			b = append(b, '"')
			b = types.AppendJavaDouble(b, f)
			return append(b, '"'), nil
		}
		if t.ID == types.Float {
			return types.AppendJavaFloat(b, float32(f)), nil
		}
		return types.AppendJavaDouble(b, f), nil
	case types.Decimal:
		if e.plainDecimal {
			return append(b, types.DecimalString(v, t.Scale)...), nil
		}
		return types.AppendPrint(b, v, t), nil // BigDecimal.toString
	case types.Char, types.VarChar:
		return appendString(b, v.Str()), nil
	case types.Binary, types.VarBinary:
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, []byte(v.Str()))
		return append(b, '"'), nil
	case types.Date:
		b = append(b, '"')
		b = timefmt.AppendDate(b, v.Int())
		return append(b, '"'), nil
	case types.Time:
		b = append(b, '"')
		b = timefmt.AppendTime(b, v.Int())
		return append(b, '"'), nil
	case types.Timestamp, types.TimestampLTZ:
		b = append(b, '"')
		b = timefmt.AppendTimestamp(b, v.Int(), e.iso)
		if t.ID == types.TimestampLTZ {
			b = append(b, 'Z')
		}
		return append(b, '"'), nil
	case types.Array:
		b = append(b, '[')
		for i, x := range v.Array() {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = e.value(b, x, *t.Elem, path); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	case types.Map, types.Multiset:
		kt, vt := t.Key, t.Elem
		if t.ID == types.Multiset {
			kt, vt = t.Elem, &types.IntType
		}
		m := v.MapV()
		b = append(b, '{')
		first := true
		for i, k := range m.Keys {
			var key string
			if k.IsNull() {
				switch e.nullKey {
				case nullKeyFail:
					return b, fmt.Errorf("field '%s': the json format cannot write a map with a NULL key (set 'json.map-null-key.mode' to 'DROP' or 'LITERAL')", path)
				case nullKeyDrop:
					continue
				}
				key = e.nullLiteral
			} else if kt.IsString() {
				key = k.Str()
			} else {
				key = types.FormatSQL(k, *kt)
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			b = appendString(b, key)
			b = append(b, ':')
			var err error
			if b, err = e.value(b, m.Values[i], *vt, path); err != nil {
				return b, err
			}
		}
		return append(b, '}'), nil
	case types.RowType:
		return e.object(b, t.Fields, v.Fields())
	}
	return appendString(b, types.FormatSQL(v, t)), nil
}

const hex = "0123456789abcdef"

// appendString writes s as a JSON string.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, s[start:i]...)
				b = append(b, `\ufffd`...)
				i += size
				start = i
				continue
			}
			i += size
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
