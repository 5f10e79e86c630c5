package parser

import (
	"strings"

	"github.com/sluicehq/sluice/internal/sql/ast"
)

func (p *parser) parseCreate() ast.Statement {
	pos := p.next().pos
	temp := p.acceptKW("TEMPORARY")
	system := temp && p.acceptKW("SYSTEM")
	switch {
	case p.isKW("TABLE") && !system:
		p.next()
		return p.parseCreateTable(pos, temp)
	case p.isKW("VIEW") && !system:
		p.next()
		return p.parseCreateView(pos, temp)
	case p.isKW("FUNCTION"):
		p.next()
		return p.parseCreateFunction(pos, temp, system)
	}
	hint := p.autoHint()
	if t := p.tok(); t.is("CATALOG") || t.is("DATABASE") || t.is("OR") {
		hint = "CREATE " + t.up + " is not supported by Sluice"
	}
	p.failHint("TABLE, VIEW or FUNCTION after CREATE", hint)
	return nil
}

func (p *parser) parseIfNotExists() bool { return p.acceptKWs("IF", "NOT", "EXISTS") }

func (p *parser) parseCreateTable(pos ast.Pos, temp bool) *ast.CreateTable {
	ct := &ast.CreateTable{Pos: pos, Temporary: temp, IfNotExists: p.parseIfNotExists()}
	ct.Name = p.parseObjectName("a table name after CREATE TABLE")
	if p.acceptOp("(") {
		for {
			p.parseTableElement(ct)
			if p.acceptOp(",") {
				continue
			}
			if !p.isOp(")") {
				p.listEnd("',' or ')' after a column definition")
			}
			p.next()
			break
		}
	}
	if p.acceptKW("COMMENT") {
		ct.Comment = p.parseString("a string after COMMENT")
	}
	if p.acceptKW("PARTITIONED") {
		p.expectKW("BY", "BY after PARTITIONED")
		ct.PartitionBy = p.parseIdentList("the PARTITIONED BY list")
	}
	if p.acceptKW("WITH") {
		ct.Options = p.parseOptions()
	}
	if p.acceptKW("LIKE") {
		name := p.parseObjectName("a table name after LIKE")
		ct.Like = &name
		if p.isOp("(") {
			ct.LikeOptions = p.parseLikeOptions()
		}
	}
	if p.acceptKW("AS") {
		if !p.isQueryStart() {
			p.fail("a query after AS")
		}
		ct.Query = p.parseQuery()
	}
	return ct
}

// parseTableElement parses one column, watermark or primary key definition.
func (p *parser) parseTableElement(ct *ast.CreateTable) {
	t := p.tok()
	switch {
	case t.is("WATERMARK") && p.peek(1).is("FOR"):
		p.next()
		p.next()
		if ct.Watermark != nil {
			p.errAt(t, "a table can have only one WATERMARK", "")
		}
		wm := &ast.WatermarkDef{Pos: t.pos, Column: p.parseIdent("the rowtime column after WATERMARK FOR")}
		p.expectKW("AS", "AS after WATERMARK FOR "+wm.Column.Name)
		wm.Expr = p.parseExpr()
		ct.Watermark = wm
	case t.is("CONSTRAINT") || t.is("PRIMARY"):
		if ct.PrimaryKey != nil {
			p.errAt(t, "a table can have only one PRIMARY KEY", "")
		}
		ct.PrimaryKey = p.parsePrimaryKey()
	default:
		ct.Columns = append(ct.Columns, p.parseColumn())
	}
}

// parsePrimaryKey parses [CONSTRAINT name] PRIMARY KEY (cols) [NOT ENFORCED].
func (p *parser) parsePrimaryKey() *ast.PrimaryKeyDef {
	pk := &ast.PrimaryKeyDef{Pos: p.pos()}
	if p.acceptKW("CONSTRAINT") {
		pk.Constraint = p.parseIdent("a constraint name after CONSTRAINT").Name
	}
	p.expectKW("PRIMARY", "PRIMARY KEY")
	p.expectKW("KEY", "KEY after PRIMARY")
	pk.Columns = p.parseIdentList("the PRIMARY KEY column list")
	pk.NotEnforced = p.acceptKWs("NOT", "ENFORCED")
	return pk
}

