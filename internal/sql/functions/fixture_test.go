package functions

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/sluicehq/sluice/internal/types"
)

// The fixtures in testdata/*.txt hold one case per line:
//
//	SUBSTRING('hello', 2, 3) -> VARCHAR(2147483647) 'ell'
//
// The left side is a small SQL expression language parsed here (the real
// parser lives elsewhere and is not a dependency): literals as in Flink
// ('abc' is CHAR(3), 1 INT, 1.5 DECIMAL(2,1), 1.5E0 DOUBLE, DATE '...',
// TIME '...', TIMESTAMP '...', INTERVAL '3' DAY|HOUR|MINUTE|SECOND|MONTH|YEAR),
// infix operators, CAST/TRY_CAST, ARRAY[..], MAP[..], x[i], calls, and bare
// upper-case words as Symbol arguments. NC(x) hides that x is constant so
// the per-row path is exercised. Calls on constants are folded as the
// planner would. The right side is the result type (without NOT NULL) and
// value ('quoted' strings, FormatSQL otherwise), or ERROR <message> for a
// runtime error, or PLANERROR <message> for an Infer/Compile error.
// Run with -rewrite to regenerate the right-hand sides.

var rewrite = flag.Bool("rewrite", false, "rewrite testdata expectations")

var fixedNow = time.Date(2020, 4, 15, 8, 5, 1, 123456789, time.UTC)

func testRegistry() *Registry {
	return NewBuiltins(Options{Now: func() time.Time { return fixedNow }, Seed: 42})
}

