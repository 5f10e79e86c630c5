package parser

import (
	"github.com/sluicehq/sluice/internal/sql/ast"
)

// parseCall parses the argument list and suffixes of a call; the current
// token is '('. Suffixes: IGNORE|RESPECT NULLS, FILTER (WHERE ...), OVER.
func (p *parser) parseCall(name ast.ObjectName, pos ast.Pos) *ast.Call {
	p.enter()
	defer p.leave()
	p.next()
	c := &ast.Call{Pos: pos, Name: name}
	fn := ""
	if len(name) == 1 && !name[0].Quoted {
		fn = upper(name[0].Name)
	}
	switch {
	case p.acceptOp(")"):
	case p.isOp("*"):
		p.next()
		c.Star = true
		p.expectOp(")", "')' after *")
	default:
		if p.acceptKW("DISTINCT") {
			c.Distinct = true
		} else {
			p.acceptKW("ALL")
		}
		p.parseCallArgs(c, fn)
	}
	p.parseNullTreatment(c)
	if p.isKW("FILTER") && p.peek(1).isOp("(") {
		p.next()
		p.next()
		p.expectKW("WHERE", "WHERE after FILTER (")
		c.Filter = p.parseExpr()
		p.expectOp(")", "')' to close FILTER (WHERE ...)")
	}
	if p.acceptKW("OVER") {
		if isIdent(p.tok()) {
			id := p.parseIdent("a window name")
			c.Over = &ast.WindowSpec{Pos: id.Pos, Name: id.Name}
		} else {
			c.Over = p.parseWindowSpecParens()
		}
	}
	return c
}

func (p *parser) parseCallArgs(c *ast.Call, fn string) {
	for {
		c.Args = append(c.Args, p.parseCallArg())
		if (fn == "CEIL" || fn == "CEILING" || fn == "FLOOR") && len(c.Args) == 1 && p.acceptKW("TO") {
			c.Args = append(c.Args, p.parseSymbol("a time unit after TO"))
		}
		if p.acceptOp(",") {
			continue
		}
		if p.isKW("IGNORE") || p.isKW("RESPECT") {
			p.parseNullTreatment(c)
		}
		if !p.isOp(")") {
			p.listEnd("',' or ')' in the arguments of " + c.Name.String())
		}
		p.next()
		return
	}
}

func (p *parser) parseNullTreatment(c *ast.Call) {
	if p.acceptKWs("IGNORE", "NULLS") {
		c.IgnoreNulls = true
	} else {
		p.acceptKWs("RESPECT", "NULLS")
	}
}

// parseCallArg parses one argument: name => value, TABLE t [PARTITION BY
// ...], DESCRIPTOR(cols) or an expression.
func (p *parser) parseCallArg() ast.Expr {
	t := p.tok()
	if isIdent(t) && p.peek(1).isOp("=>") {
		p.next()
		p.next()
		return &ast.NamedArg{Pos: t.pos, Name: ast.Ident{Pos: t.pos, Name: t.text, Quoted: t.kind == tokQIdent},
			Value: p.parseCallArgValue()}
	}
	return p.parseCallArgValue()
}

func (p *parser) parseCallArgValue() ast.Expr {
	t := p.tok()
	switch {
	case t.is("TABLE") && !p.peek(1).isOp("("):
		p.next()
		ta := &ast.TableArg{Pos: t.pos, Name: p.parseObjectName("a table name after TABLE")}
		if p.acceptKW("PARTITION") {
			p.expectKW("BY", "BY after PARTITION")
			if p.isOp("(") {
				p.next()
				ta.PartitionBy = p.parseExprList(")", "the PARTITION BY list")
			} else {
				ta.PartitionBy = []ast.Expr{p.parseExprPrec(precConcat)}
			}
		}
		return ta
	case t.is("DESCRIPTOR") && p.peek(1).isOp("("):
		p.next()
		return &ast.Descriptor{Pos: t.pos, Columns: p.parseIdentList("DESCRIPTOR(...)")}
	}
	return p.parseExpr()
}

// parseSymbol parses a time unit or other keyword argument as a Symbol.
func (p *parser) parseSymbol(want string) *ast.Symbol {
	t := p.tok()
	if t.kind != tokWord {
		p.fail(want)
	}
	name, ok := timeUnits[t.up]
	if !ok {
		p.fail(want)
	}
	p.next()
	return &ast.Symbol{Pos: t.pos, Name: name}
}

