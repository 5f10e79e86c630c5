package functions

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sluicehq/sluice/internal/types"
)

// String functions with Flink's semantics. Positions are 1-based and count
// characters (code points), as Flink's BinaryStringData does.

func stringFuncs() []*Func {
	fs := []simple{
		{name: "UPPER", args: []argKind{kStr}, ret: retArg0, f1: func(a types.Value) types.Value { return str(strings.ToUpper(a.S)) }},
		{name: "LOWER", args: []argKind{kStr}, ret: retArg0, f1: func(a types.Value) types.Value { return str(strings.ToLower(a.S)) }},
		{name: "INITCAP", args: []argKind{kStr}, ret: retArg0, f1: func(a types.Value) types.Value { return str(initcap(a.S)) }},
		{name: "CHAR_LENGTH", args: []argKind{kStr}, ret: retInt, f1: charLength},
		{name: "CHARACTER_LENGTH", args: []argKind{kStr}, ret: retInt, f1: charLength},
		{name: "SUBSTRING", args: []argKind{kStr, kInt}, opt: []argKind{kInt}, ret: retString,
			f2: func(s, p types.Value) types.Value { return substringSQL(s.S, p.I, 1<<31-1) },
			f3: func(s, p, l types.Value) types.Value { return substringSQL(s.S, p.I, l.I) }},
		{name: "POSITION", args: []argKind{kStr, kStr}, ret: retInt,
			f2: func(a, b types.Value) types.Value { return i64(locate(a.S, b.S, 1)) }},
		{name: "LOCATE", args: []argKind{kStr, kStr}, opt: []argKind{kInt}, ret: retInt,
			f2: func(a, b types.Value) types.Value { return i64(locate(a.S, b.S, 1)) },
			f3: func(a, b, c types.Value) types.Value { return i64(locate(a.S, b.S, c.I)) }},
		{name: "CONCAT", args: []argKind{kStr}, variadic: true, rest: kStr, ret: retString,
			f2: func(a, b types.Value) types.Value { return str(a.S + b.S) },
			fn: func(vs []types.Value) types.Value {
				var sb strings.Builder
				for _, v := range vs {
					sb.WriteString(v.S)
				}
				return str(sb.String())
			}},
		{name: "||", args: []argKind{kStr, kStr}, ret: retString,
			f2: func(a, b types.Value) types.Value { return str(a.S + b.S) }},
		{name: "CONCAT_WS", args: []argKind{kStr}, variadic: true, rest: kStr, nullOK: true, ret: concatWSType, keepNull: true,
			fn: func(vs []types.Value) types.Value {
				if vs[0].K == types.KindNull {
					return types.Value{}
				}
				var parts []string
				for _, v := range vs[1:] {
					if v.K != types.KindNull {
						parts = append(parts, v.S)
					}
				}
				return str(strings.Join(parts, vs[0].S))
			}},
		{name: "TRIM", args: []argKind{kAny}, opt: []argKind{kStr, kStr}, ret: trimType, compile: compileTrim},
		{name: "LTRIM", args: []argKind{kStr}, opt: []argKind{kStr}, ret: retString,
			f1: func(a types.Value) types.Value { return str(strings.TrimLeft(a.S, " ")) },
			f2: func(a, b types.Value) types.Value { return str(strings.TrimLeft(a.S, b.S)) }},
		{name: "RTRIM", args: []argKind{kStr}, opt: []argKind{kStr}, ret: retString,
			f1: func(a types.Value) types.Value { return str(strings.TrimRight(a.S, " ")) },
			f2: func(a, b types.Value) types.Value { return str(strings.TrimRight(a.S, b.S)) }},
		{name: "REPLACE", args: []argKind{kStr, kStr, kStr}, ret: retString,
			f3: func(a, b, c types.Value) types.Value { return str(strings.ReplaceAll(a.S, b.S, c.S)) }},
		{name: "SPLIT_INDEX", args: []argKind{kStr, kStr, kInt}, ret: retString, f3: splitIndex},
		{name: "LPAD", args: []argKind{kStr, kInt, kStr}, ret: retString,
			f3: func(s, n, p types.Value) types.Value { return pad(s.S, n.I, p.S, true) }},
		{name: "RPAD", args: []argKind{kStr, kInt, kStr}, ret: retString,
			f3: func(s, n, p types.Value) types.Value { return pad(s.S, n.I, p.S, false) }},
		{name: "REPEAT", args: []argKind{kStr, kInt}, ret: retString,
			f2: func(s, n types.Value) types.Value {
				if n.I <= 0 {
					return str("")
				}
				if int64(len(s.S))*n.I > 1<<30 {
					Fail("REPEAT", "result too large")
				}
				return str(strings.Repeat(s.S, int(n.I)))
			}},
		{name: "REVERSE", args: []argKind{kStr}, ret: retString, f1: func(a types.Value) types.Value {
			r := []rune(a.S)
			for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
				r[i], r[j] = r[j], r[i]
			}
			return str(string(r))
		}},
		{name: "ASCII", args: []argKind{kStr}, ret: retInt, f1: func(a types.Value) types.Value {
			if a.S == "" {
				return i64(0)
			}
			r, _ := utf8.DecodeRuneInString(a.S)
			return i64(int64(r))
		}},
		// CHR(n) is the character with code n & 0xFF ("" for negative n), as
		// Flink's SqlFunctionUtils.chr.
		{name: "CHR", args: []argKind{kInt}, ret: retString, f1: func(a types.Value) types.Value {
			if a.I < 0 {
				return str("")
			}
			return str(string(rune(a.I & 0xFF)))
		}},
		{name: "MD5", args: []argKind{kStrB}, ret: retString, f1: func(a types.Value) types.Value {
			h := md5.Sum([]byte(a.S))
			return str(hex.EncodeToString(h[:]))
		}},
		{name: "SHA1", args: []argKind{kStrB}, ret: retString, f1: func(a types.Value) types.Value {
			h := sha1.Sum([]byte(a.S))
			return str(hex.EncodeToString(h[:]))
		}},
		{name: "SHA256", args: []argKind{kStrB}, ret: retString, f1: func(a types.Value) types.Value {
			h := sha256.Sum256([]byte(a.S))
			return str(hex.EncodeToString(h[:]))
		}},
		{name: "TO_BASE64", args: []argKind{kStrB}, ret: retString, f1: func(a types.Value) types.Value {
			return str(base64.StdEncoding.EncodeToString([]byte(a.S)))
		}},
		{name: "FROM_BASE64", args: []argKind{kStrB}, ret: retString, f1: func(a types.Value) types.Value {
			b, err := base64.StdEncoding.DecodeString(a.S)
			if err != nil {
				Fail("FROM_BASE64", "invalid base64 input '%s'", a.S)
			}
			return str(string(b))
		}},
		{name: "UUID", ret: ret(types.StringType.NotNull()), keepNull: true, nondet: true, f0: func() types.Value {
			var u [16]byte
			_, _ = rand.Read(u[:])
			u[6] = u[6]&0x0f | 0x40
			u[8] = u[8]&0x3f | 0x80
			return str(fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:]))
		}},
		{name: "STR_TO_MAP", args: []argKind{kStr}, opt: []argKind{kStr, kStr}, ret: ret(types.MapType(types.StringType, types.StringType)), compile: compileStrToMap},
		{name: "JSON_VALUE", args: []argKind{kStr, kStr}, ret: retString, compile: compileJSONValue},
	}
	out := make([]*Func, 0, len(fs)+1)
	for _, s := range fs {
		out = append(out, s.toFunc())
	}
	out = append(out, alias("SUBSTR", out[5]))
	return out
}

