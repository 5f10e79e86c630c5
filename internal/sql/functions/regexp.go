package functions

import (
	"encoding/json"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/internal/types"
)

// Pattern functions: LIKE, SIMILAR TO, REGEXP, REGEXP_EXTRACT,
// REGEXP_REPLACE, plus STR_TO_MAP and JSON_VALUE.
//
// Flink's regular expressions are Java's; Sluice runs them on Go's RE2
// after translating the POSIX classes \p{Alpha}, \p{Digit}, \p{Alnum},
// \p{Upper}, \p{Lower}, \p{Punct}, \p{Space}. Back-references, lookaround
// and possessive quantifiers are not supported by RE2: such a pattern fails
// to compile, which (as an invalid pattern in Flink) makes the function
// return NULL. Constant patterns are compiled once in Compile.

func regexpFuncs() []*Func {
	fs := []simple{
		{name: "LIKE", args: []argKind{kStr, kStr}, opt: []argKind{kStr}, ret: retBool, compile: compileLike},
		{name: "SIMILAR TO", args: []argKind{kStr, kStr}, ret: retBool, compile: compileSimilar},
		{name: "REGEXP", args: []argKind{kStr, kStr}, ret: retBool, compile: compileRegexp},
		{name: "REGEXP_EXTRACT", args: []argKind{kStr, kStr}, opt: []argKind{kInt}, ret: ret(types.StringType), compile: compileRegexpExtract},
		{name: "REGEXP_REPLACE", args: []argKind{kStr, kStr, kStr}, ret: ret(types.StringType), compile: compileRegexpReplace},
	}
	out := make([]*Func, len(fs))
	for i, s := range fs {
		out[i] = s.toFunc()
	}
	// Flink marks these nullable: a bad pattern or no match gives NULL.
	for _, f := range out[2:] {
		inf := f.Infer
		f.Infer = func(args []Arg) (types.Type, error) {
			t, err := inf(args)
			t.Nullable = true
			return t, err
		}
	}
	return out
}

var posixClasses = strings.NewReplacer(
	`\p{Alpha}`, `[a-zA-Z]`, `\p{Digit}`, `[0-9]`, `\p{Alnum}`, `[a-zA-Z0-9]`,
	`\p{Upper}`, `[A-Z]`, `\p{Lower}`, `[a-z]`, `\p{Punct}`, `[!-/:-@\[-`+"`"+`{-~]`,
	`\p{Space}`, `\s`, `\p{XDigit}`, `[0-9a-fA-F]`,
)

// compileJava compiles a Java regular expression.
func compileJava(p string) (*regexp.Regexp, error) {
	return regexp.Compile(posixClasses.Replace(p))
}

// matcher is a compiled pattern with a prefilter: lit is a literal every
// match must contain, so a string without it cannot match and the regexp
// engine (a backtracker, slow) is skipped.
type matcher struct {
	re  *regexp.Regexp
	lit string
}

func newMatcher(re *regexp.Regexp) *matcher {
	m := &matcher{re: re}
	if tree, err := syntax.Parse(re.String(), syntax.Perl); err == nil {
		m.lit = requiredLiteral(tree.Simplify())
	}
	return m
}

// mayMatch is false when s certainly has no match.
func (m *matcher) mayMatch(s string) bool {
	return m.lit == "" || strings.Contains(s, m.lit)
}

// requiredLiteral returns the longest case-sensitive literal that every
// match of re contains ("" if none is known).
func requiredLiteral(re *syntax.Regexp) string {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return ""
		}
		return string(re.Rune)
	case syntax.OpCapture:
		return requiredLiteral(re.Sub[0])
	case syntax.OpPlus:
		return requiredLiteral(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return requiredLiteral(re.Sub[0])
		}
	case syntax.OpConcat:
		best := ""
		run := ""
		for _, sub := range re.Sub {
			if sub.Op == syntax.OpLiteral && sub.Flags&syntax.FoldCase == 0 {
				run += string(sub.Rune) // adjacent literals form one run
				if len(run) > len(best) {
					best = run
				}
				continue
			}
			run = ""
			if l := requiredLiteral(sub); len(l) > len(best) {
				best = l
			}
		}
		return best
	}
	return ""
}

