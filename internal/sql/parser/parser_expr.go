package parser

import (
	"github.com/sluicehq/sluice/internal/sql/ast"
)

// Binding powers, loosest first. Predicates (IS, IN, BETWEEN, LIKE,
// SIMILAR TO) share the comparison level.
const (
	precOr = iota + 1
	precAnd
	precNot
	precCmp
	precConcat
	precAdd
	precMul
)

func (p *parser) parseExpr() ast.Expr { return p.parseExprPrec(precOr) }

// parseExprPrec is precedence climbing: it parses an expression whose binary
// operators all bind at least as tightly as minPrec.
func (p *parser) parseExprPrec(minPrec int) ast.Expr {
	p.enter()
	defer p.leave()
	var left ast.Expr
	if t := p.tok(); t.is("NOT") && minPrec <= precNot {
		p.next()
		left = &ast.Unary{Pos: t.pos, Op: "NOT", X: p.parseExprPrec(precNot)}
	} else {
		left = p.parseUnary()
	}
	for {
		op, prec := p.infix()
		if prec == 0 || prec < minPrec {
			return left
		}
		if op == "" {
			left = p.parsePredicate(left)
			continue
		}
		t := p.next()
		right := p.parseExprPrec(prec + 1)
		left = &ast.Binary{Pos: t.pos, Op: op, L: left, R: right}
	}
}

// infix returns the binary operator at the current token and its binding
// power; op is "" for predicates, which parsePredicate handles.
func (p *parser) infix() (op string, prec int) {
	t := p.tok()
	switch t.kind {
	case tokOp:
		switch t.text {
		case "=", "<>", "<", "<=", ">", ">=":
			return t.text, precCmp
		case "!=":
			return "<>", precCmp
		case "||":
			return "||", precConcat
		case "+", "-":
			return t.text, precAdd
		case "*", "/", "%":
			return t.text, precMul
		}
	case tokWord:
		switch t.up {
		case "OR":
			return "OR", precOr
		case "AND":
			return "AND", precAnd
		case "IS", "IN", "BETWEEN", "LIKE", "SIMILAR":
			return "", precCmp
		case "NOT":
			n := p.peek(1)
			if n.is("IN") || n.is("BETWEEN") || n.is("LIKE") || n.is("SIMILAR") {
				return "", precCmp
			}
		}
	}
	return "", 0
}

// parsePredicate parses IS ..., [NOT] IN, [NOT] BETWEEN, [NOT] LIKE and
// [NOT] SIMILAR TO after x.
func (p *parser) parsePredicate(x ast.Expr) ast.Expr {
	t := p.tok()
	if t.is("IS") {
		return p.parseIs(x)
	}
	not := p.acceptKW("NOT")
	op := p.next()
	switch op.up {
	case "IN":
		return p.parseIn(x, op.pos, not)
	case "BETWEEN":
		b := &ast.Between{Pos: op.pos, X: x, Not: not}
		if p.acceptKW("SYMMETRIC") {
			b.Symmetric = true
		} else {
			p.acceptKW("ASYMMETRIC")
		}
		b.Low = p.parseExprPrec(precConcat)
		p.expectKW("AND", "AND in BETWEEN ... AND ...")
		b.High = p.parseExprPrec(precConcat)
		return b
	case "SIMILAR":
		p.expectKW("TO", "TO after SIMILAR")
	}
	l := &ast.Like{Pos: op.pos, X: x, Not: not, Similar: op.up == "SIMILAR"}
	l.Pattern = p.parseExprPrec(precConcat)
	if p.acceptKW("ESCAPE") {
		l.Escape = p.parseExprPrec(precConcat)
	}
	return l
}

func (p *parser) parseIs(x ast.Expr) ast.Expr {
	pos := p.next().pos
	not := p.acceptKW("NOT")
	t := p.tok()
	switch {
	case t.is("NULL"):
		p.next()
		return &ast.IsNull{Pos: pos, X: x, Not: not}
	case t.is("TRUE"), t.is("FALSE"), t.is("UNKNOWN"):
		p.next()
		return &ast.IsBool{Pos: pos, X: x, Not: not, Value: t.up}
	case t.is("DISTINCT"):
		p.next()
		p.expectKW("FROM", "FROM after IS DISTINCT")
		return &ast.IsDistinctFrom{Pos: pos, L: x, R: p.parseExprPrec(precConcat), Not: not}
	}
	p.fail("NULL, TRUE, FALSE, UNKNOWN or DISTINCT FROM after IS")
	return nil
}

