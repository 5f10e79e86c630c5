package csv

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/format/timefmt"
	"github.com/sluicehq/sluice/internal/types"
)

// Options is the csv format's option spec, keys without the 'csv.' prefix.
var Options = []config.Spec{
	{Key: "field-delimiter", Type: config.String, Default: ",",
		Description: "Field delimiter character ('\\t' for a tab)."},
	{Key: "disable-quote-character", Type: config.Bool, Default: "false",
		Description: "Disable quoting of values; 'quote-character' must then not be set."},
	{Key: "quote-character", Type: config.String, Default: "\"",
		Description: "Quote character enclosing field values."},
	{Key: "allow-comments", Type: config.Bool, Default: "false",
		Description: "Ignore lines starting with '#'."},
	{Key: "ignore-parse-errors", Type: config.Bool, Default: "false",
		Description: "Skip records that cannot be parsed instead of failing (skipped records are counted)."},
	{Key: "array-element-delimiter", Type: config.String, Default: ";",
		Description: "Separator of the elements of an ARRAY field."},
	{Key: "escape-character", Type: config.String,
		Description: "Escape character for field values (none by default)."},
	{Key: "null-literal", Type: config.String,
		Description: "Text that stands for NULL (by default an empty field is NULL for non-string columns)."},
	{Key: "write-bigdecimal-in-scientific-notation", Type: config.Bool, Default: "true",
		Description: "Write decimals as Java's BigDecimal.toString (scientific notation for very small values); false writes plain numbers."},
}

// New returns the 'csv' format.
func New() *connector.Format {
	return &connector.Format{
		Name:        "csv",
		Description: "Comma-separated values, one record per line, as Flink's csv format.",
		Options:     Options,
		NewDecoder: func(schema types.Schema, o *config.Options) (connector.Decoder, error) {
			c, err := parseConfig(o)
			if err != nil {
				return nil, err
			}
			if err := checkSchema(schema); err != nil {
				return nil, err
			}
			return &decoder{cfg: c, schema: schema}, nil
		},
		NewEncoder: func(schema types.Schema, o *config.Options) (connector.Encoder, error) {
			c, err := parseConfig(o)
			if err != nil {
				return nil, err
			}
			if err := checkSchema(schema); err != nil {
				return nil, err
			}
			return &encoder{cfg: c, schema: schema}, nil
		},
	}
}

type cfg struct {
	delim       byte
	quote       byte // 0: no quoting
	escape      byte // 0: none
	comments    bool
	ignore      bool
	arrayDelim  string
	nullLiteral string
	hasNull     bool
	scientific  bool
}

func oneChar(o *config.Options, key string) (byte, error) {
	v := o.String(key)
	if v == `\t` {
		return '\t', nil
	}
	if len(v) != 1 {
		return 0, fmt.Errorf("%w: csv option '%s' must be a single character, is '%s'", config.ErrInvalidOption, key, v)
	}
	return v[0], nil
}

func parseConfig(o *config.Options) (*cfg, error) {
	if o == nil {
		o, _ = config.Validate("format 'csv'", Options, map[string]string{})
	}
	c := &cfg{
		comments:    o.Bool("allow-comments"),
		ignore:      o.Bool("ignore-parse-errors"),
		arrayDelim:  o.String("array-element-delimiter"),
		nullLiteral: o.String("null-literal"),
		hasNull:     o.Has("null-literal"),
		scientific:  o.Bool("write-bigdecimal-in-scientific-notation"),
	}
	var err error
	if c.delim, err = oneChar(o, "field-delimiter"); err != nil {
		return nil, err
	}
	if o.Bool("disable-quote-character") {
		if o.Has("quote-character") {
			return nil, fmt.Errorf("%w: csv options 'disable-quote-character' and 'quote-character' are exclusive", config.ErrInvalidOption)
		}
	} else if c.quote, err = oneChar(o, "quote-character"); err != nil {
		return nil, err
	}
	if o.Has("escape-character") {
		if c.escape, err = oneChar(o, "escape-character"); err != nil {
			return nil, err
		}
	}
	if c.arrayDelim == "" {
		return nil, fmt.Errorf("%w: csv option 'array-element-delimiter' must not be empty", config.ErrInvalidOption)
	}
	return c, nil
}

