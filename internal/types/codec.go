package types

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
)

// The value codec: a compact binary encoding of Values and Rows for state
// and connectors. Unlike AppendValueKey (equal values give equal bytes,
// fixed-width integers for hashing), it is made to be decoded and to be
// small:
//
//	value   = kind (1 byte) payload
//	NULL      (nothing)
//	BOOL/INT  zig-zag varint of I
//	FLOAT     8 bytes, little-endian IEEE 754 bits (NaN payloads kept)
//	DECIMAL   0 zig-zag-varint(unscaled)             compact form
//	        | 1 uvarint(len) magnitude (big-endian)   big form, positive
//	        | 2 uvarint(len) magnitude (big-endian)   big form, negative
//	STRING/BYTES  uvarint(len) bytes
//	ARRAY/ROW     uvarint(n) value*n
//	MAP           uvarint(n) (key value)*n
//	row     = uvarint(n) value*n
//
// The encoding carries no version: a store or file that uses it leads with
// its own format byte.

// ErrCorrupt is wrapped by every decoding error: the bytes are not what
// the encoder wrote.
var ErrCorrupt = errors.New("corrupt encoding")

// AppendValue appends the codec encoding of v to dst.
func AppendValue(dst []byte, v Value) []byte {
	dst = append(dst, byte(v.K))
	switch v.K {
	case KindNull:
	case KindBool, KindInt:
		dst = binary.AppendVarint(dst, v.I)
	case KindFloat:
		dst = binary.LittleEndian.AppendUint64(dst, uint64(v.I))
	case KindDecimal:
		b, ok := v.X.(*big.Int)
		if !ok {
			dst = append(dst, 0)
			return binary.AppendVarint(dst, v.I)
		}
		if b.Sign() < 0 {
			dst = append(dst, 2)
		} else {
			dst = append(dst, 1)
		}
		n := (b.BitLen() + 7) / 8
		dst = binary.AppendUvarint(dst, uint64(n))
		start := len(dst)
		dst = append(dst, make([]byte, n)...)
		b.FillBytes(dst[start:])
	case KindString, KindBytes:
		dst = binary.AppendUvarint(dst, uint64(len(v.S)))
		dst = append(dst, v.S...)
	case KindArray, KindRow:
		xs, _ := v.X.([]Value)
		dst = AppendRow(dst, xs)
	case KindMap:
		m := v.MapV()
		if m == nil {
			return binary.AppendUvarint(dst, 0)
		}
		dst = binary.AppendUvarint(dst, uint64(len(m.Keys)))
		for i := range m.Keys {
			dst = AppendValue(dst, m.Keys[i])
			dst = AppendValue(dst, m.Values[i])
		}
	}
	return dst
}

// AppendRow appends the codec encoding of a row (or of any []Value).
func AppendRow(dst []byte, r []Value) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(r)))
	for _, v := range r {
		dst = AppendValue(dst, v)
	}
	return dst
}

// ReadValue decodes one value from the front of b and returns the rest.
// Strings are copied: the result does not alias b.
func ReadValue(b []byte) (Value, []byte, error) {
	d := Decoder{b: b}
	v := d.Value()
	return v, d.b, d.Err()
}

// ReadRow decodes one row from the front of b and returns the rest.
func ReadRow(b []byte) (Row, []byte, error) {
	d := Decoder{b: b}
	r := d.Row()
	return r, d.b, d.Err()
}

// Decoder reads what the Append functions of this codec (and the
// encoding/binary varint appenders) wrote, front to back. Errors are
// sticky: after the first, every read returns a zero value and Err reports
// it, so a caller decodes a whole structure and checks once.
type Decoder struct {
	b   []byte
	err error
}

// NewDecoder returns a decoder reading b.
func NewDecoder(b []byte) *Decoder { return &Decoder{b: b} }

// Err is the first error met, wrapping ErrCorrupt, or nil.
func (d *Decoder) Err() error { return d.err }

// Len is the number of bytes not read yet.
func (d *Decoder) Len() int { return len(d.b) }

// Done returns Err, or an error if bytes remain unread.
func (d *Decoder) Done() error {
	if d.err == nil && len(d.b) > 0 {
		d.fail("%d trailing bytes", len(d.b))
	}
	return d.err
}

func (d *Decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
	}
	d.b = nil
}

// Byte reads one byte.
func (d *Decoder) Byte() byte {
	if len(d.b) == 0 {
		d.fail("unexpected end")
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

// Uvarint reads an unsigned varint.
func (d *Decoder) Uvarint() uint64 {
	x, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("bad uvarint")
		return 0
	}
	d.b = d.b[n:]
	return x
}

// Varint reads a zig-zag varint.
func (d *Decoder) Varint() int64 {
	x, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.b = d.b[n:]
	return x
}

// Uint64 reads 8 little-endian bytes.
func (d *Decoder) Uint64() uint64 {
	if len(d.b) < 8 {
		d.fail("unexpected end")
		return 0
	}
	x := binary.LittleEndian.Uint64(d.b)
	d.b = d.b[8:]
	return x
}

// Count reads a uvarint element count and checks it is plausible: every
// element takes at least minSize bytes of what remains (so corrupt input
// cannot make a caller allocate without bound).
func (d *Decoder) Count(minSize int) int {
	n := d.Uvarint()
	if d.err != nil {
		return 0
	}
	if n > uint64(len(d.b)/max(minSize, 1)) {
		d.fail("count %d exceeds the %d bytes left", n, len(d.b))
		return 0
	}
	return int(n)
}

// Bytes reads a uvarint length and that many bytes; the result aliases the
// decoder's input.
func (d *Decoder) Bytes() []byte {
	n := d.Uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.fail("length %d exceeds the %d bytes left", n, len(d.b))
		return nil
	}
	p := d.b[:n:n]
	d.b = d.b[n:]
	return p
}

// String reads a uvarint length and that many bytes as a new string.
func (d *Decoder) String() string { return string(d.Bytes()) }

// Value reads one value (see AppendValue).
func (d *Decoder) Value() Value {
	k := Kind(d.Byte())
	if d.err != nil {
		return Value{}
	}
	switch k {
	case KindNull:
		return Value{}
	case KindBool, KindInt:
		return Value{K: k, I: d.Varint()}
	case KindFloat:
		return Value{K: k, I: int64(d.Uint64())}
	case KindDecimal:
		switch form := d.Byte(); form {
		case 0:
			return Value{K: k, I: d.Varint()}
		case 1, 2:
			b := new(big.Int).SetBytes(d.Bytes())
			if form == 2 {
				b.Neg(b)
			}
			return BigDecimalValue(b)
		default:
			d.fail("decimal form %d", form)
		}
	case KindString, KindBytes:
		return Value{K: k, S: d.String()}
	case KindArray, KindRow:
		return Value{K: k, X: []Value(d.Row())}
	case KindMap:
		n := d.Count(2)
		m := &MapValue{Keys: make([]Value, n), Values: make([]Value, n)}
		for i := 0; i < n; i++ {
			m.Keys[i] = d.Value()
			m.Values[i] = d.Value()
		}
		return Value{K: k, X: m}
	default:
		d.fail("value kind %d", k)
	}
	return Value{}
}

// Row reads a row (see AppendRow).
func (d *Decoder) Row() Row {
	n := d.Count(1)
	if n == 0 {
		return nil
	}
	r := make(Row, n)
	for i := range r {
		r[i] = d.Value()
	}
	return r
}
