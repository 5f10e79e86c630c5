package types

import (
	"math"
	"strings"
)

// Compare orders two non-NULL values of the same SQL type t: -1, 0 or +1.
// NULL sorts before everything (callers that need SQL's three-valued logic
// check IsNull first). Decimals must share t's scale.
func Compare(a, b Value, t Type) int {
	if a.K == KindNull || b.K == KindNull {
		switch {
		case a.K == b.K:
			return 0
		case a.K == KindNull:
			return -1
		default:
			return 1
		}
	}
	switch a.K {
	case KindBool, KindInt:
		return cmpInt(a.I, b.I)
	case KindFloat:
		return cmpFloat(a.Float(), b.Float())
	case KindDecimal:
		if a.X == nil && b.X == nil {
			return cmpInt(a.I, b.I)
		}
		return a.BigUnscaled().Cmp(b.BigUnscaled())
	case KindString, KindBytes:
		return strings.Compare(a.S, b.S)
	case KindArray, KindRow:
		return compareSlices(a.X.([]Value), b.X.([]Value), t)
	case KindMap:
		ma, mb := a.MapV(), b.MapV()
		if c := cmpInt(int64(len(ma.Keys)), int64(len(mb.Keys))); c != 0 {
			return c
		}
		var kt, vt Type
		if t.Key != nil {
			kt, vt = *t.Key, *t.Elem
		}
		for i := range ma.Keys {
			if c := Compare(ma.Keys[i], mb.Keys[i], kt); c != 0 {
				return c
			}
			if c := Compare(ma.Values[i], mb.Values[i], vt); c != 0 {
				return c
			}
		}
	}
	return 0
}

func compareSlices(a, b []Value, t Type) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		var et Type
		switch {
		case t.Elem != nil:
			et = *t.Elem
		case i < len(t.Fields):
			et = t.Fields[i].Type
		}
		if c := Compare(a[i], b[i], et); c != 0 {
			return c
		}
	}
	return cmpInt(int64(len(a)), int64(len(b)))
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// cmpFloat orders floats with NaN greatest, as Java's Double.compare.
func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	case a == b:
		return 0
	}
	an, bn := math.IsNaN(a), math.IsNaN(b)
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	}
	return -1
}

// Equal reports whether two values are identical (NULL equals NULL here;
// SQL '=' is the functions package's business).
func Equal(a, b Value) bool {
	if a.K != b.K {
		return false
	}
	switch a.K {
	case KindNull:
		return true
	case KindBool, KindInt, KindFloat:
		return a.I == b.I
	case KindDecimal:
		if a.X == nil && b.X == nil {
			return a.I == b.I
		}
		return a.BigUnscaled().Cmp(b.BigUnscaled()) == 0
	case KindString, KindBytes:
		return a.S == b.S
	case KindArray, KindRow:
		x, y := a.X.([]Value), b.X.([]Value)
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if !Equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case KindMap:
		x, y := a.MapV(), b.MapV()
		if len(x.Keys) != len(y.Keys) {
			return false
		}
		for i := range x.Keys {
			if !Equal(x.Keys[i], y.Keys[i]) || !Equal(x.Values[i], y.Values[i]) {
				return false
			}
		}
		return true
	}
	return false
}
