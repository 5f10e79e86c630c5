package parser

import (
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/internal/sql/ast"
)

// bailout carries a parse error up the recursive descent; Parse recovers it.
// Any other panic is a parser bug and is re-raised.
type bailout struct{ err *ast.Error }

// maxDepth bounds nesting (parentheses, subqueries, nested types) so that
// hostile input cannot exhaust the stack.
const maxDepth = 300

func (p *parser) enter() {
	p.depth++
	if p.depth > maxDepth {
		p.errAt(p.tok(), "nesting too deep (more than "+strconv.Itoa(maxDepth)+" levels)", "")
	}
}

func (p *parser) leave() { p.depth-- }

// errAt aborts parsing with an error at t.
func (p *parser) errAt(t token, msg, hint string) {
	near := t.raw
	if len(near) > 40 {
		near = near[:40] + "..."
	}
	panic(bailout{&ast.Error{Pos: t.pos, Msg: msg, Near: near, Hint: hint}})
}

// fail aborts with "unexpected <current token>; expected <want>" and a
// did-you-mean hint when the current or previous word looks like a
// misspelled keyword.
func (p *parser) fail(want string) {
	p.failHint(want, p.autoHint())
}

func (p *parser) failHint(want, hint string) {
	t := p.tok()
	p.errAt(t, "unexpected "+describe(t)+"; expected "+want, hint)
}

// autoHint suggests a keyword for a misspelled word at or just before the
// current token (a misspelled FROM is often parsed as an alias first).
func (p *parser) autoHint() string {
	t := p.tok()
	if t.kind == tokWord && !t.isReserved() {
		if s := suggest(t.text, suggestable); s != "" {
			return "did you mean " + s + "?"
		}
	}
	if p.i > 0 {
		prev := p.toks[p.i-1]
		if prev.kind == tokWord && !prev.isReserved() {
			if s := suggest(prev.text, suggestable); s != "" {
				return "did you mean " + s + " instead of " + prev.text + "?"
			}
		}
	}
	return ""
}

// failName fails where a name or expression was expected; a reserved word
// there was most likely meant as a name, and the hint says how to quote it.
func (p *parser) failName(want string) {
	t := p.tok()
	hint := p.autoHint()
	if hint == "" && t.isReserved() && !isStructural(t.up) {
		hint = t.up + " is a reserved keyword; write `" + t.text + "` to use it as a name"
	}
	p.failHint(want, hint)
}

// isStructural reports whether a reserved word is a clause or operator
// keyword rather than one users plausibly meant as a name.
func isStructural(up string) bool {
	for _, s := range suggestable {
		if s == up {
			return true
		}
	}
	switch up {
	case "AND", "OR", "NOT", "IN", "IS", "LIKE", "ON", "AS", "BY", "END", "WITH", "SET", "SELECT", "ALL", "NULL", "TRUE", "FALSE":
		return true
	}
	return false
}

// describe names a token for an error message.
func describe(t token) string {
	switch t.kind {
	case tokEOF:
		return "end of input"
	case tokWord:
		if t.isReserved() {
			return "keyword " + t.up
		}
		return "identifier " + t.text
	case tokQIdent:
		return "identifier " + t.raw
	case tokString:
		return "string " + shorten(t.raw)
	case tokNumber:
		return "number " + t.raw
	case tokBinary:
		return "binary literal " + shorten(t.raw)
	}
	return "'" + t.text + "'"
}

func shorten(s string) string {
	if len(s) > 30 {
		return s[:27] + "..."
	}
	return s
}

// listEnd is called where a list needs ',' or its closing token. When the
// current token could start another element, the likely mistake is a
// missing comma, and the hint says so.
func (p *parser) listEnd(want string) {
	t := p.tok()
	hint := p.autoHint()
	if hint == "" && (t.kind == tokQIdent || t.kind == tokNumber || t.kind == tokString ||
		(t.kind == tokWord && !t.isReserved())) {
		hint = "missing comma before " + t.raw + "?"
	}
	p.failHint(want, hint)
}

// quoteList formats words as "A, B or C".
func quoteList(words []string) string {
	if len(words) <= 1 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}
