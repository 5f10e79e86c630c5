package types

import (
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// randomValue returns a random value of any kind, nested up to depth
// levels, for property tests of codecs.
func randomValue(r *rand.Rand, depth int) Value {
	kinds := 7
	if depth > 0 {
		kinds = 10
	}
	switch Kind(r.IntN(kinds)) {
	case KindNull:
		return Value{}
	case KindBool:
		return BoolValue(r.IntN(2) == 1)
	case KindInt:
		return IntValue(randomInt(r))
	case KindFloat:
		switch r.IntN(4) {
		case 0:
			return FloatValue(math.Inf(-1 + 2*r.IntN(2)))
		case 1:
			return Value{K: KindFloat, I: int64(0x7ff8000000000001)} // a NaN payload
		}
		return FloatValue(r.NormFloat64() * 1e6)
	case KindDecimal:
		if r.IntN(2) == 0 {
			return DecimalValue(randomInt(r))
		}
		b := new(big.Int).Lsh(big.NewInt(r.Int64()), uint(64+r.IntN(60)))
		if r.IntN(2) == 0 {
			b.Neg(b)
		}
		return BigDecimalValue(b)
	case KindString:
		return StringValue(randomString(r))
	case KindBytes:
		return BytesValue([]byte(randomString(r)))
	case KindArray, KindRow:
		xs := make([]Value, r.IntN(4))
		for i := range xs {
			xs[i] = randomValue(r, depth-1)
		}
		if r.IntN(2) == 0 {
			return ArrayValue(xs)
		}
		return RowValue(xs)
	default:
		n := r.IntN(3)
		ks, vs := make([]Value, n), make([]Value, n)
		for i := range ks {
			ks[i], vs[i] = randomValue(r, depth-1), randomValue(r, depth-1)
		}
		return MapOf(ks, vs)
	}
}

func randomInt(r *rand.Rand) int64 {
	switch r.IntN(4) {
	case 0:
		return math.MinInt64
	case 1:
		return math.MaxInt64
	case 2:
		return int64(r.IntN(200) - 100)
	}
	return int64(r.Uint64())
}

func randomString(r *rand.Rand) string {
	b := make([]byte, r.IntN(12))
	for i := range b {
		b[i] = byte(r.IntN(256))
	}
	return string(b)
}

// identical is exact equality of values, bit for bit, recursively (Equal
// treats NaNs and -0.0 as SQL does, which would hide codec bugs).
func identical(a, b Value) bool {
	if a.K != b.K || a.I != b.I || a.S != b.S {
		return false
	}
	switch a.K {
	case KindDecimal:
		return (a.X == nil) == (b.X == nil) && a.BigUnscaled().Cmp(b.BigUnscaled()) == 0
	case KindArray, KindRow:
		return identicalSlices(a.X.([]Value), b.X.([]Value))
	case KindMap:
		ma, mb := a.MapV(), b.MapV()
		return identicalSlices(ma.Keys, mb.Keys) && identicalSlices(ma.Values, mb.Values)
	}
	return a.X == nil && b.X == nil
}

func identicalSlices(a, b []Value) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !identical(a[i], b[i]) {
			return false
		}
	}
	return true
}

func TestValueCodecRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		v := randomValue(r, 3)
		enc := AppendValue([]byte{0xAA}, v)[1:]
		got, rest, err := ReadValue(append(enc, 0xBB))
		if err != nil {
			t.Fatalf("decode %v: %v", v, err)
		}
		if len(rest) != 1 || rest[0] != 0xBB {
			t.Fatalf("decode %v left %x", v, rest)
		}
		if !identical(got, v) {
			t.Fatalf("round trip: got %#v, want %#v", got, v)
		}
	}
}

func TestRowCodecRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var buf []byte
	for i := 0; i < 2000; i++ {
		row := make(Row, r.IntN(6))
		for j := range row {
			row[j] = randomValue(r, 2)
		}
		buf = AppendRow(buf[:0], row)
		got, rest, err := ReadRow(buf)
		if err != nil || len(rest) != 0 {
			t.Fatalf("decode: %v (rest %d)", err, len(rest))
		}
		if len(got) != len(row) {
			t.Fatalf("got %d values, want %d", len(got), len(row))
		}
		for j := range row {
			if !identical(got[j], row[j]) {
				t.Fatalf("value %d: got %#v, want %#v", j, got[j], row[j])
			}
		}
	}
}

// Decoded strings do not alias the input buffer.
func TestValueCodecCopies(t *testing.T) {
	buf := AppendValue(nil, StringValue("hello"))
	v, _, err := ReadValue(buf)
	if err != nil {
		t.Fatal(err)
	}
	for i := range buf {
		buf[i] = 'x'
	}
	if v.S != "hello" {
		t.Fatalf("decoded string changed with its buffer: %q", v.S)
	}
}

// Every truncation of a valid encoding fails with ErrCorrupt, never panics.
func TestValueCodecTruncated(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 500; i++ {
		row := Row{randomValue(r, 3), randomValue(r, 3)}
		enc := AppendRow(nil, row)
		for n := 0; n < len(enc); n++ {
			_, _, err := ReadRow(enc[:n])
			if err == nil {
				// A prefix can be a valid shorter encoding only if it
				// still decodes the declared number of values, which a
				// strict prefix of two values cannot.
				t.Fatalf("prefix %d of %x decoded", n, enc)
			}
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v is not ErrCorrupt", err)
			}
		}
	}
	if _, _, err := ReadValue([]byte{99}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("unknown kind: %v", err)
	}
	d := NewDecoder([]byte{1, 2})
	d.Byte()
	if err := d.Done(); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Done with trailing bytes: %v", err)
	}
}

func TestValueCodecCompact(t *testing.T) {
	for _, c := range []struct {
		v    Value
		size int
	}{
		{Value{}, 1}, {IntValue(5), 2}, {IntValue(-64), 2}, {BoolValue(true), 2},
		{FloatValue(1.5), 9}, {DecimalValue(100), 4}, {StringValue("abc"), 5},
	} {
		if n := len(AppendValue(nil, c.v)); n != c.size {
			t.Errorf("%#v encodes in %d bytes, want %d", c.v, n, c.size)
		}
	}
}
