package parser

import (
	"strconv"

	"github.com/sluicehq/sluice/internal/sql/ast"
)

// Parse parses a script of statements separated by ';'. Errors are
// *ast.Error with the position of the offending token.
func Parse(src string) (stmts []ast.Statement, err error) {
	toks, lerr := lex(src)
	if lerr != nil {
		return nil, lerr
	}
	p := &parser{toks: toks}
	defer func() {
		if r := recover(); r != nil {
			b, ok := r.(bailout)
			if !ok {
				panic(r)
			}
			stmts, err = nil, b.err
		}
	}()
	return p.parseScript(), nil
}

// ParseExpr parses a single expression.
func ParseExpr(src string) (e ast.Expr, err error) {
	toks, lerr := lex(src)
	if lerr != nil {
		return nil, lerr
	}
	p := &parser{toks: toks}
	defer func() {
		if r := recover(); r != nil {
			b, ok := r.(bailout)
			if !ok {
				panic(r)
			}
			e, err = nil, b.err
		}
	}()
	e = p.parseExpr()
	if p.tok().kind != tokEOF {
		p.fail("end of expression")
	}
	return e, nil
}

// parser is a recursive-descent parser over the token slice.
type parser struct {
	toks  []token
	i     int
	depth int
}

func (p *parser) tok() token { return p.toks[p.i] }

// peek returns the token n positions ahead (EOF past the end).
func (p *parser) peek(n int) token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) next() token {
	t := p.toks[p.i]
	if p.i < len(p.toks)-1 {
		p.i++
	}
	return t
}

func (p *parser) pos() ast.Pos { return p.tok().pos }

func (t token) is(kw string) bool   { return t.kind == tokWord && t.up == kw }
func (t token) isOp(op string) bool { return t.kind == tokOp && t.text == op }

func (p *parser) isKW(kw string) bool { return p.tok().is(kw) }
func (p *parser) isOp(op string) bool { return p.tok().isOp(op) }

func (p *parser) acceptKW(kw string) bool {
	if p.isKW(kw) {
		p.next()
		return true
	}
	return false
}

// acceptKWs consumes the keyword sequence kws if all of it is next.
func (p *parser) acceptKWs(kws ...string) bool {
	for i, kw := range kws {
		if !p.peek(i).is(kw) {
			return false
		}
	}
	for range kws {
		p.next()
	}
	return true
}

func (p *parser) acceptOp(op string) bool {
	if p.isOp(op) {
		p.next()
		return true
	}
	return false
}

func (p *parser) expectKW(kw, want string) token {
	if !p.isKW(kw) {
		p.fail(want)
	}
	return p.next()
}

func (p *parser) expectOp(op, want string) token {
	if !p.isOp(op) {
		p.fail(want)
	}
	return p.next()
}

// isIdent reports whether t can be an identifier: quoted, or an unquoted
// word that is not reserved.
func isIdent(t token) bool {
	return t.kind == tokQIdent || (t.kind == tokWord && !t.isReserved())
}

func (p *parser) parseIdent(want string) ast.Ident {
	t := p.tok()
	if !isIdent(t) {
		p.failName(want)
	}
	p.next()
	return ast.Ident{Pos: t.pos, Name: t.text, Quoted: t.kind == tokQIdent}
}

// parseObjectName parses ident {'.' ident}.
func (p *parser) parseObjectName(want string) ast.ObjectName {
	name := ast.ObjectName{p.parseIdent(want)}
	for p.isOp(".") {
		p.next()
		name = append(name, p.parseIdent("a name after '.'"))
	}
	return name
}

// parseIdentList parses '(' ident {, ident} ')'.
func (p *parser) parseIdentList(what string) []ast.Ident {
	p.expectOp("(", "'(' before "+what)
	var ids []ast.Ident
	for {
		ids = append(ids, p.parseIdent("a column name in "+what))
		if p.acceptOp(",") {
			continue
		}
		if !p.isOp(")") {
			p.listEnd("',' or ')' in " + what)
		}
		p.next()
		return ids
	}
}

func (p *parser) parseString(want string) string {
	if p.tok().kind != tokString {
		p.fail(want)
	}
	return p.next().text
}

// parseInt parses a non-negative integer literal.
func (p *parser) parseInt(want string) int {
	t := p.tok()
	if t.kind != tokNumber {
		p.fail(want)
	}
	n, err := strconv.Atoi(t.text)
	if err != nil || n < 0 {
		p.errAt(t, "expected a non-negative integer, found "+t.raw, "")
	}
	p.next()
	return n
}