func TestFixtures(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.txt")
	if len(files) == 0 {
		t.Fatal("no fixtures")
	}
	reg := testRegistry()
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(string(data), "\n")
			changed := false
			for i, line := range lines {
				trim := strings.TrimSpace(line)
				if trim == "" || strings.HasPrefix(trim, "#") {
					continue
				}
				k := strings.LastIndex(line, " -> ")
				if k < 0 {
					t.Errorf("%s:%d: missing ' -> '", file, i+1)
					continue
				}
				expr, want := line[:k], strings.TrimSpace(line[k+4:])
				got := evalFixture(reg, expr)
				if got != want {
					if *rewrite {
						lines[i] = expr + " -> " + got
						changed = true
						continue
					}
					t.Errorf("%s:%d: %s\n   got: %s\n  want: %s", file, i+1, expr, got, want)
				}
			}
			if changed {
				if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func evalFixture(reg *Registry, src string) (out string) {
	p := &fparser{src: src, reg: reg}
	p.next()
	a, err := p.parseExpr()
	if err == nil && p.tok != "" {
		err = fmt.Errorf("unexpected %q", p.tok)
	}
	if err != nil {
		return "PLANERROR " + err.Error()
	}
	defer func() {
		if r := recover(); r != nil {
			var ee *EvalError
			if e, ok := r.(error); ok && errors.As(e, &ee) {
				out = "ERROR " + ee.Msg
				return
			}
			panic(r)
		}
	}()
	v := a.Eval(nil)
	return renderResult(v, a.Type)
}

func renderResult(v types.Value, t types.Type) string {
	ts := strings.TrimSuffix(t.WithNullable(true).WithTimeAttr(types.NoTimeAttr).String(), " NOT NULL")
	if v.IsNull() {
		return ts + " NULL"
	}
	s := types.FormatSQL(v, t)
	if t.IsString() {
		s = "'" + s + "'"
	}
	return ts + " " + s
}

// ---- a tiny expression parser ----

type fparser struct {
	src  string
	pos  int
	tok  string
	kind byte // 'i' ident, 'n' number, 's' string, 'p' punct, 0 EOF
	reg  *Registry
}

func (p *fparser) next() {
	for p.pos < len(p.src) && p.src[p.pos] == ' ' {
		p.pos++
	}
	if p.pos >= len(p.src) {
		p.tok, p.kind = "", 0
		return
	}
	c := p.src[p.pos]
	start := p.pos
	switch {
	case c == '\'':
		var sb strings.Builder
		p.pos++
		for p.pos < len(p.src) {
			if p.src[p.pos] == '\'' {
				if p.pos+1 < len(p.src) && p.src[p.pos+1] == '\'' {
					sb.WriteByte('\'')
					p.pos += 2
					continue
				}
				break
			}
			sb.WriteByte(p.src[p.pos])
			p.pos++
		}
		p.pos++
		p.tok, p.kind = sb.String(), 's'
	case c >= '0' && c <= '9' || c == '.' && p.pos+1 < len(p.src) && p.src[p.pos+1] >= '0' && p.src[p.pos+1] <= '9':
		for p.pos < len(p.src) && (p.src[p.pos] >= '0' && p.src[p.pos] <= '9' || p.src[p.pos] == '.' ||
			p.src[p.pos] == 'E' || (p.src[p.pos] == '-' || p.src[p.pos] == '+') && p.src[p.pos-1] == 'E') {
			p.pos++
		}
		p.tok, p.kind = p.src[start:p.pos], 'n'
	case unicode.IsLetter(rune(c)) || c == '_':
		for p.pos < len(p.src) && (unicode.IsLetter(rune(p.src[p.pos])) || unicode.IsDigit(rune(p.src[p.pos])) || p.src[p.pos] == '_') {
			p.pos++
		}
		p.tok, p.kind = p.src[start:p.pos], 'i'
	default:
		for _, op := range []string{"<>", "<=", ">=", "||"} {
			if strings.HasPrefix(p.src[p.pos:], op) {
				p.pos += 2
				p.tok, p.kind = op, 'p'
				return
			}
		}
		p.pos++
		p.tok, p.kind = string(c), 'p'
	}
}

func (p *fparser) is(words ...string) bool {
	for _, w := range words {
		if strings.EqualFold(p.tok, w) && p.kind != 's' {
			return true
		}
	}
	return false
}

func (p *fparser) expect(w string) error {
	if !p.is(w) {
		return fmt.Errorf("expected %s, got %q", w, p.tok)
	}
	p.next()
	return nil
}

// call infers, compiles and folds a function application.
func (p *fparser) call(name string, args ...Arg) (Arg, error) {
	f, err := p.reg.Lookup(name)
	if err != nil {
		return Arg{}, err
	}
	t, err := f.Infer(args)
	if err != nil {
		return Arg{}, err
	}
	ev, err := f.Compile(args, t)
	if err != nil {
		return Arg{}, err
	}
	a := Arg{Type: t, Eval: ev}
	allConst := !f.NonDeterministic
	for _, x := range args {
		if x.Const == nil && x.Symbol == "" {
			allConst = false
		}
	}
	if allConst {
		if v, ok := tryFold(ev); ok {
			a.Const = &v
		}
	}
	return a, nil
}

func tryFold(ev Eval) (v types.Value, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return ev(nil), true
}

func lit(v types.Value, t types.Type) Arg {
	return Arg{Type: t, Const: &v, Eval: func(types.Row) types.Value { return v }}
}

func (p *fparser) parseExpr() (Arg, error) { return p.binary(0) }

var levels = [][]string{{"OR"}, {"AND"}, {}, {"||"}, {"+", "-"}, {"*", "/", "%"}}

func (p *fparser) binary(level int) (Arg, error) {
	if level == 2 {
		return p.cmp()
	}
	if level >= len(levels) {
		return p.unary()
	}
	left, err := p.binary(level + 1)
	if err != nil {
		return left, err
	}
	for p.kind != 's' && p.is(levels[level]...) {
		op := strings.ToUpper(p.tok)
		p.next()
		right, err := p.binary(level + 1)
		if err != nil {
			return right, err
		}
		if left, err = p.call(op, left, right); err != nil {
			return left, err
		}
	}
	return left, nil
}

func (p *fparser) cmp() (Arg, error) {
	if p.is("NOT") {
		p.next()
		x, err := p.cmp()
		if err != nil {
			return x, err
		}
		return p.call("NOT", x)
	}
	left, err := p.binary(3)
	if err != nil {
		return left, err
	}
	for {
		switch {
		case p.is("=", "<>", "<", "<=", ">", ">="):
			op := p.tok
			p.next()
			right, err := p.binary(3)
			if err != nil {
				return right, err
			}
			if left, err = p.call(op, left, right); err != nil {
				return left, err
			}
		case p.is("IS"):
			p.next()
			not := ""
			if p.is("NOT") {
				not = "NOT "
				p.next()
			}
			if p.is("DISTINCT") {
				p.next()
				if err := p.expect("FROM"); err != nil {
					return left, err
				}
				right, err := p.binary(3)
				if err != nil {
					return right, err
				}
				return p.call("IS "+not+"DISTINCT FROM", left, right)
			}
			w := strings.ToUpper(p.tok)
			p.next()
			if left, err = p.call("IS "+not+w, left); err != nil {
				return left, err
			}
		case p.is("LIKE", "SIMILAR", "BETWEEN", "IN") || p.is("NOT"):
			neg := false
			if p.is("NOT") {
				neg = true
				p.next()
			}
			op := strings.ToUpper(p.tok)
			p.next()
			var args []Arg
			switch op {
			case "SIMILAR":
				if err := p.expect("TO"); err != nil {
					return left, err
				}
				op = "SIMILAR TO"
				fallthrough
			case "LIKE":
				pat, err := p.binary(3)
				if err != nil {
					return pat, err
				}
				args = []Arg{left, pat}
				if p.is("ESCAPE") {
					p.next()
					e, err := p.binary(3)
					if err != nil {
						return e, err
					}
					args = append(args, e)
				}
			case "BETWEEN":
				lo, err := p.binary(3)
				if err != nil {
					return lo, err
				}
				if err := p.expect("AND"); err != nil {
					return lo, err
				}
				hi, err := p.binary(3)
				if err != nil {
					return hi, err
				}
				args = []Arg{left, lo, hi}
				if neg {
					op, neg = "NOT BETWEEN", false
				}
			case "IN":
				if err := p.expect("("); err != nil {
					return left, err
				}
				list, err := p.list(")")
				if err != nil {
					return left, err
				}
				args = append([]Arg{left}, list...)
			}
			if left, err = p.call(op, args...); err != nil {
				return left, err
			}
			if neg {
				if left, err = p.call("NOT", left); err != nil {
					return left, err
				}
			}
		default:
			return left, nil
		}
	}
}

func (p *fparser) list(end string) ([]Arg, error) {
	var out []Arg
	for !p.is(end) {
		if p.kind == 0 {
			return nil, fmt.Errorf("missing %s", end)
		}
		a, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		out = append(out, a)
		if p.is(",") {
			p.next()
		}
	}
	p.next()
	return out, nil
}

func (p *fparser) unary() (Arg, error) {
	if p.is("-") {
		p.next()
		x, err := p.unary()
		if err != nil {
			return x, err
		}
		return p.call("NEG", x)
	}
	x, err := p.primary()
	for err == nil && p.is("[") {
		p.next()
		var i Arg
		if i, err = p.parseExpr(); err != nil {
			return i, err
		}
		if err = p.expect("]"); err != nil {
			return x, err
		}
		x, err = p.call("ITEM", x, i)
	}
	return x, err
}

func (p *fparser) primary() (Arg, error) {
	tok, kind := p.tok, p.kind
	switch {
	case kind == 's':
		p.next()
		return lit(types.StringValue(tok), types.CharType(len([]rune(tok))).NotNull()), nil
	case kind == 'n':
		p.next()
		return numberLit(tok)
	case p.is("("):
		p.next()
		x, err := p.parseExpr()
		if err != nil {
			return x, err
		}
		return x, p.expect(")")
	case kind != 'i':
		return Arg{}, fmt.Errorf("unexpected %q", tok)
	}
	up := strings.ToUpper(tok)
	p.next()
	switch up {
	case "TRUE", "FALSE":
		return lit(types.BoolValue(up == "TRUE"), types.BooleanType.NotNull()), nil
	case "NULL":
		return lit(types.NullValue(), types.NullType), nil
	case "DATE", "TIME", "TIMESTAMP", "TIMESTAMP_LTZ":
		if p.kind == 's' {
			s := p.tok
			p.next()
			return temporalLit(up, s)
		}
	case "INTERVAL":
		s := p.tok
		p.next()
		unit := strings.ToUpper(p.tok)
		p.next()
		return intervalLit(s, unit)
	case "CAST", "TRY_CAST":
		if err := p.expect("("); err != nil {
			return Arg{}, err
		}
		x, err := p.parseExpr()
		if err != nil {
			return x, err
		}
		if err := p.expect("AS"); err != nil {
			return x, err
		}
		t, err := p.parseType()
		if err != nil {
			return x, err
		}
		if err := p.expect(")"); err != nil {
			return x, err
		}
		t.Nullable = x.Type.Nullable || x.Type.ID == types.Null || up == "TRY_CAST"
		f, err := CompileCast(x.Type, t, up == "TRY_CAST")
		if err != nil {
			return x, err
		}
		e := x.Eval
		a := Arg{Type: t, Eval: func(r types.Row) types.Value { return f(e(r)) }}
		if x.Const != nil {
			if v, ok := tryFold(a.Eval); ok {
				a.Const = &v
			}
		}
		return a, nil
	case "ARRAY", "MAP":
		if p.is("[") {
			p.next()
			args, err := p.list("]")
			if err != nil {
				return Arg{}, err
			}
			return p.call(up, args...)
		}
	case "NC":
		if err := p.expect("("); err != nil {
			return Arg{}, err
		}
		x, err := p.parseExpr()
		if err != nil {
			return x, err
		}
		x.Const = nil
		if x.Type.ID != types.Null {
			x.Type.Nullable = true
		}
		return x, p.expect(")")
	}
	if p.is("(") {
		p.next()
		args, err := p.list(")")
		if err != nil {
			return Arg{}, err
		}
		return p.call(up, args...)
	}
	return Arg{Symbol: up}, nil
}

func numberLit(tok string) (Arg, error) {
	switch {
	case strings.ContainsAny(tok, "E"):
		f, err := strconv.ParseFloat(tok, 64)
		return lit(types.FloatValue(f), types.DoubleType.NotNull()), err
	case strings.Contains(tok, "."):
		frac := len(tok) - strings.IndexByte(tok, '.') - 1
		digits := len(strings.TrimLeft(strings.Replace(tok, ".", "", 1), "0"))
		p := max(digits, frac, 1)
		v, err := types.ParseDecimal(tok, p, frac)
		return lit(v, types.DecimalType(p, frac).NotNull()), err
	}
	n, err := strconv.ParseInt(tok, 10, 64)
	if err != nil {
		return Arg{}, err
	}
	if n > 2147483647 {
		return lit(types.IntValue(n), types.BigIntType.NotNull()), nil
	}
	return lit(types.IntValue(n), types.IntType.NotNull()), nil
}

func temporalLit(kind, s string) (Arg, error) {
	switch kind {
	case "DATE":
		d, err := types.ParseDate(s)
		return lit(types.IntValue(d), types.DateType.NotNull()), err
	case "TIME":
		n, err := types.ParseTime(s)
		return lit(types.IntValue(n), types.TimeType(0).NotNull()), err
	}
	n, err := types.ParseTimestamp(s)
	prec := 0
	if i := strings.IndexByte(s, '.'); i >= 0 {
		prec = len(strings.TrimRight(s[i+1:], "Z"))
	}
	t := types.TimestampType(prec)
	if kind == "TIMESTAMP_LTZ" {
		t = types.TimestampLTZType(prec)
	}
	return lit(types.IntValue(n), t.NotNull()), err
}

func intervalLit(s, unit string) (Arg, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return Arg{}, err
	}
	mult := map[string]int64{"DAY": 86400e9, "HOUR": 3600e9, "MINUTE": 60e9, "SECOND": 1e9}
	if m, ok := mult[unit]; ok {
		return lit(types.IntValue(n*m), types.IntervalDT.NotNull()), nil
	}
	switch unit {
	case "MONTH":
		return lit(types.IntValue(n), types.IntervalYM.NotNull()), nil
	case "YEAR":
		return lit(types.IntValue(n*12), types.IntervalYM.NotNull()), nil
	}
	return Arg{}, fmt.Errorf("bad interval unit %s", unit)
}

func (p *fparser) parseType() (types.Type, error) {
	name := strings.ToUpper(p.tok)
	p.next()
	var ps []int
	if p.is("(") {
		p.next()
		for !p.is(")") {
			n, err := strconv.Atoi(p.tok)
			if err != nil {
				return types.Type{}, err
			}
			ps = append(ps, n)
			p.next()
			if p.is(",") {
				p.next()
			}
		}
		p.next()
	}
	arg := func(i, def int) int {
		if i < len(ps) {
			return ps[i]
		}
		return def
	}
	switch name {
	case "BOOLEAN":
		return types.BooleanType, nil
	case "TINYINT":
		return types.TinyIntType, nil
	case "SMALLINT":
		return types.SmallIntType, nil
	case "INT", "INTEGER":
		return types.IntType, nil
	case "BIGINT":
		return types.BigIntType, nil
	case "FLOAT":
		return types.FloatType, nil
	case "DOUBLE":
		return types.DoubleType, nil
	case "DECIMAL":
		return types.DecimalType(arg(0, 10), arg(1, 0)), nil
	case "STRING":
		return types.StringType, nil
	case "VARCHAR":
		return types.VarCharType(arg(0, 1)), nil
	case "CHAR":
		return types.CharType(arg(0, 1)), nil
	case "BYTES":
		return types.BytesType, nil
	case "BINARY":
		return types.Type{ID: types.Binary, Nullable: true, Precision: arg(0, 1)}, nil
	case "DATE":
		return types.DateType, nil
	case "TIME":
		return types.TimeType(arg(0, 0)), nil
	case "TIMESTAMP":
		return types.TimestampType(arg(0, 6)), nil
	case "TIMESTAMP_LTZ":
		return types.TimestampLTZType(arg(0, 6)), nil
	}
	return types.Type{}, fmt.Errorf("unknown type %s", name)
}