// parseSpecialCall parses the SQL special forms with keyword syntax inside
// the parentheses, normalised to plain calls (see the ast package doc). It
// returns nil if t is not one of them.
func (p *parser) parseSpecialCall(t token) ast.Expr {
	switch t.up {
	case "EXTRACT", "TRIM", "SUBSTRING", "POSITION", "OVERLAY", "TIMESTAMPADD", "TIMESTAMPDIFF":
	default:
		return nil
	}
	p.enter()
	defer p.leave()
	p.next()
	p.next()
	c := &ast.Call{Pos: t.pos, Name: ast.ObjectName{{Pos: t.pos, Name: t.text}}}
	switch t.up {
	case "EXTRACT":
		c.Args = []ast.Expr{p.parseSymbol("a time unit in EXTRACT(unit FROM x)")}
		p.expectKW("FROM", "FROM in EXTRACT(unit FROM x)")
		c.Args = append(c.Args, p.parseExpr())
	case "TRIM":
		c.Args = p.parseTrimArgs(t.pos)
	case "SUBSTRING":
		c.Args = p.parseFromForArgs(p.parseExpr(), "SUBSTRING")
	case "OVERLAY":
		s := p.parseExpr()
		p.expectKW("PLACING", "PLACING in OVERLAY(s PLACING r FROM n)")
		c.Args = p.parseFromForArgs(p.parseExpr(), "OVERLAY")
		c.Args = append([]ast.Expr{s}, c.Args...)
	case "POSITION":
		c.Args = []ast.Expr{p.parseExprPrec(precConcat)}
		p.expectKW("IN", "IN in POSITION(a IN b)")
		c.Args = append(c.Args, p.parseExprPrec(precConcat))
		if p.acceptKW("FROM") {
			c.Args = append(c.Args, p.parseExpr())
		}
	default: // TIMESTAMPADD, TIMESTAMPDIFF
		c.Args = []ast.Expr{p.parseSymbol("a time unit as the first argument of " + t.up)}
		for range 2 {
			p.expectOp(",", "',' in "+t.up+"(unit, a, b)")
			c.Args = append(c.Args, p.parseExpr())
		}
	}
	p.expectOp(")", "')' to close "+t.up)
	return c
}

// parseFromForArgs parses the rest of SUBSTRING(s FROM a [FOR b]) or the
// comma form SUBSTRING(s, a [, b]), returning s, a[, b].
func (p *parser) parseFromForArgs(first ast.Expr, fn string) []ast.Expr {
	args := []ast.Expr{first}
	if p.acceptKW("FROM") {
		args = append(args, p.parseExpr())
		if p.acceptKW("FOR") {
			args = append(args, p.parseExpr())
		}
		return args
	}
	if fn == "OVERLAY" {
		p.fail("FROM in OVERLAY(s PLACING r FROM n)")
	}
	for p.acceptOp(",") {
		args = append(args, p.parseExpr())
	}
	return args
}

// parseTrimArgs parses TRIM([BOTH|LEADING|TRAILING] [chars] [FROM] s) into
// (Symbol mode, chars, s), defaulting to BOTH and ' '.
func (p *parser) parseTrimArgs(pos ast.Pos) []ast.Expr {
	mode := &ast.Symbol{Pos: pos, Name: "BOTH"}
	var chars ast.Expr = &ast.StringLit{Pos: pos, Value: " "}
	if t := p.tok(); t.is("BOTH") || t.is("LEADING") || t.is("TRAILING") {
		p.next()
		mode = &ast.Symbol{Pos: t.pos, Name: t.up}
	}
	if p.acceptKW("FROM") {
		return []ast.Expr{mode, chars, p.parseExpr()}
	}
	e := p.parseExpr()
	if p.acceptKW("FROM") {
		return []ast.Expr{mode, e, p.parseExpr()}
	}
	return []ast.Expr{mode, chars, e}
}

// parseWindowSpecParens parses ( [PARTITION BY ...] [ORDER BY ...] [frame] ).
func (p *parser) parseWindowSpecParens() *ast.WindowSpec {
	open := p.expectOp("(", "'(' or a window name after OVER")
	w := &ast.WindowSpec{Pos: open.pos}
	if t := p.tok(); isIdent(t) {
		w.Name = p.next().text
	}
	if p.acceptKW("PARTITION") {
		p.expectKW("BY", "BY after PARTITION")
		for {
			w.PartitionBy = append(w.PartitionBy, p.parseExpr())
			if !p.acceptOp(",") {
				break
			}
		}
	}
	if p.acceptKW("ORDER") {
		p.expectKW("BY", "BY after ORDER")
		w.OrderBy = p.parseOrderItems()
	}
	if t := p.tok(); t.is("ROWS") || t.is("RANGE") {
		w.Frame = p.parseFrame()
	}
	p.expectOp(")", "')' to close the window specification")
	return w
}

// parseFrame parses ROWS|RANGE [BETWEEN] bound [AND bound].
func (p *parser) parseFrame() *ast.Frame {
	t := p.next()
	f := &ast.Frame{Pos: t.pos, Rows: t.up == "ROWS"}
	if p.acceptKW("BETWEEN") {
		f.Start = p.parseFrameBound()
		p.expectKW("AND", "AND in "+t.up+" BETWEEN ... AND ...")
		f.End = p.parseFrameBound()
		return f
	}
	f.Start = p.parseFrameBound()
	return f
}

func (p *parser) parseFrameBound() *ast.FrameBound {
	t := p.tok()
	b := &ast.FrameBound{Pos: t.pos}
	switch {
	case p.acceptKWs("UNBOUNDED", "PRECEDING"):
		b.Kind = "UNBOUNDED PRECEDING"
	case p.acceptKWs("UNBOUNDED", "FOLLOWING"):
		b.Kind = "UNBOUNDED FOLLOWING"
	case p.acceptKWs("CURRENT", "ROW"):
		b.Kind = "CURRENT ROW"
	default:
		b.Offset = p.parseExprPrec(precAdd)
		switch {
		case p.acceptKW("PRECEDING"):
			b.Kind = "PRECEDING"
		case p.acceptKW("FOLLOWING"):
			b.Kind = "FOLLOWING"
		default:
			p.fail("PRECEDING or FOLLOWING after the frame offset")
		}
	}
	return b
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}
