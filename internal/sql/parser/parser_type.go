package parser

import (
	"github.com/sluicehq/sluice/internal/sql/ast"
)

// typeNames are the type keywords, for did-you-mean hints.
var typeNames = []string{"BOOLEAN", "TINYINT", "SMALLINT", "INT", "INTEGER", "BIGINT",
	"FLOAT", "REAL", "DOUBLE", "DECIMAL", "NUMERIC", "CHAR", "VARCHAR", "STRING",
	"BINARY", "VARBINARY", "BYTES", "DATE", "TIME", "TIMESTAMP", "TIMESTAMP_LTZ",
	"INTERVAL", "ARRAY", "MAP", "MULTISET", "ROW"}

// simpleTypes map type spellings without parameters or structure to their
// canonical name; paramTypes take optional (n[, m]).
var simpleTypes = map[string]string{"BOOLEAN": "BOOLEAN", "TINYINT": "TINYINT",
	"SMALLINT": "SMALLINT", "INT": "INT", "INTEGER": "INT", "BIGINT": "BIGINT",
	"REAL": "FLOAT", "STRING": "STRING", "BYTES": "BYTES", "DATE": "DATE"}

var paramTypes = map[string]string{"FLOAT": "FLOAT", "DECIMAL": "DECIMAL", "DEC": "DECIMAL",
	"NUMERIC": "DECIMAL", "VARCHAR": "VARCHAR", "VARBINARY": "VARBINARY",
	"TIMESTAMP_LTZ": "TIMESTAMP_LTZ"}

// parseType parses a data type with nullability and postfix ARRAY/MULTISET.
func (p *parser) parseType() *ast.TypeName {
	p.enter()
	defer p.leave()
	t := p.parseBaseType()
	p.parseNullability(t)
	for {
		k := p.tok()
		if !k.is("ARRAY") && !k.is("MULTISET") {
			return t
		}
		p.next()
		t = &ast.TypeName{Pos: t.Pos, Name: k.up, Elem: t}
		p.parseNullability(t)
	}
}

func (p *parser) parseNullability(t *ast.TypeName) {
	if p.acceptKWs("NOT", "NULL") {
		t.NotNull = true
	} else if p.isKW("NULL") {
		p.next()
	}
}

func (p *parser) parseBaseType() *ast.TypeName {
	k := p.tok()
	if k.kind != tokWord {
		p.fail("a data type")
	}
	t := &ast.TypeName{Pos: k.pos}
	if name, ok := simpleTypes[k.up]; ok {
		p.next()
		t.Name = name
		return t
	}
	if name, ok := paramTypes[k.up]; ok {
		p.next()
		t.Name, t.Params = name, p.parseOptParams()
		t.WithLocalTimeZone = name == "TIMESTAMP_LTZ"
		return t
	}
	p.next()
	switch k.up {
	case "DOUBLE":
		p.acceptKW("PRECISION")
		t.Name = "DOUBLE"
	case "CHAR", "CHARACTER", "BINARY":
		t.Name = map[string]string{"CHAR": "CHAR", "CHARACTER": "CHAR", "BINARY": "BINARY"}[k.up]
		if p.acceptKW("VARYING") {
			t.Name = "VAR" + t.Name
		}
		t.Params = p.parseOptParams()
	case "TIME":
		t.Name, t.Params = "TIME", p.parseOptParams()
		p.acceptKWs("WITHOUT", "TIME", "ZONE")
	case "TIMESTAMP":
		p.parseTimestampType(t)
	case "INTERVAL":
		t.Name = "INTERVAL"
		t.IntervalFrom = p.parseIntervalUnit("a unit (YEAR, MONTH, DAY, HOUR, MINUTE or SECOND) after INTERVAL")
		t.Params = p.parseOptParams()
		if p.acceptKW("TO") {
			t.IntervalTo = p.parseIntervalUnit("a unit after TO")
			t.IntervalToParams = p.parseOptParams()
		}
	case "ARRAY", "MULTISET":
		t.Name = k.up
		p.expectOp("<", "'<' after "+k.up+" (as in "+k.up+"<INT>)")
		t.Elem = p.parseType()
		p.expectOp(">", "'>' to close "+k.up+"<...>")
	case "MAP":
		t.Name = "MAP"
		p.expectOp("<", "'<' after MAP (as in MAP<STRING, INT>)")
		t.Key = p.parseType()
		p.expectOp(",", "',' between the MAP key and value types")
		t.Elem = p.parseType()
		p.expectOp(">", "'>' to close MAP<...>")
	case "ROW":
		t.Name = "ROW"
		t.Fields = p.parseRowFields()
	default:
		p.i--
		hint := ""
		if s := suggest(k.text, typeNames); s != "" {
			hint = "did you mean " + s + "?"
		}
		p.failHint("a data type", hint)
	}
	return t
}

func (p *parser) parseTimestampType(t *ast.TypeName) {
	t.Name, t.Params = "TIMESTAMP", p.parseOptParams()
	switch {
	case p.acceptKWs("WITHOUT", "TIME", "ZONE"):
	case p.acceptKWs("WITH", "LOCAL", "TIME", "ZONE"):
		t.Name, t.WithLocalTimeZone = "TIMESTAMP_LTZ", true
	case p.isKW("WITH") && p.peek(1).is("TIME"):
		p.failHint("LOCAL TIME ZONE after TIMESTAMP WITH",
			"Flink has no TIMESTAMP WITH TIME ZONE; use TIMESTAMP_LTZ or TIMESTAMP WITH LOCAL TIME ZONE")
	}
}

// parseRowFields parses <name type [COMMENT 'c'], ...> or (name type, ...).
func (p *parser) parseRowFields() []*ast.RowField {
	closing := ">"
	switch {
	case p.acceptOp("<>"):
		return nil
	case p.isOp("(") && p.peek(1).isOp(")"):
		p.next()
		p.next()
		return nil
	case p.acceptOp("("):
		closing = ")"
	default:
		p.expectOp("<", "'<' or '(' after ROW (as in ROW<a INT, b STRING>)")
	}
	var fields []*ast.RowField
	for {
		name := p.parseIdent("a field name in ROW")
		f := &ast.RowField{Pos: name.Pos, Name: name, Type: p.parseType()}
		if p.acceptKW("COMMENT") {
			f.Comment = p.parseString("a string after COMMENT")
		}
		fields = append(fields, f)
		if p.acceptOp(",") {
			continue
		}
		if !p.isOp(closing) {
			p.listEnd("',' or '" + closing + "' in the ROW fields")
		}
		p.next()
		return fields
	}
}

// parseOptParams parses an optional (n [, m]) of non-negative integers.
func (p *parser) parseOptParams() []int {
	if !p.isOp("(") {
		return nil
	}
	p.next()
	var out []int
	for {
		out = append(out, p.parseInt("an integer parameter"))
		if p.acceptOp(",") {
			continue
		}
		p.expectOp(")", "',' or ')' after the parameter")
		return out
	}
}
