package difftest

import (
	"fmt"
	"strconv"
	"strings"
)

// Expr is a reference expression over a row of Values. SQL renders it fully
// parenthesized; Eval evaluates it on one row.
type Expr interface {
	Type() Type
	SQL() string
	Eval(row []Value) Value
}

// Col reads position Idx; Name is its SQL text (a column name, or an
// aggregate call when the row is a group's result).
type Col struct {
	Name string
	Idx  int
	T    Type
}

// Lit is a constant (an INT, a DECIMAL or a STRING literal).
type Lit struct {
	V Value
	T Type
}

// Arith is + - * / on numbers.
type Arith struct {
	Op   byte
	L, R Expr
	T    Type
}

// Cmp is = <> < <= > >=.
type Cmp struct {
	Op   string
	L, R Expr
}

// Logic is AND / OR.
type Logic struct {
	Op   string
	L, R Expr
}

// Not is NOT x.
type Not struct{ X Expr }

// IsNull is x IS [NOT] NULL.
type IsNull struct {
	X   Expr
	Neg bool
}

// When is one WHEN cond THEN value branch.
type When struct{ Cond, Then Expr }

// CaseWhen is CASE WHEN ... [ELSE e] END (nil Else: NULL).
type CaseWhen struct {
	Whens []When
	Else  Expr
	T     Type
}

// Cast is CAST(x AS T), widening an integer to BIGINT.
type Cast struct {
	X Expr
	T Type
}

func (c *Cast) Type() Type             { return c.T }
func (c *Cast) SQL() string            { return "CAST(" + c.X.SQL() + " AS " + c.T.SQL() + ")" }
func (c *Cast) Eval(row []Value) Value { return c.X.Eval(row) }

// Coalesce is COALESCE(args...).
type Coalesce struct {
	Args []Expr
	T    Type
}

func (c *Col) Type() Type             { return c.T }
func (c *Col) SQL() string            { return c.Name }
func (c *Col) Eval(row []Value) Value { return row[c.Idx] }

func (l *Lit) Type() Type { return l.T }
func (l *Lit) SQL() string {
	switch l.T.K {
	case KString:
		return "'" + strings.ReplaceAll(l.V.S, "'", "''") + "'"
	case KInt:
		if l.V.I < 0 {
			return "(" + strconv.FormatInt(l.V.I, 10) + ")"
		}
		return strconv.FormatInt(l.V.I, 10)
	case KDecimal:
		s := formatDecimal(l.V.I, l.T.S)
		if l.V.I < 0 {
			return "(" + s + ")"
		}
		return s
	}
	panic("unsupported literal type")
}
func (l *Lit) Eval([]Value) Value { return l.V }

func (a *Arith) Type() Type  { return a.T }
func (a *Arith) SQL() string { return "(" + a.L.SQL() + " " + string(a.Op) + " " + a.R.SQL() + ")" }
func (a *Arith) Eval(row []Value) Value {
	l, r := a.L.Eval(row), a.R.Eval(row)
	if l.Null || r.Null {
		return null
	}
	lt, rt := a.L.Type(), a.R.Type()
	switch a.T.K {
	case KDouble:
		x, y := float(l, lt), float(r, rt)
		switch a.Op {
		case '+':
			return fval(x + y)
		case '-':
			return fval(x - y)
		case '*':
			return fval(x * y)
		}
		return fval(x / y)
	case KDecimal:
		if a.Op == '*' {
			return ival(rescale(l, lt, lt.asDecimal().S) * rescale(r, rt, rt.asDecimal().S))
		}
		x, y := rescale(l, lt, a.T.S), rescale(r, rt, a.T.S)
		if a.Op == '+' {
			return ival(x + y)
		}
		return ival(x - y)
	}
	var v int64
	switch a.Op {
	case '+':
		v = l.I + r.I
	case '-':
		v = l.I - r.I
	case '*':
		v = l.I * r.I
	case '/':
		v = l.I / r.I // Java and Go both truncate toward zero
	}
	if a.T.K == KInt {
		v = int64(int32(v)) // Java int arithmetic wraps
	}
	return ival(v)
}

func (c *Cmp) Type() Type  { return tBool }
func (c *Cmp) SQL() string { return "(" + c.L.SQL() + " " + c.Op + " " + c.R.SQL() + ")" }
func (c *Cmp) Eval(row []Value) Value {
	l, r := c.L.Eval(row), c.R.Eval(row)
	if l.Null || r.Null {
		return null
	}
	n := compare(l, c.L.Type(), r, c.R.Type())
	switch c.Op {
	case "=":
		return bval(n == 0)
	case "<>":
		return bval(n != 0)
	case "<":
		return bval(n < 0)
	case "<=":
		return bval(n <= 0)
	case ">":
		return bval(n > 0)
	case ">=":
		return bval(n >= 0)
	}
	panic("unknown comparison " + c.Op)
}

