package json

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/types"
)

var _ connector.Decoder = (*decoder)(nil)

// conv is the decoding plan of one value: its type, its path for error
// messages, and the plans of its parts.
type conv struct {
	t    types.Type
	path string
	row  *rowConv // ROW
	elem *conv    // ARRAY, MULTISET element; MAP value
	key  *conv    // MAP key
}

type rowConv struct {
	fields []*conv
	index  map[string]int
}

func newRowConv(fields []types.Field, prefix string) *rowConv {
	rc := &rowConv{fields: make([]*conv, len(fields)), index: make(map[string]int, len(fields))}
	for i, f := range fields {
		rc.fields[i] = newConv(f.Type, prefix+f.Name)
		rc.index[f.Name] = i
	}
	return rc
}

func newConv(t types.Type, path string) *conv {
	c := &conv{t: t, path: path}
	switch t.ID {
	case types.RowType:
		c.row = newRowConv(t.Fields, path+".")
	case types.Array, types.Multiset:
		c.elem = newConv(*t.Elem, path+"[]")
	case types.Map:
		c.key = newConv(*t.Key, path+" key")
		c.elem = newConv(*t.Elem, path+"[]")
	}
	return c
}

type decoder struct {
	top          *rowConv
	failMissing  bool
	ignoreErrors bool
	seen         []bool
}

func newDecoder(schema types.Schema, o *config.Options) *decoder {
	return &decoder{
		top:          newRowConv(schema.Fields, ""),
		failMissing:  optBool(o, "fail-on-missing-field"),
		ignoreErrors: optBool(o, "ignore-parse-errors"),
	}
}

func (d *decoder) IgnoreParseErrors() bool { return d.ignoreErrors }

// Decode fills row from one JSON object.
func (d *decoder) Decode(data []byte, row types.Row) error {
	s := scanner{data: data}
	s.ws()
	if s.peek() != '{' {
		return fmt.Errorf("expected a JSON object, found %s", s.describe())
	}
	if err := s.object(d.top, row, d.failMissing); err != nil {
		return err
	}
	s.ws()
	if s.pos < len(s.data) {
		return fmt.Errorf("unexpected data after the JSON object at byte %d", s.pos+1)
	}
	return nil
}

// scanner walks one JSON text.
type scanner struct {
	data []byte
	pos  int
	buf  []byte // unescaping scratch
}

var errEOF = errors.New("unexpected end of JSON input")

func (s *scanner) ws() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

func (s *scanner) peek() byte {
	if s.pos < len(s.data) {
		return s.data[s.pos]
	}
	return 0
}

func (s *scanner) syntax(what string) error {
	if s.pos >= len(s.data) {
		return errEOF
	}
	return fmt.Errorf("invalid JSON at byte %d: expected %s, found %s", s.pos+1, what, s.describe())
}

// describe names the value at the cursor for error messages, without
// consuming it: string "abc", number 1.5, object, array, true, null.
func (s *scanner) describe() string {
	if s.pos >= len(s.data) {
		return "end of input"
	}
	switch c := s.data[s.pos]; {
	case c == '"':
		t := *s
		t.buf = nil
		if str, err := t.str(); err == nil {
			if len(str) > 40 {
				return "string " + strconv.Quote(string(str[:40])+"…")
			}
			return "string " + strconv.Quote(string(str))
		}
		return "an unterminated string"
	case c == '{':
		return "object"
	case c == '[':
		return "array"
	case c == '-' || c >= '0' && c <= '9':
		t := *s
		return "number " + string(t.number())
	default:
		end := s.pos
		for end < len(s.data) && end-s.pos < 20 && s.data[end] > ' ' && s.data[end] != ',' && s.data[end] != '}' && s.data[end] != ']' {
			end++
		}
		if end == s.pos {
			end++
		}
		return "'" + string(s.data[s.pos:end]) + "'"
	}
}

func (s *scanner) literal(lit string) bool {
	if len(s.data)-s.pos >= len(lit) && string(s.data[s.pos:s.pos+len(lit)]) == lit {
		s.pos += len(lit)
		return true
	}
	return false
}

