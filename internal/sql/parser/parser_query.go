package parser

import (
	"github.com/sluicehq/sluice/internal/sql/ast"
)

// isQueryStart reports whether a query starts at the current token:
// SELECT, WITH, VALUES, or parentheses around one of those.
func (p *parser) isQueryStart() bool {
	for i := 0; ; i++ {
		t := p.peek(i)
		if t.isOp("(") {
			continue
		}
		return t.is("SELECT") || t.is("WITH") || t.is("VALUES")
	}
}

// parseQuery parses [WITH ...] body [ORDER BY ...] [LIMIT|OFFSET|FETCH].
func (p *parser) parseQuery() *ast.Query {
	p.enter()
	defer p.leave()
	q := &ast.Query{Pos: p.pos()}
	if p.acceptKW("WITH") {
		q.With = p.parseCTEs()
	}
	q.Body = p.parseSetExpr(1)
	if p.acceptKW("ORDER") {
		p.expectKW("BY", "BY after ORDER")
		q.OrderBy = p.parseOrderItems()
	}
	p.parseLimitOffset(q)
	return q
}

func (p *parser) parseCTEs() []*ast.CTE {
	var ctes []*ast.CTE
	for {
		cte := &ast.CTE{Pos: p.pos(), Name: p.parseIdent("a name for the WITH query")}
		if p.isOp("(") {
			cte.Columns = p.parseIdentList("the WITH column list")
		}
		p.expectKW("AS", "AS after WITH "+cte.Name.Name)
		p.expectOp("(", "'(' before the WITH query")
		cte.Query = p.parseQuery()
		p.expectOp(")", "')' after the WITH query")
		ctes = append(ctes, cte)
		if !p.acceptOp(",") {
			return ctes
		}
	}
}

// setOpPrec is the binding power of set operators: INTERSECT binds
// tighter than UNION and EXCEPT.
func setOpPrec(t token) (string, int) {
	switch {
	case t.is("UNION"):
		return "UNION", 1
	case t.is("EXCEPT"), t.is("MINUS"):
		return "EXCEPT", 1
	case t.is("INTERSECT"):
		return "INTERSECT", 2
	}
	return "", 0
}

func (p *parser) parseSetExpr(minPrec int) ast.QueryBody {
	left := p.parseQueryPrimary()
	for {
		op, prec := setOpPrec(p.tok())
		if prec == 0 || prec < minPrec {
			return left
		}
		pos := p.next().pos
		all := p.acceptKW("ALL")
		if !all {
			p.acceptKW("DISTINCT")
		}
		right := p.parseSetExpr(prec + 1)
		left = &ast.SetOp{Pos: pos, Op: op, All: all, Left: left, Right: right}
	}
}

func (p *parser) parseQueryPrimary() ast.QueryBody {
	t := p.tok()
	switch {
	case t.is("SELECT"):
		return p.parseSelect()
	case t.is("VALUES"):
		return p.parseValues()
	case t.isOp("("):
		p.next()
		q := p.parseQuery()
		p.expectOp(")", "')' to close the parenthesised query")
		return &ast.SubqueryBody{Pos: t.pos, Query: q}
	}
	p.fail("SELECT, VALUES or '('")
	return nil
}

func (p *parser) parseValues() *ast.Values {
	v := &ast.Values{Pos: p.next().pos}
	for {
		e := p.parseExpr()
		if r, ok := e.(*ast.RowCtor); ok {
			v.Rows = append(v.Rows, r.Elems)
		} else {
			v.Rows = append(v.Rows, []ast.Expr{e})
		}
		if !p.acceptOp(",") {
			return v
		}
	}
}

func (p *parser) parseSelect() *ast.Select {
	s := &ast.Select{Pos: p.next().pos}
	s.Hints = p.parseHints()
	if p.acceptKW("DISTINCT") {
		s.Distinct = true
	} else {
		p.acceptKW("ALL")
	}
	for {
		s.Items = append(s.Items, p.parseSelectItem())
		if !p.acceptOp(",") {
			break
		}
	}
	if t := p.tok(); isIdent(t) || t.kind == tokNumber || t.kind == tokString {
		p.listEnd("',' between select items, or FROM")
	}
	if p.acceptKW("FROM") {
		s.From = p.parseFrom()
	}
	if p.acceptKW("WHERE") {
		s.Where = p.parseExpr()
	}
	if p.acceptKW("GROUP") {
		p.expectKW("BY", "BY after GROUP")
		s.GroupBy = p.parseGroupBy()
	}
	if p.acceptKW("HAVING") {
		s.Having = p.parseExpr()
	}
	if p.acceptKW("WINDOW") {
		s.Windows = p.parseWindowClause()
	}
	if t := p.tok(); isIdent(t) {
		p.fail("WHERE, GROUP BY, HAVING, ORDER BY, LIMIT or the end of the query")
	}
	return s
}

func (p *parser) parseSelectItem() *ast.SelectItem {
	t := p.tok()
	item := &ast.SelectItem{Pos: t.pos}
	if p.acceptOp("*") {
		item.Star = true
		return item
	}
	if q := p.qualifiedStar(); q != nil {
		item.Star, item.Qualifier = true, q
		return item
	}
	if t.kind == tokEOF || (t.isReserved() && (t.is("FROM") || t.is("WHERE"))) {
		p.fail("an expression in the select list")
	}
	item.Expr = p.parseExpr()
	item.Alias = p.parseAliasOnly()
	return item
}

