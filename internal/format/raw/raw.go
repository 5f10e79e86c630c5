package raw

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/types"
)

// Options is the raw format's option spec, keys without the 'raw.' prefix.
var Options = []config.Spec{
	{Key: "charset", Type: config.String, Default: "UTF-8",
		Description: "Charset of text values. Sluice supports UTF-8 only."},
	{Key: "endianness", Type: config.Enum, Values: []string{"big-endian", "little-endian"}, Default: "big-endian",
		Description: "Byte order of numeric values."},
}

// New returns the 'raw' format.
func New() *connector.Format {
	return &connector.Format{
		Name:        "raw",
		Description: "The whole record is the value of the table's single column (STRING, BYTES or a fixed-width number), as Flink's raw format.",
		Options:     Options,
		NewDecoder: func(schema types.Schema, o *config.Options) (connector.Decoder, error) {
			c, err := newCodec(schema, o)
			if err != nil {
				return nil, err
			}
			return c, nil
		},
		NewEncoder: func(schema types.Schema, o *config.Options) (connector.Encoder, error) {
			c, err := newCodec(schema, o)
			if err != nil {
				return nil, err
			}
			return c, nil
		},
	}
}

var (
	_ connector.Decoder = (*codec)(nil)
	_ connector.Encoder = (*codec)(nil)
)

type codec struct {
	t     types.Type
	order byteOrder
}

type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

func newCodec(schema types.Schema, o *config.Options) (*codec, error) {
	if schema.Len() != 1 {
		return nil, fmt.Errorf("the 'raw' format needs exactly one physical column, the table has %d", schema.Len())
	}
	c := &codec{t: schema.Fields[0].Type, order: binary.BigEndian}
	if o != nil {
		if cs := strings.ToUpper(strings.TrimSpace(o.String("charset"))); cs != "UTF-8" && cs != "UTF8" {
			return nil, fmt.Errorf("'raw.charset' = '%s' is not supported: Sluice reads and writes UTF-8 only", o.String("charset"))
		}
		if strings.EqualFold(o.String("endianness"), "little-endian") {
			c.order = binary.LittleEndian
		}
	}
	switch c.t.ID {
	case types.Char, types.VarChar, types.Binary, types.VarBinary, types.Boolean,
		types.TinyInt, types.SmallInt, types.Int, types.BigInt, types.Float, types.Double:
		return c, nil
	}
	return nil, fmt.Errorf("the 'raw' format cannot hold a column of type %s (use STRING, BYTES or a fixed-width number)", c.t.ID)
}

func (c *codec) IgnoreParseErrors() bool { return false }

// DecodeNull sets the column to NULL for a record without a value.
func (c *codec) DecodeNull(row types.Row) { row[0] = types.NullValue() }

var fixedWidth = map[types.TypeID]int{types.Boolean: 1, types.TinyInt: 1, types.SmallInt: 2, types.Int: 4, types.BigInt: 8, types.Float: 4, types.Double: 8}

// Decode sets the column from the record's bytes.
func (c *codec) Decode(data []byte, row types.Row) error {
	if width := fixedWidth[c.t.ID]; width > 0 && len(data) != width {
		return fmt.Errorf("a raw %s value has %d bytes, not %d", c.t.ID, len(data), width)
	}
	switch c.t.ID {
	case types.Char, types.VarChar:
		if !utf8.Valid(data) {
			return fmt.Errorf("the record is not valid UTF-8 text")
		}
		row[0] = types.StringValue(string(data))
	case types.Binary, types.VarBinary:
		row[0] = types.BytesValue(data)
	case types.Boolean:
		row[0] = types.BoolValue(data[0] != 0)
	case types.TinyInt:
		row[0] = types.IntValue(int64(int8(data[0])))
	case types.SmallInt:
		row[0] = types.IntValue(int64(int16(c.order.Uint16(data))))
	case types.Int:
		row[0] = types.IntValue(int64(int32(c.order.Uint32(data))))
	case types.BigInt:
		row[0] = types.IntValue(int64(c.order.Uint64(data)))
	case types.Float:
		row[0] = types.FloatValue(float64(math.Float32frombits(c.order.Uint32(data))))
	case types.Double:
		row[0] = types.FloatValue(math.Float64frombits(c.order.Uint64(data)))
	}
	return nil
}

// Encode appends the column's bytes; NULL appends nothing.
func (c *codec) Encode(dst []byte, _ types.RowKind, row types.Row) ([]byte, error) {
	v := row[0]
	if v.IsNull() {
		return dst, nil
	}
	switch c.t.ID {
	case types.Char, types.VarChar, types.Binary, types.VarBinary:
		return append(dst, v.S...), nil
	case types.Boolean:
		if v.Bool() {
			return append(dst, 1), nil
		}
		return append(dst, 0), nil
	case types.TinyInt:
		return append(dst, byte(v.I)), nil
	case types.SmallInt:
		return c.order.AppendUint16(dst, uint16(v.I)), nil
	case types.Int:
		return c.order.AppendUint32(dst, uint32(v.I)), nil
	case types.BigInt:
		return c.order.AppendUint64(dst, uint64(v.I)), nil
	case types.Float:
		return c.order.AppendUint32(dst, math.Float32bits(float32(v.Float()))), nil
	default: // Double
		return c.order.AppendUint64(dst, math.Float64bits(v.Float())), nil
	}
}