func concatWSType(args []Arg) (types.Type, error) {
	return types.StringType.WithNullable(args[0].Type.Nullable || args[0].Type.ID == types.Null), nil
}

func charLength(a types.Value) types.Value { return i64(int64(utf8.RuneCountInString(a.S))) }

// initcap upper-cases the first letter of each word and lower-cases the
// rest; words are runs of letters and digits.
func initcap(s string) string {
	var sb strings.Builder
	start := true
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if start {
				sb.WriteRune(unicode.ToUpper(r))
			} else {
				sb.WriteRune(unicode.ToLower(r))
			}
			start = false
		} else {
			sb.WriteRune(r)
			start = true
		}
	}
	return sb.String()
}

// runeOffset returns the byte offset of character i (0-based) in s, or
// len(s).
func runeOffset(s string, i int64) int {
	if i <= 0 {
		return 0
	}
	n := int64(0)
	for pos := range s {
		if n == i {
			return pos
		}
		n++
	}
	return len(s)
}

// substringSQL is Flink's BinaryStringDataUtil.substringSQL: pos > 0 is
// 1-based, pos < 0 counts from the end, pos 0 is the start; a negative
// length gives NULL.
func substringSQL(s string, pos, length int64) types.Value {
	if length < 0 {
		return types.Value{}
	}
	if s == "" {
		return str("")
	}
	n := int64(utf8.RuneCountInString(s))
	var start int64
	switch {
	case pos > 0:
		start = pos - 1
		if start >= n {
			return str("")
		}
	case pos < 0:
		start = n + pos
		if start < 0 {
			return str("")
		}
	}
	end := start + length
	if n-start < length {
		end = n
	}
	if n == int64(len(s)) { // ASCII
		return str(s[start:end])
	}
	b := runeOffset(s, start)
	e := b + runeOffset(s[b:], end-start)
	return str(s[b:e])
}