// qualifiedStar parses t.* (or a.b.*) if it is next, else returns nil.
func (p *parser) qualifiedStar() ast.ObjectName {
	n := 0
	for isIdent(p.peek(n)) && p.peek(n+1).isOp(".") {
		n += 2
		if p.peek(n).isOp("*") {
			var name ast.ObjectName
			for i := 0; i < n; i += 2 {
				t := p.next()
				p.next()
				name = append(name, ast.Ident{Pos: t.pos, Name: t.text, Quoted: t.kind == tokQIdent})
				_ = i
			}
			p.next()
			return name
		}
	}
	return nil
}

// parseAliasOnly parses [AS] alias.
func (p *parser) parseAliasOnly() *ast.Ident {
	if p.acceptKW("AS") {
		id := p.parseIdent("an alias after AS")
		return &id
	}
	if isIdent(p.tok()) {
		id := p.parseIdent("an alias")
		return &id
	}
	return nil
}

// parseAlias parses [AS] alias [(col, ...)].
func (p *parser) parseAlias() (*ast.Ident, []ast.Ident) {
	a := p.parseAliasOnly()
	if a != nil && p.isOp("(") {
		return a, p.parseIdentList("the column alias list")
	}
	return a, nil
}

func (p *parser) parseOrderItems() []*ast.OrderItem {
	var items []*ast.OrderItem
	for {
		it := &ast.OrderItem{Pos: p.pos(), Expr: p.parseExpr()}
		if p.acceptKW("DESC") {
			it.Desc = true
		} else {
			p.acceptKW("ASC")
		}
		if p.acceptKW("NULLS") {
			first := true
			switch {
			case p.acceptKW("FIRST"):
			case p.acceptKW("LAST"):
				first = false
			default:
				p.fail("FIRST or LAST after NULLS")
			}
			it.NullsFirst = &first
		}
		items = append(items, it)
		if !p.acceptOp(",") {
			return items
		}
	}
}

// parseLimitOffset parses LIMIT n, OFFSET n [ROWS] and FETCH FIRST n ROWS
// ONLY in any order, each at most once.
func (p *parser) parseLimitOffset(q *ast.Query) {
	for {
		t := p.tok()
		switch {
		case t.is("LIMIT") && q.Limit == nil:
			p.next()
			q.Limit = p.parseExprPrec(precAdd)
		case t.is("OFFSET") && q.Offset == nil:
			p.next()
			q.Offset = p.parseExprPrec(precAdd)
			if !p.acceptKW("ROWS") {
				p.acceptKW("ROW")
			}
		case t.is("FETCH") && q.Limit == nil:
			p.next()
			if !p.acceptKW("FIRST") && !p.acceptKW("NEXT") {
				p.fail("FIRST or NEXT after FETCH")
			}
			if p.isKW("ROW") || p.isKW("ROWS") {
				q.Limit = &ast.NumberLit{Pos: p.pos(), Text: "1"}
			} else {
				q.Limit = p.parseExprPrec(precAdd)
			}
			if !p.acceptKW("ROWS") && !p.acceptKW("ROW") {
				p.fail("ROWS after FETCH FIRST n")
			}
			p.expectKW("ONLY", "ONLY after FETCH FIRST n ROWS")
		case t.is("LIMIT"), t.is("FETCH"), t.is("OFFSET"):
			p.errAt(t, "duplicate "+t.up+" clause", "")
		default:
			return
		}
	}
}

func (p *parser) parseGroupBy() []ast.Expr {
	var out []ast.Expr
	for {
		t := p.tok()
		switch {
		case t.is("GROUPING") && p.peek(1).is("SETS"):
			p.next()
			p.next()
			out = append(out, &ast.GroupingSets{Pos: t.pos, Kind: "GROUPING SETS", Sets: p.parseGroupingSetList()})
		case (t.is("ROLLUP") || t.is("CUBE")) && p.peek(1).isOp("("):
			p.next()
			out = append(out, &ast.GroupingSets{Pos: t.pos, Kind: t.up, Sets: p.parseGroupingSetList()})
		default:
			out = append(out, p.parseExpr())
		}
		if !p.acceptOp(",") {
			return out
		}
	}
}

// parseGroupingSetList parses ((a, b), (a), (), c).
func (p *parser) parseGroupingSetList() [][]ast.Expr {
	p.expectOp("(", "'(' before the grouping sets")
	var sets [][]ast.Expr
	for {
		if p.isOp("(") && p.peek(1).isOp(")") {
			p.next()
			p.next()
			sets = append(sets, []ast.Expr{})
		} else {
			e := p.parseExpr()
			if r, ok := e.(*ast.RowCtor); ok {
				sets = append(sets, r.Elems)
			} else {
				sets = append(sets, []ast.Expr{e})
			}
		}
		if p.acceptOp(",") {
			continue
		}
		if !p.isOp(")") {
			p.listEnd("',' or ')' in the grouping sets")
		}
		p.next()
		return sets
	}
}

func (p *parser) parseWindowClause() []*ast.NamedWindow {
	var out []*ast.NamedWindow
	for {
		w := &ast.NamedWindow{Pos: p.pos(), Name: p.parseIdent("a window name")}
		p.expectKW("AS", "AS after the window name")
		w.Spec = p.parseWindowSpecParens()
		out = append(out, w)
		if !p.acceptOp(",") {
			return out
		}
	}
}
