package parser

import (
	"github.com/sluicehq/sluice/internal/sql/ast"
)

// parseFrom parses the FROM clause: join chains separated by commas. The
// comma binds looser than JOIN: FROM a, b JOIN c ON ... is a, (b JOIN c).
func (p *parser) parseFrom() ast.TableRef {
	left := p.parseJoinChain()
	for p.isOp(",") {
		pos := p.next().pos
		right := p.parseJoinChain()
		left = &ast.Join{Pos: pos, Kind: ast.CrossJoin, Left: left, Right: right}
	}
	return left
}

// joinKind parses [NATURAL] [INNER | LEFT [OUTER] | RIGHT [OUTER] | FULL
// [OUTER] | CROSS] JOIN; ok is false if no join follows.
func (p *parser) joinKind() (kind ast.JoinKind, natural, ok bool) {
	start := p.i
	natural = p.acceptKW("NATURAL")
	t := p.tok()
	switch {
	case t.is("JOIN"):
		kind = ast.InnerJoin
	case t.is("INNER"):
		kind = ast.InnerJoin
		p.next()
	case t.is("LEFT"), t.is("RIGHT"), t.is("FULL"):
		kind = map[string]ast.JoinKind{"LEFT": ast.LeftJoin, "RIGHT": ast.RightJoin, "FULL": ast.FullJoin}[t.up]
		p.next()
		p.acceptKW("OUTER")
	case t.is("CROSS"):
		kind = ast.CrossJoin
		p.next()
	default:
		if natural {
			p.fail("JOIN after NATURAL")
		}
		p.i = start
		return 0, false, false
	}
	p.expectKW("JOIN", "JOIN after "+t.up)
	return kind, natural, true
}

func (p *parser) parseJoinChain() ast.TableRef {
	left := p.parseTablePrimary()
	for {
		pos := p.pos()
		kind, natural, ok := p.joinKind()
		if !ok {
			return left
		}
		j := &ast.Join{Pos: pos, Kind: kind, Natural: natural, Left: left, Right: p.parseTablePrimary()}
		if kind != ast.CrossJoin && !natural {
			switch {
			case p.acceptKW("ON"):
				j.On = p.parseExpr()
			case p.isKW("USING"):
				p.next()
				j.Using = p.parseIdentList("the USING column list")
			default:
				hint := p.autoHint()
				if hint == "" {
					hint = "a JOIN needs a condition: JOIN t ON a.id = t.id (or use CROSS JOIN)"
				}
				p.failHint("ON or USING after the joined table", hint)
			}
		}
		left = j
	}
}

// parseTablePrimary parses one table reference without joins.
func (p *parser) parseTablePrimary() ast.TableRef {
	p.enter()
	defer p.leave()
	t := p.tok()
	switch {
	case t.isOp("("):
		if p.isQueryStart() {
			p.next()
			ref := &ast.SubqueryRef{Pos: t.pos, Query: p.parseQuery()}
			p.expectOp(")", "')' after the subquery")
			ref.Alias, ref.ColAliases = p.parseAlias()
			return ref
		}
		p.next()
		inner := p.parseFrom()
		p.expectOp(")", "')' after the parenthesised join")
		return inner
	case t.is("LATERAL"):
		p.next()
		if !p.isKW("TABLE") {
			p.fail("TABLE after LATERAL")
		}
		tf := p.parseTableFunc()
		tf.Pos, tf.Lateral = t.pos, true
		return tf
	case t.is("TABLE"):
		return p.parseTableFunc()
	case t.is("UNNEST"):
		return p.parseUnnest()
	}
	if !isIdent(t) {
		p.fail("a table name, subquery, TABLE(...), LATERAL TABLE(...) or UNNEST(...)")
	}
	tn := &ast.TableName{Pos: t.pos, Name: p.parseObjectName("a table name")}
	tn.Hints = p.parseHints()
	if p.acceptKW("FOR") {
		p.expectKW("SYSTEM_TIME", "SYSTEM_TIME after FOR")
		p.expectKW("AS", "AS OF after FOR SYSTEM_TIME")
		p.expectKW("OF", "OF after FOR SYSTEM_TIME AS")
		tn.SystemTime = p.parseExprPrec(precConcat)
	}
	tn.Alias, tn.ColAliases = p.parseAlias()
	return tn
}

// parseTableFunc parses TABLE(f(args)) [AS] alias [(cols)].
func (p *parser) parseTableFunc() *ast.TableFunc {
	tf := &ast.TableFunc{Pos: p.next().pos}
	p.expectOp("(", "'(' after TABLE")
	ft := p.tok()
	if !isIdent(ft) && !(ft.kind == tokWord && reservedFuncs[ft.up]) {
		p.fail("a table function call inside TABLE(...)")
	}
	name := ast.ObjectName{{Pos: ft.pos, Name: p.next().text, Quoted: ft.kind == tokQIdent}}
	for p.acceptOp(".") {
		name = append(name, p.parseIdent("a name after '.'"))
	}
	if !p.isOp("(") {
		p.fail("'(' after table function " + name.String())
	}
	tf.Call = p.parseCall(name, ft.pos)
	p.expectOp(")", "')' to close TABLE(...)")
	tf.Alias, tf.ColAliases = p.parseAlias()
	return tf
}

// parseUnnest parses UNNEST(exprs) [WITH ORDINALITY] [AS] alias [(cols)].
func (p *parser) parseUnnest() *ast.Unnest {
	u := &ast.Unnest{Pos: p.next().pos}
	p.expectOp("(", "'(' after UNNEST")
	for {
		u.Exprs = append(u.Exprs, p.parseExpr())
		if p.acceptOp(",") {
			continue
		}
		p.expectOp(")", "')' after the UNNEST arguments")
		break
	}
	u.WithOrdinality = p.acceptKWs("WITH", "ORDINALITY")
	u.Alias, u.ColAliases = p.parseAlias()
	return u
}