// parseColumn parses a physical, computed or metadata column.
func (p *parser) parseColumn() *ast.ColumnDef {
	t := p.tok()
	if !isIdent(t) {
		p.failName("a column definition, WATERMARK FOR or PRIMARY KEY")
	}
	col := &ast.ColumnDef{Pos: t.pos, Name: p.parseIdent("a column name")}
	if p.acceptKW("AS") {
		col.Computed = p.parseExpr()
	} else {
		if p.isOp(",") || p.isOp(")") {
			p.fail("a type for column " + col.Name.Name)
		}
		col.Type = p.parseType()
	}
	for {
		switch {
		case col.Type != nil && col.Metadata == nil && p.acceptKW("METADATA"):
			col.Metadata = &ast.MetadataDef{}
			if p.acceptKW("FROM") {
				col.Metadata.From = p.parseString("a metadata key string after FROM")
			}
			col.Metadata.Virtual = p.acceptKW("VIRTUAL")
		case p.isKW("PRIMARY") || p.isKW("CONSTRAINT"):
			p.parseInlinePrimaryKey()
			col.PrimaryKey = true
		case p.acceptKW("COMMENT"):
			col.Comment = p.parseString("a string after COMMENT")
		default:
			return col
		}
	}
}

// parseInlinePrimaryKey parses [CONSTRAINT name] PRIMARY KEY NOT ENFORCED
// after a column type. Flink only supports NOT ENFORCED keys; inline keys
// have nowhere to record the mode, so it is required here.
func (p *parser) parseInlinePrimaryKey() {
	if p.acceptKW("CONSTRAINT") {
		p.parseIdent("a constraint name after CONSTRAINT")
	}
	p.expectKW("PRIMARY", "PRIMARY KEY")
	p.expectKW("KEY", "KEY after PRIMARY")
	if !p.acceptKWs("NOT", "ENFORCED") {
		p.failHint("NOT ENFORCED after PRIMARY KEY", "Flink only supports PRIMARY KEY ... NOT ENFORCED")
	}
}

// parseOptions parses ('k' = 'v', ...) after WITH.
func (p *parser) parseOptions() []*ast.Option {
	const hint = "options are quoted strings: WITH ('connector' = 'kafka', 'topic' = 'bids')"
	p.expectOp("(", "'(' after WITH")
	var opts []*ast.Option
	if p.acceptOp(")") {
		return opts
	}
	for {
		t := p.tok()
		if t.kind != tokString {
			p.failHint("an option key as a quoted string", hint)
		}
		p.next()
		p.expectOp("=", "'=' after option key '"+t.text+"'")
		if p.tok().kind != tokString {
			p.failHint("a quoted string value for option '"+t.text+"'", hint)
		}
		opts = append(opts, &ast.Option{Pos: t.pos, Key: t.text, Value: p.next().text})
		if p.acceptOp(",") {
			continue
		}
		if !p.isOp(")") {
			p.listEnd("',' or ')' in the WITH options")
		}
		p.next()
		return opts
	}
}

var likeVerbs = map[string]bool{"INCLUDING": true, "EXCLUDING": true, "OVERWRITING": true}
var likeObjects = map[string]bool{"ALL": true, "CONSTRAINTS": true, "PARTITIONS": true,
	"GENERATED": true, "OPTIONS": true, "WATERMARKS": true, "METADATA": true}

// parseLikeOptions parses (INCLUDING ALL EXCLUDING OPTIONS ...) after LIKE name.
func (p *parser) parseLikeOptions() []string {
	p.next()
	var out []string
	for !p.acceptOp(")") {
		verb := p.tok()
		if verb.kind != tokWord || !likeVerbs[verb.up] {
			p.fail("INCLUDING, EXCLUDING, OVERWRITING or ')' in the LIKE options")
		}
		p.next()
		obj := p.tok()
		if obj.kind != tokWord || !likeObjects[obj.up] {
			p.fail("ALL, CONSTRAINTS, PARTITIONS, GENERATED, OPTIONS, WATERMARKS or METADATA after " + verb.up)
		}
		p.next()
		out = append(out, verb.up+" "+obj.up)
	}
	return out
}