// patternEval returns, per row, the matcher of args[i]: compiled once if
// constant, else cached on the last pattern text.
func patternEval(a Arg, translate func(string) (string, error)) (func(types.Row) (*matcher, bool), error) {
	comp := func(p string) (*matcher, error) {
		var re *regexp.Regexp
		var err error
		if translate != nil {
			q, terr := translate(p)
			if terr != nil {
				return nil, terr
			}
			re, err = regexp.Compile(q)
		} else {
			re, err = compileJava(p)
		}
		if err != nil {
			return nil, err
		}
		return newMatcher(re), nil
	}
	if a.Const != nil {
		if a.Const.K == types.KindNull {
			return func(types.Row) (*matcher, bool) { return nil, false }, nil
		}
		m, err := comp(a.Const.S)
		return func(types.Row) (*matcher, bool) { return m, err == nil }, nil
	}
	e := a.Eval
	var lastText string
	var last *matcher
	var lastErr error
	return func(r types.Row) (*matcher, bool) {
		v := e(r)
		if v.K == types.KindNull {
			return nil, false
		}
		if last == nil && lastErr == nil || v.S != lastText {
			lastText = v.S
			last, lastErr = comp(v.S)
		}
		return last, lastErr == nil
	}, nil
}

// likeToRegexp translates a SQL LIKE pattern ('%' any run, '_' one
// character, esc escaping the next character) to an anchored regexp.
func likeToRegexp(p string, esc rune) (string, error) {
	var sb strings.Builder
	sb.WriteString(`(?s)^`)
	rs := []rune(p)
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch {
		case esc != 0 && c == esc:
			if i+1 >= len(rs) {
				return "", fmt.Errorf("invalid escape sequence in LIKE pattern '%s'", p)
			}
			i++
			sb.WriteString(regexp.QuoteMeta(string(rs[i])))
		case c == '%':
			sb.WriteString(`.*`)
		case c == '_':
			sb.WriteString(`.`)
		default:
			sb.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	sb.WriteString(`$`)
	return sb.String(), nil
}

func compileLike(args []Arg, _ types.Type) (Eval, error) {
	var esc rune
	if len(args) == 3 {
		if args[2].Const == nil || args[2].Const.K == types.KindNull || len([]rune(args[2].Const.S)) != 1 {
			return nil, fmt.Errorf("LIKE: ESCAPE must be a single-character literal")
		}
		esc = []rune(args[2].Const.S)[0]
	}
	x := args[0].Eval
	if p := args[1].Const; p != nil && p.K != types.KindNull {
		if m := likeFastPath(p.S, esc); m != nil {
			return func(r types.Row) types.Value {
				v := x(r)
				if v.K == types.KindNull {
					return v
				}
				return boolVal(m(v.S))
			}, nil
		}
	}
	pat, err := patternEval(args[1], func(p string) (string, error) { return likeToRegexp(p, esc) })
	if err != nil {
		return nil, err
	}
	if c := args[1].Const; c != nil && c.K != types.KindNull {
		if _, err := likeToRegexp(c.S, esc); err != nil {
			return nil, err
		}
	}
	return func(r types.Row) types.Value {
		v := x(r)
		if v.K == types.KindNull {
			return v
		}
		m, ok := pat(r)
		if !ok {
			return types.Value{}
		}
		return boolVal(m.mayMatch(v.S) && m.re.MatchString(v.S))
	}, nil
}

// likeFastPath handles constant patterns without '_' or escapes whose '%'
// are only at the ends: exact, prefix, suffix, contains.
func likeFastPath(p string, esc rune) func(string) bool {
	if strings.ContainsRune(p, '_') || (esc != 0 && strings.ContainsRune(p, esc)) {
		return nil
	}
	core := strings.Trim(p, "%")
	if strings.Contains(core, "%") {
		return nil
	}
	pre, suf := strings.HasPrefix(p, "%"), strings.HasSuffix(p, "%") && len(p) > 0
	switch {
	case p == "%" || p == "%%":
		return func(string) bool { return true }
	case pre && suf:
		return func(s string) bool { return strings.Contains(s, core) }
	case pre:
		return func(s string) bool { return strings.HasSuffix(s, core) }
	case suf:
		return func(s string) bool { return strings.HasPrefix(s, core) }
	}
	return func(s string) bool { return s == core }
}

// similarToRegexp translates SQL SIMILAR TO: '%' and '_' as in LIKE, the
// regex operators | * + ? {m,n} ( ) [ ] kept; the whole string must match.
func similarToRegexp(p string) (string, error) {
	var sb strings.Builder
	sb.WriteString(`(?s)^(?:`)
	for _, c := range p {
		switch c {
		case '%':
			sb.WriteString(`.*`)
		case '_':
			sb.WriteString(`.`)
		case '|', '*', '+', '?', '{', '}', '(', ')', '[', ']', '-', '^', ',':
			sb.WriteRune(c)
		default:
			sb.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	sb.WriteString(`)$`)
	return sb.String(), nil
}

func compileSimilar(args []Arg, _ types.Type) (Eval, error) {
	if c := args[1].Const; c != nil && c.K != types.KindNull {
		q, _ := similarToRegexp(c.S)
		if _, err := regexp.Compile(q); err != nil {
			return nil, fmt.Errorf("SIMILAR TO: invalid pattern '%s': %v", c.S, err)
		}
	}
	return matchEval(args, similarToRegexp)
}

func compileRegexp(args []Arg, _ types.Type) (Eval, error) { return matchEval(args, nil) }

func matchEval(args []Arg, translate func(string) (string, error)) (Eval, error) {
	x := args[0].Eval
	pat, err := patternEval(args[1], translate)
	if err != nil {
		return nil, err
	}
	return func(r types.Row) types.Value {
		v := x(r)
		if v.K == types.KindNull {
			return v
		}
		m, ok := pat(r)
		if !ok {
			return types.Value{}
		}
		return boolVal(m.mayMatch(v.S) && m.re.MatchString(v.S))
	}, nil
}

// REGEXP_EXTRACT(s, regex [, group]): the group (default 0, the whole
// match) of the first match; NULL if no match, the group does not exist or
// the pattern is invalid.
func compileRegexpExtract(args []Arg, _ types.Type) (Eval, error) {
	x := args[0].Eval
	pat, err := patternEval(args[1], nil)
	if err != nil {
		return nil, err
	}
	g := Eval(func(types.Row) types.Value { return i64(0) })
	if len(args) == 3 {
		g = args[2].Eval
	}
	return func(r types.Row) types.Value {
		v := x(r)
		if v.K == types.KindNull {
			return v
		}
		gi := g(r)
		if gi.K == types.KindNull {
			return gi
		}
		mt, ok := pat(r)
		if !ok || gi.I < 0 || gi.I > int64(mt.re.NumSubexp()) || !mt.mayMatch(v.S) {
			return types.Value{}
		}
		m := mt.re.FindStringSubmatchIndex(v.S)
		if m == nil || m[2*gi.I] < 0 {
			return types.Value{}
		}
		return str(v.S[m[2*gi.I]:m[2*gi.I+1]])
	}, nil
}

// javaReplacement converts a Java replacement string ($1, \$) to Go's
// (${1}, $$).
func javaReplacement(s string) string {
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
			if s[i] == '$' {
				sb.WriteString("$$")
			} else {
				sb.WriteByte(s[i])
			}
		case c == '$':
			j := i + 1
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			sb.WriteString("${" + s[i+1:j] + "}")
			i = j - 1
		default:
			sb.WriteByte(c)
		}
	}
	return sb.String()
}

func compileRegexpReplace(args []Arg, _ types.Type) (Eval, error) {
	x, rep := args[0].Eval, args[2].Eval
	pat, err := patternEval(args[1], nil)
	if err != nil {
		return nil, err
	}
	return func(r types.Row) types.Value {
		v := x(r)
		if v.K == types.KindNull {
			return v
		}
		rp := rep(r)
		if rp.K == types.KindNull {
			return rp
		}
		m, ok := pat(r)
		if !ok {
			return types.Value{}
		}
		if !m.mayMatch(v.S) {
			return v
		}
		return str(m.re.ReplaceAllString(v.S, javaReplacement(rp.S)))
	}, nil
}

// STR_TO_MAP(s [, pairDelimiter, keyValueDelimiter]): the delimiters are
// regular expressions (defaults ',' and '='); a key without a value maps to
// NULL.
func compileStrToMap(args []Arg, _ types.Type) (Eval, error) {
	x := args[0].Eval
	pd := Arg{Type: types.StringType, Const: ptr(str(",")), Eval: func(types.Row) types.Value { return str(",") }}
	kd := Arg{Type: types.StringType, Const: ptr(str("=")), Eval: func(types.Row) types.Value { return str("=") }}
	if len(args) > 1 {
		pd = args[1]
	}
	if len(args) > 2 {
		kd = args[2]
	}
	pp, err := patternEval(pd, nil)
	if err != nil {
		return nil, err
	}
	kp, err := patternEval(kd, nil)
	if err != nil {
		return nil, err
	}
	return func(r types.Row) types.Value {
		v := x(r)
		if v.K == types.KindNull {
			return v
		}
		pre, ok1 := pp(r)
		kre, ok2 := kp(r)
		if !ok1 || !ok2 {
			return types.Value{}
		}
		var keys, vals []types.Value
		for _, pair := range pre.re.Split(v.S, -1) {
			kv := kre.re.Split(pair, 2)
			key := str(kv[0])
			val := types.Value{}
			if len(kv) == 2 {
				val = str(kv[1])
			}
			replaced := false
			for i := range keys {
				if keys[i].S == key.S {
					vals[i], replaced = val, true
				}
			}
			if !replaced {
				keys = append(keys, key)
				vals = append(vals, val)
			}
		}
		return types.MapOf(keys, vals)
	}, nil
}

func ptr(v types.Value) *types.Value { return &v }

// JSON_VALUE(json, path): the scalar at a simple JSONPath ($.a.b, $.a[0],
// $['a']) as STRING; NULL when the input is not JSON, the path is missing
// or points at an object or array (Flink's default NULL ON EMPTY / NULL ON
// ERROR).
func compileJSONValue(args []Arg, _ types.Type) (Eval, error) {
	x, pe := args[0].Eval, args[1].Eval
	var constPath []pathStep
	if c := args[1].Const; c != nil && c.K != types.KindNull {
		p, err := parseJSONPath(c.S)
		if err != nil {
			return nil, fmt.Errorf("JSON_VALUE: %v", err)
		}
		constPath = p
	}
	return func(r types.Row) types.Value {
		v := x(r)
		if v.K == types.KindNull {
			return v
		}
		path := constPath
		if path == nil {
			pv := pe(r)
			if pv.K == types.KindNull {
				return pv
			}
			p, err := parseJSONPath(pv.S)
			if err != nil {
				return types.Value{}
			}
			path = p
		}
		return jsonLookup(v.S, path)
	}, nil
}

type pathStep struct {
	key   string
	index int // -1 for a key step
}

func parseJSONPath(p string) ([]pathStep, error) {
	p = strings.TrimSpace(p)
	if strings.HasPrefix(p, "lax ") || strings.HasPrefix(p, "strict ") {
		p = strings.TrimSpace(p[strings.IndexByte(p, ' '):])
	}
	if !strings.HasPrefix(p, "$") {
		return nil, fmt.Errorf("path '%s' must start with '$'", p)
	}
	steps := []pathStep{}
	s := p[1:]
	for s != "" {
		switch {
		case s[0] == '.':
			s = s[1:]
			i := strings.IndexAny(s, ".[")
			if i < 0 {
				i = len(s)
			}
			if i == 0 {
				return nil, fmt.Errorf("empty key in path '%s'", p)
			}
			steps = append(steps, pathStep{key: s[:i], index: -1})
			s = s[i:]
		case s[0] == '[':
			j := strings.IndexByte(s, ']')
			if j < 0 {
				return nil, fmt.Errorf("unclosed '[' in path '%s'", p)
			}
			in := strings.TrimSpace(s[1:j])
			if len(in) >= 2 && (in[0] == '\'' || in[0] == '"') {
				steps = append(steps, pathStep{key: in[1 : len(in)-1], index: -1})
			} else {
				n, err := strconv.Atoi(in)
				if err != nil || n < 0 {
					return nil, fmt.Errorf("bad index '%s' in path '%s'", in, p)
				}
				steps = append(steps, pathStep{index: n})
			}
			s = s[j+1:]
		default:
			return nil, fmt.Errorf("unexpected '%c' in path '%s'", s[0], p)
		}
	}
	return steps, nil
}

func jsonLookup(doc string, path []pathStep) types.Value {
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return types.Value{}
	}
	for _, st := range path {
		switch c := v.(type) {
		case map[string]any:
			if st.index >= 0 {
				return types.Value{}
			}
			var ok bool
			if v, ok = c[st.key]; !ok {
				return types.Value{}
			}
		case []any:
			if st.index < 0 || st.index >= len(c) {
				return types.Value{}
			}
			v = c[st.index]
		default:
			return types.Value{}
		}
	}
	switch s := v.(type) {
	case string:
		return str(s)
	case json.Number:
		return str(s.String())
	case bool:
		return str(strconv.FormatBool(s))
	}
	return types.Value{}
}