// locate returns the 1-based character position of needle in s at or after
// character position from, or 0.
func locate(needle, s string, from int64) int64 {
	if from < 1 || from-1 > int64(utf8.RuneCountInString(s)) {
		return 0
	}
	off := runeOffset(s, from-1)
	i := strings.Index(s[off:], needle)
	if i < 0 {
		return 0
	}
	return from + int64(utf8.RuneCountInString(s[off:off+i]))
}

func splitIndex(s, sep, idx types.Value) types.Value {
	if idx.I < 0 || s.S == "" {
		return types.Value{}
	}
	d := sep.S
	if d == "" {
		d = " "
	}
	// Walk to the idx-th field without splitting the whole string.
	rest := s.S
	for i := int64(0); i < idx.I; i++ {
		j := strings.Index(rest, d)
		if j < 0 {
			return types.Value{}
		}
		rest = rest[j+len(d):]
	}
	if j := strings.Index(rest, d); j >= 0 {
		rest = rest[:j]
	}
	return str(rest)
}

// pad is LPAD/RPAD: NULL for a negative length or empty pad; a string
// longer than n is cut to n characters.
func pad(s string, n int64, p string, left bool) types.Value {
	if n < 0 || p == "" {
		return types.Value{}
	}
	rs := []rune(s)
	if int64(len(rs)) >= n {
		return str(string(rs[:n]))
	}
	if n > 1<<28 {
		Fail("PAD", "result too large")
	}
	ps := []rune(p)
	fill := make([]rune, 0, n-int64(len(rs)))
	for i := 0; int64(len(fill)) < n-int64(len(rs)); i++ {
		fill = append(fill, ps[i%len(ps)])
	}
	if left {
		return str(string(fill) + s)
	}
	return str(s + string(fill))
}

// TRIM(s) or TRIM(Symbol BOTH|LEADING|TRAILING, chars, s): removes any of
// the characters in chars (default space).
func trimType(args []Arg) (types.Type, error) {
	switch len(args) {
	case 1:
		if !kStr.accepts(args[0]) {
			return types.Type{}, fmt.Errorf("TRIM expects a STRING, got (%s)", typeList(args))
		}
	case 3:
		switch strings.ToUpper(args[0].Symbol) {
		case "BOTH", "LEADING", "TRAILING":
		default:
			return types.Type{}, fmt.Errorf("TRIM expects BOTH, LEADING or TRAILING, got (%s)", typeList(args))
		}
		if !kStr.accepts(args[1]) || !kStr.accepts(args[2]) {
			return types.Type{}, fmt.Errorf("TRIM expects STRING arguments, got (%s)", typeList(args))
		}
	default:
		return types.Type{}, fmt.Errorf("TRIM expects TRIM(s) or TRIM(BOTH|LEADING|TRAILING, chars, s)")
	}
	return types.StringType, nil
}

func compileTrim(args []Arg, _ types.Type) (Eval, error) {
	if len(args) == 1 {
		x := args[0].Eval
		return func(r types.Row) types.Value {
			v := x(r)
			if v.K == types.KindNull {
				return v
			}
			return str(strings.Trim(v.S, " "))
		}, nil
	}
	mode := strings.ToUpper(args[0].Symbol)
	left, right := mode != "TRAILING", mode != "LEADING"
	c, x := args[1].Eval, args[2].Eval
	return func(r types.Row) types.Value {
		cs := c(r)
		if cs.K == types.KindNull {
			return cs
		}
		v := x(r)
		if v.K == types.KindNull {
			return v
		}
		s := v.S
		if left {
			s = strings.TrimLeft(s, cs.S)
		}
		if right {
			s = strings.TrimRight(s, cs.S)
		}
		return str(s)
	}, nil
}