func (p *parser) parseCreateView(pos ast.Pos, temp bool) *ast.CreateView {
	cv := &ast.CreateView{Pos: pos, Temporary: temp, IfNotExists: p.parseIfNotExists()}
	cv.Name = p.parseObjectName("a view name after CREATE VIEW")
	if p.isOp("(") {
		cv.Columns = p.parseIdentList("the view column list")
	}
	if p.acceptKW("COMMENT") {
		p.parseString("a string after COMMENT")
	}
	p.expectKW("AS", "AS before the view query")
	if !p.isQueryStart() {
		p.fail("a query after AS")
	}
	cv.Query = p.parseQuery()
	return cv
}

func (p *parser) parseCreateFunction(pos ast.Pos, temp, system bool) *ast.CreateFunction {
	cf := &ast.CreateFunction{Pos: pos, Temporary: temp, System: system, IfNotExists: p.parseIfNotExists()}
	cf.Name = p.parseObjectName("a function name after CREATE FUNCTION")
	p.expectKW("AS", "AS 'class name' after the function name")
	cf.Class = p.parseString("the implementation class name as a quoted string")
	if p.acceptKW("LANGUAGE") {
		t := p.tok()
		if t.kind != tokWord || (t.up != "JAVA" && t.up != "SCALA" && t.up != "PYTHON") {
			p.fail("JAVA, SCALA or PYTHON after LANGUAGE")
		}
		cf.Language = p.next().up
	}
	return cf
}

func (p *parser) parseDrop() ast.Statement {
	d := &ast.Drop{Pos: p.next().pos}
	d.Temporary = p.acceptKW("TEMPORARY")
	d.System = d.Temporary && p.acceptKW("SYSTEM")
	t := p.tok()
	switch {
	case (t.is("TABLE") || t.is("VIEW")) && !d.System, t.is("FUNCTION"):
		d.Kind = p.next().up
	default:
		p.fail("TABLE, VIEW or FUNCTION after DROP")
	}
	d.IfExists = p.acceptKWs("IF", "EXISTS")
	d.Name = p.parseObjectName("a " + strings.ToLower(d.Kind) + " name")
	return d
}

// parseHintBody parses the inside of /*+ ... */: name[(args)] {, ...}.
// Arguments are either 'k' = 'v' pairs (Options) or plain values (Args).
func parseHintBody(body string, pos ast.Pos) ([]*ast.Hint, *ast.Error) {
	toks, err := lexAt(body, pos.Line, pos.Col+3)
	if err != nil {
		return nil, err.(*ast.Error)
	}
	p := &parser{toks: toks}
	var hints []*ast.Hint
	var perr *ast.Error
	func() {
		defer func() {
			if r := recover(); r != nil {
				b, ok := r.(bailout)
				if !ok {
					panic(r)
				}
				perr = b.err
			}
		}()
		for p.tok().kind != tokEOF {
			hints = append(hints, p.parseHint())
			if !p.acceptOp(",") && p.tok().kind != tokEOF {
				p.fail("',' or the end of the hint")
			}
		}
	}()
	return hints, perr
}

func (p *parser) parseHint() *ast.Hint {
	t := p.tok()
	if t.kind != tokWord {
		p.fail("a hint name")
	}
	p.next()
	h := &ast.Hint{Pos: t.pos, Name: t.up}
	if !p.acceptOp("(") {
		return h
	}
	for !p.acceptOp(")") {
		a := p.tok()
		switch a.kind {
		case tokString, tokWord, tokQIdent, tokNumber:
		default:
			p.fail("a hint argument or ')'")
		}
		p.next()
		if a.kind == tokString && p.acceptOp("=") {
			v := p.tok()
			if v.kind != tokString {
				p.fail("a quoted hint option value")
			}
			p.next()
			h.Options = append(h.Options, &ast.Option{Pos: a.pos, Key: a.text, Value: v.text})
		} else {
			h.Args = append(h.Args, a.text)
		}
		if !p.acceptOp(",") && !p.isOp(")") {
			p.fail("',' or ')' in the hint")
		}
	}
	return h
}