func checkSchema(schema types.Schema) error {
	var check func(name string, t types.Type) error
	check = func(name string, t types.Type) error {
		switch t.ID {
		case types.Map, types.Multiset, types.RowType, types.IntervalDayTime, types.IntervalYearMonth:
			return fmt.Errorf("the csv format does not support column '%s' of type %s", name, t)
		case types.Array:
			return check(name, *t.Elem)
		}
		return nil
	}
	for _, f := range schema.Fields {
		if err := check(f.Name, f.Type); err != nil {
			return err
		}
	}
	return nil
}

var (
	_ connector.Decoder = (*decoder)(nil)
	_ connector.Encoder = (*encoder)(nil)
)

type decoder struct {
	cfg    *cfg
	schema types.Schema
	fields []string
	quoted []bool
	buf    []byte
}

func (d *decoder) IgnoreParseErrors() bool { return d.cfg.ignore }

// Decode fills row from one line (without its line terminator).
func (d *decoder) Decode(data []byte, row types.Row) error {
	if n := len(data); n > 0 && data[n-1] == '\r' {
		data = data[:n-1]
	}
	if d.cfg.comments && len(data) > 0 && data[0] == '#' {
		return connector.ErrSkipRecord
	}
	if err := d.split(data); err != nil {
		return err
	}
	if len(d.fields) != len(d.schema.Fields) {
		return fmt.Errorf("row length mismatch: %d fields expected but was %d", len(d.schema.Fields), len(d.fields))
	}
	for i, f := range d.schema.Fields {
		v, err := d.convert(d.fields[i], d.quoted[i], f.Type)
		if err != nil {
			return fmt.Errorf("field '%s': %w", f.Name, err)
		}
		row[i] = v
	}
	return nil
}

// split cuts a line into fields, unquoting and unescaping them. The field
// strings are fresh copies (they end up in rows).
func (d *decoder) split(line []byte) error {
	c := d.cfg
	d.fields, d.quoted = d.fields[:0], d.quoted[:0]
	i := 0
	for {
		b := d.buf[:0]
		quoted := false
		if c.quote != 0 && i < len(line) && line[i] == c.quote {
			quoted = true
			i++
			closed := false
			for i < len(line) {
				ch := line[i]
				switch {
				case c.escape != 0 && ch == c.escape && i+1 < len(line):
					b = append(b, line[i+1])
					i += 2
				case ch == c.quote:
					if i+1 < len(line) && line[i+1] == c.quote {
						b = append(b, c.quote)
						i += 2
						continue
					}
					i++
					closed = true
				default:
					b = append(b, ch)
					i++
				}
				if closed {
					break
				}
			}
			if !closed {
				return errors.New("unterminated quoted field")
			}
			if i < len(line) && line[i] != c.delim {
				return fmt.Errorf("unexpected character '%c' after a quoted field", line[i])
			}
		} else {
			for i < len(line) && line[i] != c.delim {
				if c.escape != 0 && line[i] == c.escape && i+1 < len(line) {
					i++
				}
				b = append(b, line[i])
				i++
			}
		}
		d.buf = b
		d.fields = append(d.fields, string(b))
		d.quoted = append(d.quoted, quoted)
		if i >= len(line) {
			return nil
		}
		i++ // delimiter
	}
}

func (d *decoder) convert(s string, quoted bool, t types.Type) (types.Value, error) {
	if d.cfg.hasNull && s == d.cfg.nullLiteral && !quoted {
		return types.Value{}, nil
	}
	if t.IsString() {
		return types.StringValue(s), nil
	}
	text := strings.TrimSpace(s)
	if text == "" {
		return types.Value{}, nil
	}
	bad := func() error {
		return fmt.Errorf("expected %s, found %s", t.WithNullable(true), strconv.Quote(s))
	}
	switch t.ID {
	case types.Boolean:
		switch strings.ToLower(text) {
		case "true":
			return types.BoolValue(true), nil
		case "false":
			return types.BoolValue(false), nil
		}
		return types.Value{}, bad()
	case types.TinyInt, types.SmallInt, types.Int, types.BigInt:
		n, err := strconv.ParseInt(text, 10, 64)
		lo, hi := types.IntRange(t.ID)
		if err != nil || n < lo || n > hi {
			return types.Value{}, bad()
		}
		return types.IntValue(n), nil
	case types.Float, types.Double:
		f, err := strconv.ParseFloat(text, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return types.Value{}, bad()
		}
		if t.ID == types.Float {
			f = float64(float32(f))
		}
		return types.FloatValue(f), nil
	case types.Decimal:
		v, err := types.ParseDecimal(text, t.Precision, t.Scale)
		if errors.Is(err, types.ErrDecimalOverflow) {
			return types.Value{}, nil // Flink: a decimal that does not fit is NULL
		}
		if err != nil {
			return types.Value{}, bad()
		}
		return v, nil
	case types.Binary, types.VarBinary:
		b, err := base64.StdEncoding.DecodeString(text)
		if err != nil {
			return types.Value{}, bad()
		}
		return types.BytesValue(b), nil
	case types.Date, types.Time, types.Timestamp, types.TimestampLTZ:
		var n int64
		var err error
		switch t.ID {
		case types.Date:
			n, err = types.ParseDate(text)
		case types.Time:
			n, err = types.ParseTime(text)
		default:
			n, err = types.ParseTimestamp(text)
		}
		if err != nil {
			return types.Value{}, bad()
		}
		return types.IntValue(n), nil
	case types.Array:
		parts := strings.Split(s, d.cfg.arrayDelim)
		out := make([]types.Value, len(parts))
		for i, p := range parts {
			v, err := d.convert(p, false, *t.Elem)
			if err != nil {
				return types.Value{}, err
			}
			out[i] = v
		}
		return types.ArrayValue(out), nil
	}
	return types.Value{}, fmt.Errorf("the csv format does not support %s", t)
}