func (l *Logic) Type() Type  { return tBool }
func (l *Logic) SQL() string { return "(" + l.L.SQL() + " " + l.Op + " " + l.R.SQL() + ")" }

// Eval is Kleene logic: for AND, FALSE wins over NULL; for OR, TRUE does.
func (l *Logic) Eval(row []Value) Value {
	x, y := l.L.Eval(row), l.R.Eval(row)
	dominant := int64(0) // AND: FALSE decides
	if l.Op == "OR" {
		dominant = 1
	}
	if (!x.Null && x.I == dominant) || (!y.Null && y.I == dominant) {
		return ival(dominant)
	}
	if x.Null || y.Null {
		return null
	}
	return ival(1 - dominant)
}

func (n *Not) Type() Type  { return tBool }
func (n *Not) SQL() string { return "(NOT " + n.X.SQL() + ")" }
func (n *Not) Eval(row []Value) Value {
	x := n.X.Eval(row)
	if x.Null {
		return null
	}
	return bval(x.I == 0)
}

func (n *IsNull) Type() Type { return tBool }
func (n *IsNull) SQL() string {
	if n.Neg {
		return "(" + n.X.SQL() + " IS NOT NULL)"
	}
	return "(" + n.X.SQL() + " IS NULL)"
}
func (n *IsNull) Eval(row []Value) Value { return bval(n.X.Eval(row).Null != n.Neg) }

func (c *CaseWhen) Type() Type { return c.T }
func (c *CaseWhen) SQL() string {
	var b strings.Builder
	b.WriteString("(CASE")
	for _, w := range c.Whens {
		fmt.Fprintf(&b, " WHEN %s THEN %s", w.Cond.SQL(), w.Then.SQL())
	}
	if c.Else != nil {
		fmt.Fprintf(&b, " ELSE %s", c.Else.SQL())
	}
	b.WriteString(" END)")
	return b.String()
}
func (c *CaseWhen) Eval(row []Value) Value {
	for _, w := range c.Whens {
		if v := w.Cond.Eval(row); !v.Null && v.I == 1 {
			return convert(w.Then.Eval(row), w.Then.Type(), c.T)
		}
	}
	if c.Else == nil {
		return null
	}
	return convert(c.Else.Eval(row), c.Else.Type(), c.T)
}

func (c *Coalesce) Type() Type { return c.T }
func (c *Coalesce) SQL() string {
	parts := make([]string, len(c.Args))
	for i, a := range c.Args {
		parts[i] = a.SQL()
	}
	return "COALESCE(" + strings.Join(parts, ", ") + ")"
}
func (c *Coalesce) Eval(row []Value) Value {
	for _, a := range c.Args {
		if v := a.Eval(row); !v.Null {
			return convert(v, a.Type(), c.T)
		}
	}
	return null
}

// convert widens a value to a common type (integer → DECIMAL or DOUBLE,
// DECIMAL → larger scale or DOUBLE).
func convert(v Value, from, to Type) Value {
	if v.Null {
		return v
	}
	switch to.K {
	case KDouble:
		return fval(float(v, from))
	case KDecimal:
		return ival(rescale(v, from, to.S))
	}
	return v
}

// Flink's decimal type rules (LogicalTypeMerging).
func adjustDecimal(p, s int) Type {
	if p <= 38 {
		return tDec(p, s)
	}
	digits := p - s
	return tDec(38, max(38-digits, min(s, 6)))
}

// arithType is the result type of l op r.
func arithType(op byte, l, r Type) Type {
	switch {
	case l.K == KDouble || r.K == KDouble:
		return tDouble
	case l.K == KDecimal || r.K == KDecimal:
		l, r = l.asDecimal(), r.asDecimal()
		if op == '*' {
			return adjustDecimal(l.P+r.P, l.S+r.S)
		}
		s := max(l.S, r.S)
		return adjustDecimal(max(l.P-l.S, r.P-r.S)+s+1, s)
	case l.K == KBigInt || r.K == KBigInt:
		return tBigInt
	}
	return tInt
}

// commonType is the least restrictive type of CASE branches and COALESCE
// arguments.
func commonType(ts ...Type) Type {
	out := ts[0]
	for _, t := range ts[1:] {
		switch {
		case out.K == t.K && out.K != KDecimal:
		case !out.numeric() || !t.numeric():
			panic("no common type")
		case out.K == KDouble || t.K == KDouble:
			out = tDouble
		case out.K == KDecimal || t.K == KDecimal:
			a, b := out.asDecimal(), t.asDecimal()
			s := max(a.S, b.S)
			out = adjustDecimal(max(a.P-a.S, b.P-b.S)+s, s)
		default:
			out = tBigInt
		}
	}
	return out
}