// str reads a string at the cursor and returns its unescaped bytes, valid
// until the next call.
func (s *scanner) str() ([]byte, error) {
	s.pos++ // opening quote
	start := s.pos
	for s.pos < len(s.data) {
		switch c := s.data[s.pos]; c {
		case '"':
			s.pos++
			return s.data[start : s.pos-1], nil
		case '\\':
			return s.strEscaped(start)
		default:
			if c < 0x20 {
				return nil, s.syntax("a string character")
			}
			s.pos++
		}
	}
	return nil, errEOF
}

func (s *scanner) strEscaped(start int) ([]byte, error) {
	b := append(s.buf[:0], s.data[start:s.pos]...)
	for s.pos < len(s.data) {
		c := s.data[s.pos]
		switch {
		case c == '"':
			s.pos++
			s.buf = b
			return b, nil
		case c == '\\':
			if s.pos+1 >= len(s.data) {
				return nil, errEOF
			}
			e := s.data[s.pos+1]
			s.pos += 2
			switch e {
			case '"', '\\', '/':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r, ok := s.hex4()
				if !ok {
					return nil, s.syntax("4 hex digits after \\u")
				}
				if utf16.IsSurrogate(r) {
					save := s.pos
					if s.literal("\\u") {
						if r2, ok := s.hex4(); ok {
							r = utf16.DecodeRune(r, r2)
						} else {
							s.pos = save
						}
					}
				}
				b = utf8.AppendRune(b, r)
			default:
				s.pos--
				return nil, s.syntax("an escape sequence")
			}
		case c < 0x20:
			return nil, s.syntax("a string character")
		default:
			b = append(b, c)
			s.pos++
		}
	}
	return nil, errEOF
}