// parseScript parses statements until the end of input.
func (p *parser) parseScript() []ast.Statement {
	var stmts []ast.Statement
	for {
		for p.acceptOp(";") {
		}
		if p.tok().kind == tokEOF {
			return stmts
		}
		stmts = append(stmts, p.parseStatement())
		if p.tok().kind != tokEOF && !p.isOp(";") {
			p.fail("';' or end of input after the statement")
		}
	}
}

func (p *parser) parseStatement() ast.Statement {
	t := p.tok()
	if p.isQueryStart() {
		return &ast.QueryStatement{Pos: t.pos, Query: p.parseQuery()}
	}
	switch {
	case t.is("INSERT"):
		return p.parseInsert()
	case t.is("CREATE"):
		return p.parseCreate()
	case t.is("DROP"):
		return p.parseDrop()
	case t.is("SET"):
		return p.parseSet()
	case t.is("RESET"):
		return p.parseReset()
	case t.is("SHOW"):
		return p.parseShow()
	case t.is("DESCRIBE"), t.is("DESC"):
		p.next()
		p.acceptKW("EXTENDED")
		return &ast.Describe{Pos: t.pos, Name: p.parseObjectName("a table name after " + t.up)}
	case t.is("EXPLAIN"):
		return p.parseExplain()
	case t.is("EXECUTE"):
		p.next()
		if p.isKW("INSERT") {
			return p.parseInsert()
		}
		p.expectKW("STATEMENT", "STATEMENT SET or INSERT after EXECUTE")
		p.expectKW("SET", "SET after EXECUTE STATEMENT")
		p.expectKW("BEGIN", "BEGIN after EXECUTE STATEMENT SET")
		return p.parseStatementSetBody(t.pos, false)
	case t.is("BEGIN"):
		p.next()
		p.expectKW("STATEMENT", "STATEMENT SET after BEGIN")
		p.expectKW("SET", "SET after BEGIN STATEMENT")
		p.expectOp(";", "';' after BEGIN STATEMENT SET")
		return p.parseStatementSetBody(t.pos, true)
	}
	hint := ""
	if t.kind == tokWord {
		if s := suggest(t.text, statementStarts); s != "" {
			hint = "did you mean " + s + "?"
		}
	}
	p.failHint("a statement (SELECT, INSERT, CREATE, DROP, SET, SHOW, EXPLAIN, ...)", hint)
	return nil
}

// parseStatementSetBody parses insert; ... END after BEGIN.
func (p *parser) parseStatementSetBody(pos ast.Pos, old bool) *ast.StatementSet {
	set := &ast.StatementSet{Pos: pos}
	for {
		for p.acceptOp(";") {
		}
		if p.acceptKW("END") {
			return set
		}
		if p.tok().kind == tokEOF {
			p.errAt(p.tok(), "statement set is never closed; expected END", "add END after the last INSERT")
		}
		if !p.isKW("INSERT") {
			p.fail("INSERT or END in the statement set (only INSERT statements are allowed)")
		}
		set.Inserts = append(set.Inserts, p.parseInsert())
		if !p.isOp(";") && !p.isKW("END") {
			p.fail("';' after INSERT in the statement set")
		}
	}
}

func (p *parser) parseInsert() *ast.Insert {
	ins := &ast.Insert{Pos: p.next().pos}
	switch {
	case p.acceptKW("INTO"):
	case p.acceptKW("OVERWRITE"):
		ins.Overwrite = true
	default:
		p.fail("INTO or OVERWRITE after INSERT")
	}
	ins.Table = p.parseObjectName("a table name after INSERT INTO")
	ins.Hints = p.parseHints()
	if p.acceptKW("PARTITION") {
		ins.Partition = p.parsePartitionSpec()
	}
	if p.isOp("(") && !p.isQueryStart() {
		ins.Columns = p.parseIdentList("the column list")
	}
	if !p.isQueryStart() {
		p.fail("a query (SELECT, VALUES or WITH) after INSERT INTO " + ins.Table.String())
	}
	ins.Query = p.parseQuery()
	return ins
}

// parsePartitionSpec parses (col = literal, ...) after PARTITION.
func (p *parser) parsePartitionSpec() []*ast.PartitionValue {
	p.expectOp("(", "'(' after PARTITION")
	var vals []*ast.PartitionValue
	for {
		col := p.parseIdent("a partition column")
		p.expectOp("=", "'=' after partition column "+col.Name)
		vals = append(vals, &ast.PartitionValue{Pos: col.Pos, Column: col, Value: p.parseExprPrec(precConcat)})
		if p.acceptOp(",") {
			continue
		}
		if !p.isOp(")") {
			p.listEnd("',' or ')' in the partition spec")
		}
		p.next()
		return vals
	}
}

