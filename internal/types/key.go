package types

import (
	"encoding/binary"
	"math"
)

// AppendKey appends a self-delimiting encoding of the columns cols of row to
// dst. Equal values (types.Equal) encode to equal bytes, so the result can
// be used as a map or state key and hashed for partitioning.
func AppendKey(dst []byte, row Row, cols []int) []byte {
	for _, c := range cols {
		dst = AppendValueKey(dst, row[c])
	}
	return dst
}

// AppendValueKey appends the key encoding of one value.
func AppendValueKey(dst []byte, v Value) []byte {
	dst = append(dst, byte(v.K))
	switch v.K {
	case KindNull:
	case KindBool, KindInt:
		dst = binary.LittleEndian.AppendUint64(dst, uint64(v.I))
	case KindFloat:
		f := v.Float()
		if f == 0 { // -0.0 and 0.0 are the same group
			f = 0
		}
		if math.IsNaN(f) {
			f = math.NaN()
		}
		dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(f))
	case KindDecimal:
		if v.X == nil {
			dst = append(dst, 0)
			dst = binary.LittleEndian.AppendUint64(dst, uint64(v.I))
		} else {
			b := v.BigUnscaled()
			dst = append(dst, 1, byte(b.Sign()+1))
			bs := b.Bytes()
			dst = binary.AppendUvarint(dst, uint64(len(bs)))
			dst = append(dst, bs...)
		}
	case KindString, KindBytes:
		dst = binary.AppendUvarint(dst, uint64(len(v.S)))
		dst = append(dst, v.S...)
	case KindArray, KindRow:
		xs := v.X.([]Value)
		dst = binary.AppendUvarint(dst, uint64(len(xs)))
		for _, x := range xs {
			dst = AppendValueKey(dst, x)
		}
	case KindMap:
		m := v.MapV()
		dst = binary.AppendUvarint(dst, uint64(len(m.Keys)))
		for i := range m.Keys {
			dst = AppendValueKey(dst, m.Keys[i])
			dst = AppendValueKey(dst, m.Values[i])
		}
	}
	return dst
}

// HashKey hashes an encoded key with a fixed function (FNV-1a, 64 bit with
// a final mix), so partitioning is the same in every run.
func HashKey(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for len(b) >= 8 {
		h ^= binary.LittleEndian.Uint64(b)
		h *= 1099511628211
		h ^= h >> 29
		b = b[8:]
	}
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return h
}