func (s *scanner) hex4() (rune, bool) {
	if len(s.data)-s.pos < 4 {
		return 0, false
	}
	var r rune
	for _, c := range s.data[s.pos : s.pos+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	s.pos += 4
	return r, true
}

// number reads a number token.
func (s *scanner) number() []byte {
	start := s.pos
	for s.pos < len(s.data) {
		switch c := s.data[s.pos]; {
		case c >= '0' && c <= '9', c == '-', c == '+', c == '.', c == 'e', c == 'E':
			s.pos++
		default:
			return s.data[start:s.pos]
		}
	}
	return s.data[start:s.pos]
}

// skip consumes one value of any kind.
func (s *scanner) skip() error {
	s.ws()
	switch c := s.peek(); {
	case c == '"':
		_, err := s.str()
		return err
	case c == '{' || c == '[':
		close := byte('}')
		if c == '[' {
			close = ']'
		}
		s.pos++
		s.ws()
		if s.peek() == close {
			s.pos++
			return nil
		}
		for {
			if c == '{' {
				s.ws()
				if s.peek() != '"' {
					return s.syntax("a field name")
				}
				if _, err := s.str(); err != nil {
					return err
				}
				s.ws()
				if s.peek() != ':' {
					return s.syntax("':'")
				}
				s.pos++
			}
			if err := s.skip(); err != nil {
				return err
			}
			s.ws()
			switch s.peek() {
			case ',':
				s.pos++
			case close:
				s.pos++
				return nil
			default:
				return s.syntax("',' or '" + string(close) + "'")
			}
		}
	case c == '-' || c >= '0' && c <= '9':
		if len(s.number()) == 0 {
			return s.syntax("a number")
		}
		return nil
	case s.literal("true"), s.literal("false"), s.literal("null"):
		return nil
	}
	return s.syntax("a JSON value")
}

// object decodes a JSON object into out, the fields of rc.
func (s *scanner) object(rc *rowConv, out []types.Value, failMissing bool) error {
	s.pos++ // '{'
	var seen uint64
	var seenMore []bool
	if failMissing && len(rc.fields) > 64 {
		seenMore = make([]bool, len(rc.fields))
	}
	s.ws()
	if s.peek() == '}' {
		s.pos++
	} else {
		for {
			s.ws()
			if s.peek() != '"' {
				return s.syntax("a field name")
			}
			name, err := s.str()
			if err != nil {
				return err
			}
			i, known := rc.index[string(name)]
			s.ws()
			if s.peek() != ':' {
				return s.syntax("':'")
			}
			s.pos++
			if known {
				v, err := s.value(rc.fields[i], failMissing)
				if err != nil {
					return err
				}
				out[i] = v
				if i < 64 {
					seen |= 1 << i
				} else if seenMore != nil {
					seenMore[i] = true
				}
			} else if err := s.skip(); err != nil {
				return err
			}
			s.ws()
			if s.peek() == ',' {
				s.pos++
				continue
			}
			if s.peek() == '}' {
				s.pos++
				break
			}
			return s.syntax("',' or '}'")
		}
	}
	if failMissing {
		for i, f := range rc.fields {
			if (i < 64 && seen&(1<<i) == 0) || (i >= 64 && seenMore != nil && !seenMore[i]) {
				return fmt.Errorf("field '%s' is missing (and 'fail-on-missing-field' is set)", f.path)
			}
		}
	}
	return nil
}

func (c *conv) mismatch(s *scanner) error {
	return fmt.Errorf("field '%s': expected %s, found %s", c.path, c.t.WithNullable(true), s.describe())
}

// unsafeString views b as a string for parsing calls that do not keep it.
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// value decodes one JSON value as c's type.
func (s *scanner) value(c *conv, failMissing bool) (types.Value, error) {
	s.ws()
	ch := s.peek()
	if ch == 'n' {
		if s.literal("null") {
			return types.Value{}, nil
		}
		return types.Value{}, s.syntax("a JSON value")
	}
	t := c.t
	switch t.ID {
	case types.Boolean:
		switch {
		case s.literal("true"):
			return types.BoolValue(true), nil
		case s.literal("false"):
			return types.BoolValue(false), nil
		case ch == '"':
			save := s.pos
			b, err := s.str()
			if err != nil {
				return types.Value{}, err
			}
			switch strings.ToLower(strings.TrimSpace(unsafeString(b))) {
			case "true":
				return types.BoolValue(true), nil
			case "false":
				return types.BoolValue(false), nil
			}
			s.pos = save
		}
		return types.Value{}, c.mismatch(s)
	case types.TinyInt, types.SmallInt, types.Int, types.BigInt:
		return s.integer(c, ch)
	case types.Float, types.Double:
		tok, ok, err := s.numericText(ch)
		if err != nil || !ok {
			return types.Value{}, orMismatch(err, c, s)
		}
		f, perr := strconv.ParseFloat(strings.TrimSpace(unsafeString(tok)), 64)
		if perr != nil && !errors.Is(perr, strconv.ErrRange) {
			return types.Value{}, c.badText(tok)
		}
		if t.ID == types.Float {
			f = float64(float32(f))
		}
		return types.FloatValue(f), nil
	case types.Decimal:
		tok, ok, err := s.numericText(ch)
		if err != nil || !ok {
			return types.Value{}, orMismatch(err, c, s)
		}
		v, perr := types.ParseDecimal(strings.TrimSpace(string(tok)), t.Precision, t.Scale)
		if errors.Is(perr, types.ErrDecimalOverflow) {
			return types.Value{}, nil // Flink: a decimal that does not fit is NULL
		}
		if perr != nil {
			return types.Value{}, c.badText(tok)
		}
		return v, nil
	case types.Char, types.VarChar:
		if ch == '"' {
			b, err := s.str()
			if err != nil {
				return types.Value{}, err
			}
			return types.StringValue(string(b)), nil
		}
		// Flink: a non-string value becomes its JSON text.
		start := s.pos
		if err := s.skip(); err != nil {
			return types.Value{}, err
		}
		return types.StringValue(string(s.data[start:s.pos])), nil
	case types.Binary, types.VarBinary:
		if ch != '"' {
			return types.Value{}, c.mismatch(s)
		}
		b, err := s.str()
		if err != nil {
			return types.Value{}, err
		}
		out, derr := base64.StdEncoding.DecodeString(unsafeString(b))
		if derr != nil {
			return types.Value{}, fmt.Errorf("field '%s': %s is not base64", c.path, strconv.Quote(string(b)))
		}
		return types.Value{K: types.KindBytes, S: string(out)}, nil
	case types.Date, types.Time, types.Timestamp, types.TimestampLTZ:
		if ch != '"' {
			return types.Value{}, c.mismatch(s)
		}
		b, err := s.str()
		if err != nil {
			return types.Value{}, err
		}
		var n int64
		switch t.ID {
		case types.Date:
			n, err = types.ParseDate(unsafeString(b))
		case types.Time:
			n, err = types.ParseTime(unsafeString(b))
		default:
			n, err = types.ParseTimestamp(unsafeString(b))
		}
		if err != nil {
			return types.Value{}, c.badText(b)
		}
		return types.IntValue(n), nil
	case types.Array:
		if ch != '[' {
			return types.Value{}, c.mismatch(s)
		}
		var out []types.Value
		err := s.elements(func() error {
			v, err := s.value(c.elem, failMissing)
			out = append(out, v)
			return err
		})
		if out == nil {
			out = []types.Value{}
		}
		return types.ArrayValue(out), err
	case types.Map, types.Multiset:
		if ch != '{' {
			return types.Value{}, c.mismatch(s)
		}
		return s.mapValue(c, failMissing)
	case types.RowType:
		if ch != '{' {
			return types.Value{}, c.mismatch(s)
		}
		out := make([]types.Value, len(c.row.fields))
		if err := s.object(c.row, out, failMissing); err != nil {
			return types.Value{}, err
		}
		return types.RowValue(out), nil
	}
	return types.Value{}, fmt.Errorf("field '%s': the json format does not support %s", c.path, t)
}

func orMismatch(err error, c *conv, s *scanner) error {
	if err != nil {
		return err
	}
	return c.mismatch(s)
}

func (c *conv) badText(b []byte) error {
	return fmt.Errorf("field '%s': expected %s, found string %s", c.path, c.t.WithNullable(true), strconv.Quote(string(b)))
}

// numericText returns the text of a number, or of a string holding one.
// ok is false (cursor unmoved) for other kinds of values.
func (s *scanner) numericText(ch byte) (tok []byte, ok bool, err error) {
	switch {
	case ch == '-' || ch >= '0' && ch <= '9':
		return s.number(), true, nil
	case ch == '"':
		b, err := s.str()
		return b, err == nil, err
	}
	return nil, false, nil
}

func (s *scanner) integer(c *conv, ch byte) (types.Value, error) {
	start := s.pos
	tok, ok, err := s.numericText(ch)
	if err != nil || !ok {
		return types.Value{}, orMismatch(err, c, s)
	}
	n, perr := strconv.ParseInt(strings.TrimSpace(unsafeString(tok)), 10, 64)
	lo, hi := types.IntRange(c.t.ID)
	if perr != nil || n < lo || n > hi {
		if ch == '"' {
			return types.Value{}, c.badText(tok)
		}
		s.pos = start
		return types.Value{}, c.mismatch(s)
	}
	return types.IntValue(n), nil
}

// elements calls each for every element of an array at the cursor.
func (s *scanner) elements(each func() error) error {
	s.pos++ // '['
	s.ws()
	if s.peek() == ']' {
		s.pos++
		return nil
	}
	for {
		if err := each(); err != nil {
			return err
		}
		s.ws()
		switch s.peek() {
		case ',':
			s.pos++
		case ']':
			s.pos++
			return nil
		default:
			return s.syntax("',' or ']'")
		}
	}
}

func (s *scanner) mapValue(c *conv, failMissing bool) (types.Value, error) {
	s.pos++ // '{'
	var keys, vals []types.Value
	valConv := c.elem
	if c.t.ID == types.Multiset {
		valConv = &conv{t: types.IntType, path: c.path + "[]"}
	}
	s.ws()
	if s.peek() == '}' {
		s.pos++
		return types.MapOf([]types.Value{}, []types.Value{}), nil
	}
	for {
		s.ws()
		if s.peek() != '"' {
			return types.Value{}, s.syntax("a map key")
		}
		var k types.Value
		var err error
		keyConv := c.key
		if c.t.ID == types.Multiset {
			keyConv = c.elem
		}
		if keyConv.t.IsString() {
			b, err := s.str()
			if err != nil {
				return types.Value{}, err
			}
			k = types.StringValue(string(b))
		} else {
			// A non-string key is written as the key's text: decode it as if
			// it were a JSON string of that type.
			k, err = s.value(keyConv, failMissing)
			if err != nil {
				return types.Value{}, err
			}
		}
		s.ws()
		if s.peek() != ':' {
			return types.Value{}, s.syntax("':'")
		}
		s.pos++
		v, err := s.value(valConv, failMissing)
		if err != nil {
			return types.Value{}, err
		}
		keys, vals = append(keys, k), append(vals, v)
		s.ws()
		switch s.peek() {
		case ',':
			s.pos++
		case '}':
			s.pos++
			return types.MapOf(keys, vals), nil
		default:
			return types.Value{}, s.syntax("',' or '}'")
		}
	}
}