func (p *parser) parseSet() ast.Statement {
	s := &ast.Set{Pos: p.next().pos}
	if p.isOp(";") || p.tok().kind == tokEOF {
		return s
	}
	const hint = "quote the key and the value: SET 'table.exec.mini-batch.enabled' = 'true'"
	if p.tok().kind != tokString {
		p.failHint("a quoted key after SET", hint)
	}
	s.Key = p.next().text
	p.expectOp("=", "'=' after the SET key")
	if p.tok().kind != tokString {
		p.failHint("a quoted value after '='", hint)
	}
	s.Value = p.next().text
	return s
}

func (p *parser) parseReset() ast.Statement {
	r := &ast.Reset{Pos: p.next().pos}
	if p.tok().kind == tokString {
		r.Key = p.next().text
	}
	return r
}

// showWhat are the SHOW forms without an object name.
var showWhat = []string{"CATALOGS", "CURRENT CATALOG", "DATABASES", "CURRENT DATABASE",
	"TABLES", "VIEWS", "FUNCTIONS", "USER FUNCTIONS", "MODULES", "FULL MODULES", "JARS", "JOBS"}

func (p *parser) parseShow() ast.Statement {
	s := &ast.Show{Pos: p.next().pos}
	switch {
	case p.acceptKWs("CREATE", "TABLE"):
		s.What, s.Name = "CREATE TABLE", p.parseObjectName("a table name")
		return s
	case p.acceptKWs("CREATE", "VIEW"):
		s.What, s.Name = "CREATE VIEW", p.parseObjectName("a view name")
		return s
	case p.acceptKW("COLUMNS"):
		if !p.acceptKW("FROM") && !p.acceptKW("IN") {
			p.fail("FROM or IN after SHOW COLUMNS")
		}
		s.What, s.Name = "COLUMNS", p.parseObjectName("a table name")
		return s
	}
	for _, w := range showWhat {
		words := splitWords(w)
		if p.acceptKWs(words...) {
			s.What = w
			return s
		}
	}
	hint := ""
	if t := p.tok(); t.kind == tokWord {
		if s := suggest(t.text, showWords); s != "" {
			hint = "did you mean " + s + "?"
		}
	}
	p.failHint("what to show: "+quoteList(showWhat)+", CREATE TABLE name, COLUMNS FROM name", hint)
	return nil
}

var showWords = []string{"CATALOGS", "DATABASES", "TABLES", "VIEWS", "FUNCTIONS",
	"MODULES", "JARS", "JOBS", "CREATE", "COLUMNS", "CURRENT", "USER", "FULL"}

func splitWords(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ' ' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}

// explainDetails are the detail keywords of EXPLAIN.
var explainDetails = map[string]bool{"CHANGELOG_MODE": true, "ESTIMATED_COST": true,
	"JSON_EXECUTION_PLAN": true, "PLAN_ADVICE": true}

func (p *parser) parseExplain() ast.Statement {
	e := &ast.Explain{Pos: p.next().pos}
	if !p.acceptKWs("PLAN", "FOR") {
		for p.tok().kind == tokWord && explainDetails[p.tok().up] {
			e.Details = append(e.Details, p.next().up)
			if !p.acceptOp(",") {
				break
			}
		}
	}
	t := p.tok()
	switch {
	case p.isQueryStart():
		e.Statement = &ast.QueryStatement{Pos: t.pos, Query: p.parseQuery()}
	case t.is("INSERT"):
		e.Statement = p.parseInsert()
	case t.is("EXECUTE") || t.is("STATEMENT"):
		if t.is("EXECUTE") {
			p.next()
		}
		p.expectKW("STATEMENT", "STATEMENT SET")
		p.expectKW("SET", "SET after STATEMENT")
		p.expectKW("BEGIN", "BEGIN after STATEMENT SET")
		e.Statement = p.parseStatementSetBody(t.pos, false)
	default:
		p.fail("a query, INSERT or STATEMENT SET to explain")
	}
	return e
}

// parseHints parses the /*+ ... */ comment before the current token, if any.
func (p *parser) parseHints() []*ast.Hint {
	t := p.tok()
	if t.hint == "" {
		return nil
	}
	hints, err := parseHintBody(t.hint, t.hintPos)
	if err != nil {
		panic(bailout{err})
	}
	return hints
}