func (p *parser) parseIn(x ast.Expr, pos ast.Pos, not bool) ast.Expr {
	in := &ast.In{Pos: pos, X: x, Not: not}
	if !p.isOp("(") {
		p.fail("'(' after IN")
	}
	if p.isQueryStart() && !p.peek(1).isOp("(") {
		p.next()
		in.Query = p.parseQuery()
		p.expectOp(")", "')' after the IN subquery")
		return in
	}
	p.next()
	in.List = p.parseExprList(")", "the IN list")
	return in
}

// parseExprList parses expr {, expr} and the closing token.
func (p *parser) parseExprList(closing, what string) []ast.Expr {
	var out []ast.Expr
	for {
		out = append(out, p.parseExpr())
		if p.acceptOp(",") {
			continue
		}
		if !p.isOp(closing) {
			p.listEnd("',' or '" + closing + "' in " + what)
		}
		p.next()
		return out
	}
}

func (p *parser) parseUnary() ast.Expr {
	t := p.tok()
	if t.isOp("-") || t.isOp("+") {
		p.next()
		p.enter()
		defer p.leave()
		return &ast.Unary{Pos: t.pos, Op: t.text, X: p.parseUnary()}
	}
	return p.parsePostfix(p.parsePrimary())
}

// parsePostfix parses x[i] and (x).field chains.
func (p *parser) parsePostfix(x ast.Expr) ast.Expr {
	for {
		t := p.tok()
		switch {
		case t.isOp("["):
			p.next()
			idx := p.parseExpr()
			p.expectOp("]", "']' after the subscript")
			x = &ast.Subscript{Pos: t.pos, X: x, Index: idx}
		case t.isOp("."):
			p.next()
			x = &ast.FieldAccess{Pos: t.pos, X: x, Field: p.parseFieldName()}
		default:
			return x
		}
	}
}

// parseFieldName parses a name after '.', where any word is allowed.
func (p *parser) parseFieldName() ast.Ident {
	t := p.tok()
	if t.kind != tokWord && t.kind != tokQIdent {
		p.fail("a field name after '.'")
	}
	p.next()
	return ast.Ident{Pos: t.pos, Name: t.text, Quoted: t.kind == tokQIdent}
}

func (p *parser) parsePrimary() ast.Expr {
	t := p.tok()
	switch t.kind {
	case tokNumber:
		p.next()
		return &ast.NumberLit{Pos: t.pos, Text: t.text}
	case tokString:
		p.next()
		return &ast.StringLit{Pos: t.pos, Value: t.text}
	case tokBinary:
		p.next()
		return &ast.BinaryLit{Pos: t.pos, Hex: t.text}
	case tokQIdent:
		return p.parseNameExpr()
	case tokOp:
		if t.text == "(" {
			return p.parseParenExpr()
		}
	case tokWord:
		if e := p.parseKeywordExpr(t); e != nil {
			return e
		}
		if !t.isReserved() {
			return p.parseNameExpr()
		}
		if reservedFuncs[t.up] && p.peek(1).isOp("(") {
			p.next()
			return p.parseCall(ast.ObjectName{{Pos: t.pos, Name: t.text}}, t.pos)
		}
	}
	p.failName("an expression")
	return nil
}

// parseKeywordExpr parses expressions introduced by a keyword; it returns
// nil when t does not start one.
func (p *parser) parseKeywordExpr(t token) ast.Expr {
	next := p.peek(1)
	switch t.up {
	case "TRUE", "FALSE":
		p.next()
		return &ast.BoolLit{Pos: t.pos, Value: t.up == "TRUE"}
	case "NULL":
		p.next()
		return &ast.NullLit{Pos: t.pos}
	case "DATE", "TIME", "TIMESTAMP", "TIMESTAMP_LTZ":
		if next.kind == tokString {
			p.next()
			return &ast.TypedLit{Pos: t.pos, Type: t.up, Value: p.next().text}
		}
		if t.isReserved() {
			p.failHint("a string after "+t.up+" (as in "+t.up+" '...')",
				t.up+" is a reserved keyword; write `"+t.text+"` to use it as a column name")
		}
	case "INTERVAL":
		return p.parseInterval()
	case "CASE":
		return p.parseCase()
	case "CAST", "TRY_CAST":
		if next.isOp("(") {
			return p.parseCast()
		}
	case "EXISTS":
		p.next()
		if !p.isOp("(") || !p.isQueryStart() {
			p.fail("'(' and a query after EXISTS")
		}
		p.next()
		q := p.parseQuery()
		p.expectOp(")", "')' after the EXISTS subquery")
		return &ast.Exists{Pos: t.pos, Query: q}
	case "ARRAY", "MAP":
		if next.isOp("[") {
			p.next()
			p.next()
			var elems []ast.Expr
			if !p.acceptOp("]") {
				elems = p.parseExprList("]", t.up+"[...]")
			}
			if t.up == "ARRAY" {
				return &ast.ArrayCtor{Pos: t.pos, Elems: elems}
			}
			return &ast.MapCtor{Pos: t.pos, Elems: elems}
		}
		if t.up == "ARRAY" {
			p.fail("'[' after ARRAY")
		}
	case "ROW":
		p.next()
		p.expectOp("(", "'(' after ROW")
		r := &ast.RowCtor{Pos: t.pos}
		if !p.acceptOp(")") {
			r.Elems = p.parseExprList(")", "ROW(...)")
		}
		return r
	}
	if next.isOp("(") && len(t.up) > 0 {
		if e := p.parseSpecialCall(t); e != nil {
			return e
		}
	} else if noParenFuncs[t.up] && !next.isOp(".") {
		p.next()
		return &ast.Call{Pos: t.pos, Name: ast.ObjectName{{Pos: t.pos, Name: t.text}}, NoParens: true}
	}
	return nil
}