type encoder struct {
	cfg    *cfg
	schema types.Schema
	tmp    []byte
}

// Encode appends one line (without newline). The row kind is not written:
// the csv format is insert-only, as Flink's.
func (e *encoder) Encode(dst []byte, _ types.RowKind, row types.Row) ([]byte, error) {
	for i, f := range e.schema.Fields {
		if i > 0 {
			dst = append(dst, e.cfg.delim)
		}
		var v types.Value
		if i < len(row) {
			v = row[i]
		}
		if v.IsNull() {
			dst = append(dst, e.cfg.nullLiteral...)
			continue
		}
		e.tmp = e.text(e.tmp[:0], v, f.Type)
		dst = e.field(dst, e.tmp)
	}
	return dst, nil
}

// field appends text, quoted when it needs to be.
func (e *encoder) field(dst, text []byte) []byte {
	c := e.cfg
	need := false
	for _, ch := range text {
		if ch == c.delim || ch == '\n' || ch == '\r' || (c.quote != 0 && ch == c.quote) || (c.escape != 0 && ch == c.escape) {
			need = true
			break
		}
	}
	if !need {
		return append(dst, text...)
	}
	if c.quote == 0 {
		if c.escape == 0 {
			return append(dst, text...)
		}
		for _, ch := range text {
			if ch == c.delim || ch == c.escape || ch == '\n' || ch == '\r' {
				dst = append(dst, c.escape)
			}
			dst = append(dst, ch)
		}
		return dst
	}
	dst = append(dst, c.quote)
	for _, ch := range text {
		switch {
		case ch == c.quote:
			dst = append(dst, c.quote, c.quote)
		case c.escape != 0 && ch == c.escape:
			dst = append(dst, c.escape, c.escape)
		default:
			dst = append(dst, ch)
		}
	}
	return append(dst, c.quote)
}

func (e *encoder) text(b []byte, v types.Value, t types.Type) []byte {
	switch t.ID {
	case types.Char, types.VarChar:
		return append(b, v.Str()...)
	case types.Binary, types.VarBinary:
		return base64.StdEncoding.AppendEncode(b, []byte(v.Str()))
	case types.Float:
		return types.AppendJavaFloat(b, float32(v.Float()))
	case types.Double:
		return types.AppendJavaDouble(b, v.Float())
	case types.Decimal:
		if e.cfg.scientific {
			return types.AppendPrint(b, v, t)
		}
		return append(b, types.DecimalString(v, t.Scale)...)
	case types.Date:
		return timefmt.AppendDate(b, v.Int())
	case types.Time:
		return timefmt.AppendTime(b, v.Int())
	case types.Timestamp:
		return timefmt.AppendTimestamp(b, v.Int(), false)
	case types.TimestampLTZ:
		return append(timefmt.AppendTimestamp(b, v.Int(), false), 'Z')
	case types.Array:
		for i, x := range v.Array() {
			if i > 0 {
				b = append(b, e.cfg.arrayDelim...)
			}
			if x.IsNull() {
				b = append(b, e.cfg.nullLiteral...)
				continue
			}
			b = e.text(b, x, *t.Elem)
		}
		return b
	case types.Boolean:
		return strconv.AppendBool(b, v.Bool())
	}
	return strconv.AppendInt(b, v.Int(), 10) // integers
}