// parseNameExpr parses a column reference a.b.c or a call f(...) / a.b.f(...).
func (p *parser) parseNameExpr() ast.Expr {
	t := p.tok()
	parts := []ast.Ident{p.parseIdent("a name")}
	for p.isOp(".") && (p.peek(1).kind == tokWord || p.peek(1).kind == tokQIdent) {
		p.next()
		parts = append(parts, p.parseFieldName())
	}
	if p.isOp("(") {
		return p.parseCall(parts, t.pos)
	}
	return &ast.ColumnRef{Pos: t.pos, Parts: parts}
}

// parseParenExpr parses (query), (expr) or the row (e1, e2, ...).
func (p *parser) parseParenExpr() ast.Expr {
	t := p.next()
	if n := p.tok(); n.is("SELECT") || n.is("WITH") || n.is("VALUES") {
		q := p.parseQuery()
		p.expectOp(")", "')' after the subquery")
		return &ast.Subquery{Pos: t.pos, Query: q}
	}
	elems := p.parseExprList(")", "the parenthesised expression")
	if len(elems) == 1 {
		return elems[0]
	}
	return &ast.RowCtor{Pos: t.pos, Elems: elems}
}

func (p *parser) parseCase() ast.Expr {
	start := p.next()
	c := &ast.Case{Pos: start.pos}
	if !p.isKW("WHEN") {
		c.Operand = p.parseExpr()
	}
	for p.isKW("WHEN") {
		w := &ast.When{Pos: p.next().pos, Cond: p.parseExpr()}
		p.expectKW("THEN", "THEN after the WHEN condition")
		w.Result = p.parseExpr()
		c.Whens = append(c.Whens, w)
	}
	if len(c.Whens) == 0 {
		p.fail("WHEN in CASE")
	}
	if p.acceptKW("ELSE") {
		c.Else = p.parseExpr()
	}
	if !p.isKW("END") {
		p.failHint("WHEN, ELSE or END in CASE",
			"the CASE at line "+itoa(start.pos.Line)+", column "+itoa(start.pos.Col)+" needs a closing END")
	}
	p.next()
	return c
}

func (p *parser) parseCast() ast.Expr {
	t := p.next()
	p.next()
	c := &ast.Cast{Pos: t.pos, Try: t.up == "TRY_CAST", X: p.parseExpr()}
	p.expectKW("AS", "AS in "+t.up+"(x AS type)")
	c.Type = p.parseType()
	p.expectOp(")", "')' to close "+t.up)
	return c
}

// parseInterval parses INTERVAL [-]'value' unit [(p)] [TO unit [(p)]].
func (p *parser) parseInterval() ast.Expr {
	iv := &ast.IntervalLit{Pos: p.next().pos}
	if p.acceptOp("-") {
		iv.Negative = true
	} else {
		p.acceptOp("+")
	}
	t := p.tok()
	if t.kind != tokString {
		hint := ""
		if t.kind == tokNumber {
			hint = "quote the interval value: INTERVAL '" + t.text + "' SECOND"
		}
		p.failHint("a quoted interval value after INTERVAL", hint)
	}
	iv.Value = p.next().text
	iv.From = p.parseIntervalUnit("a unit (YEAR, MONTH, DAY, HOUR, MINUTE or SECOND) after the interval value")
	iv.FromPrecision = p.parseOptParams()
	if p.acceptKW("TO") {
		iv.To = p.parseIntervalUnit("a unit after TO")
		iv.ToPrecision = p.parseOptParams()
	}
	return iv
}

func (p *parser) parseIntervalUnit(want string) string {
	t := p.tok()
	u := timeUnits[t.up]
	if t.kind != tokWord || !intervalUnits[u] {
		p.fail(want)
	}
	p.next()
	return u
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
