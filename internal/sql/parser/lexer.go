package parser

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sluicehq/sluice/internal/sql/ast"
)

// tokKind is the kind of a token.
type tokKind uint8

const (
	tokEOF    tokKind = iota
	tokWord           // unquoted identifier or keyword; up holds the upper-cased text
	tokQIdent         // `quoted identifier`; text is unescaped
	tokString         // 'string'; text is unescaped
	tokNumber         // 1, 1.5, .5, 1e10; text as written
	tokBinary         // X'0A'; text holds the hex digits
	tokOp             // punctuation and operators; text is the operator
)

// token is one lexical token. raw is the source text as written, used in
// error messages (Near).
type token struct {
	kind tokKind
	text string
	up   string // upper-cased text for tokWord
	raw  string
	pos  ast.Pos
	// hint is the body of a /*+ ... */ comment immediately before this
	// token; the parser looks at it only where hints are allowed.
	hint    string
	hintPos ast.Pos
}

// lexer turns a script into tokens. It works on bytes; columns are byte
// offsets (1-based) to match ast.Error.Render.
type lexer struct {
	src       string
	off       int
	line, col int
	toks      []token
	hint      string
	hintPos   ast.Pos
}

// lex tokenizes src, always ending with a tokEOF token.
func lex(src string) ([]token, error) { return lexAt(src, 1, 1) }

// lexAt tokenizes src as if it started at line, col (for hint bodies).
func lexAt(src string, line, col int) ([]token, error) {
	lx := &lexer{src: src, line: line, col: col, toks: make([]token, 0, len(src)/5+1)}
	for {
		if err := lx.skipSpace(); err != nil {
			return nil, err
		}
		if lx.off >= len(lx.src) {
			lx.emit(token{kind: tokEOF, pos: lx.pos()})
			return lx.toks, nil
		}
		if err := lx.next(); err != nil {
			return nil, err
		}
	}
}

func (lx *lexer) pos() ast.Pos { return ast.Pos{Line: lx.line, Col: lx.col} }

func (lx *lexer) emit(t token) {
	t.hint, t.hintPos = lx.hint, lx.hintPos
	lx.hint = ""
	lx.toks = append(lx.toks, t)
}

// advance moves n bytes forward, tracking lines and columns.
func (lx *lexer) advance(n int) {
	for i := 0; i < n && lx.off < len(lx.src); i++ {
		if lx.src[lx.off] == '\n' {
			lx.line++
			lx.col = 1
		} else {
			lx.col++
		}
		lx.off++
	}
}

func (lx *lexer) peekByte(i int) byte {
	if lx.off+i < len(lx.src) {
		return lx.src[lx.off+i]
	}
	return 0
}

// skipSpace skips white space and comments, remembering hint comments.
func (lx *lexer) skipSpace() error {
	for lx.off < len(lx.src) {
		c := lx.src[lx.off]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			lx.advance(1)
		case c == '-' && lx.peekByte(1) == '-':
			for lx.off < len(lx.src) && lx.src[lx.off] != '\n' {
				lx.advance(1)
			}
		case c == '/' && lx.peekByte(1) == '*':
			start := lx.pos()
			isHint := lx.peekByte(2) == '+'
			end := strings.Index(lx.src[lx.off+2:], "*/")
			if end < 0 {
				return &ast.Error{Pos: start, Msg: "unterminated comment", Near: "/*",
					Hint: "the comment starting here is never closed; add */"}
			}
			body := lx.src[lx.off+2 : lx.off+2+end]
			lx.advance(end + 4)
			if isHint {
				lx.hint, lx.hintPos = body[1:], start
			}
		default:
			return nil
		}
	}
	return nil
}

// next lexes one token at lx.off (not white space).
func (lx *lexer) next() error {
	c := lx.src[lx.off]
	switch {
	case c == '\'':
		return lx.lexString(tokString, 0)
	case c == '`':
		return lx.lexQuotedIdent()
	case (c == 'x' || c == 'X') && lx.peekByte(1) == '\'':
		return lx.lexString(tokBinary, 1)
	case (c == 'u' || c == 'U') && lx.peekByte(1) == '&' && lx.peekByte(2) == '\'':
		return lx.lexString(tokString, 2)
	case isDigit(c) || (c == '.' && isDigit(lx.peekByte(1))):
		return lx.lexNumber()
	case c == '_' || c == '$' || isASCIILetter(c) || c >= utf8.RuneSelf:
		return lx.lexWord()
	}
	return lx.lexOp()
}

func isDigit(c byte) bool       { return c >= '0' && c <= '9' }
func isASCIILetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

func (lx *lexer) lexWord() error {
	start, pos := lx.off, lx.pos()
	end := lx.off
	for end < len(lx.src) {
		r, size := utf8.DecodeRuneInString(lx.src[end:])
		if r == '_' || r == '$' || unicode.IsLetter(r) || unicode.IsDigit(r) {
			end += size
			continue
		}
		break
	}
	if end == start {
		r, _ := utf8.DecodeRuneInString(lx.src[start:])
		return &ast.Error{Pos: pos, Msg: "unexpected character " + strconv.QuoteRune(r), Near: string(r)}
	}
	lx.advance(end - start)
	w := lx.src[start:end]
	lx.emit(token{kind: tokWord, text: w, up: strings.ToUpper(w), raw: w, pos: pos})
	return nil
}

func (lx *lexer) lexNumber() error {
	start, pos := lx.off, lx.pos()
	i := lx.off
	for i < len(lx.src) && isDigit(lx.src[i]) {
		i++
	}
	if i < len(lx.src) && lx.src[i] == '.' {
		i++
		for i < len(lx.src) && isDigit(lx.src[i]) {
			i++
		}
	}
	if i < len(lx.src) && (lx.src[i] == 'e' || lx.src[i] == 'E') {
		j := i + 1
		if j < len(lx.src) && (lx.src[j] == '+' || lx.src[j] == '-') {
			j++
		}
		if j >= len(lx.src) || !isDigit(lx.src[j]) {
			return &ast.Error{Pos: pos, Msg: "malformed number: exponent has no digits",
				Near: lx.src[start:min(j, len(lx.src))]}
		}
		for j < len(lx.src) && isDigit(lx.src[j]) {
			j++
		}
		i = j
	}
	lx.advance(i - start)
	text := lx.src[start:i]
	lx.emit(token{kind: tokNumber, text: text, raw: text, pos: pos})
	return nil
}

// lexString lexes '...' with ” escapes, after prefix bytes (X or U&).
func (lx *lexer) lexString(kind tokKind, prefix int) error {
	start, pos := lx.off, lx.pos()
	var b strings.Builder
	i := lx.off + prefix + 1
	for {
		j := strings.IndexByte(lx.src[i:], '\'')
		if j < 0 {
			near := lx.src[start:]
			if len(near) > 20 {
				near = near[:20] + "..."
			}
			return &ast.Error{Pos: pos, Msg: "unterminated string literal", Near: near,
				Hint: "the string starting here is never closed; add a closing ' (write '' for a quote inside a string)"}
		}
		b.WriteString(lx.src[i : i+j])
		i += j + 1
		if i < len(lx.src) && lx.src[i] == '\'' {
			b.WriteByte('\'')
			i++
			continue
		}
		break
	}
	raw := lx.src[start:i]
	lx.advance(i - start)
	text := b.String()
	switch {
	case kind == tokBinary:
		for k := 0; k < len(text); k++ {
			if !strings.ContainsRune("0123456789abcdefABCDEF", rune(text[k])) {
				return &ast.Error{Pos: pos, Msg: "invalid hex digit in binary literal", Near: raw}
			}
		}
		if len(text)%2 != 0 {
			return &ast.Error{Pos: pos, Msg: "binary literal has an odd number of hex digits", Near: raw}
		}
	case prefix == 2:
		dec, ok := decodeUnicodeEscapes(text)
		if !ok {
			return &ast.Error{Pos: pos, Msg: "invalid Unicode escape in U&'...' literal", Near: raw,
				Hint: `use \XXXX or \+XXXXXX with hex digits, and \\ for a backslash`}
		}
		text = dec
	}
	lx.emit(token{kind: kind, text: text, raw: raw, pos: pos})
	return nil
}

// decodeUnicodeEscapes decodes \XXXX, \+XXXXXX and \\ in a U&'...' literal.
func decodeUnicodeEscapes(s string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '\\' {
			b.WriteByte('\\')
			i++
			continue
		}
		n, skip := 4, 1
		if i+1 < len(s) && s[i+1] == '+' {
			n, skip = 6, 2
		}
		if i+skip+n > len(s) {
			return "", false
		}
		v, err := strconv.ParseUint(s[i+skip:i+skip+n], 16, 32)
		if err != nil || !utf8.ValidRune(rune(v)) {
			return "", false
		}
		b.WriteRune(rune(v))
		i += skip + n - 1
	}
	return b.String(), true
}

func (lx *lexer) lexQuotedIdent() error {
	start, pos := lx.off, lx.pos()
	var b strings.Builder
	i := lx.off + 1
	for {
		j := strings.IndexByte(lx.src[i:], '`')
		if j < 0 {
			return &ast.Error{Pos: pos, Msg: "unterminated quoted identifier", Near: "`",
				Hint: "the identifier starting here is never closed; add a closing `"}
		}
		b.WriteString(lx.src[i : i+j])
		i += j + 1
		if i < len(lx.src) && lx.src[i] == '`' {
			b.WriteByte('`')
			i++
			continue
		}
		break
	}
	raw := lx.src[start:i]
	lx.advance(i - start)
	if b.Len() == 0 {
		return &ast.Error{Pos: pos, Msg: "empty quoted identifier", Near: raw}
	}
	lx.emit(token{kind: tokQIdent, text: b.String(), raw: raw, pos: pos})
	return nil
}

// ops are the operators, longest first.
var ops = []string{"<>", "!=", "<=", ">=", "||", "=>", "(", ")", "[", "]", ",", ";",
	".", "+", "-", "*", "/", "%", "=", "<", ">"}

func (lx *lexer) lexOp() error {
	pos := lx.pos()
	for _, op := range ops {
		if strings.HasPrefix(lx.src[lx.off:], op) {
			lx.advance(len(op))
			lx.emit(token{kind: tokOp, text: op, raw: op, pos: pos})
			return nil
		}
	}
	r, _ := utf8.DecodeRuneInString(lx.src[lx.off:])
	e := &ast.Error{Pos: pos, Msg: "unexpected character " + strconv.QuoteRune(r), Near: string(r)}
	switch r {
	case '"':
		e.Hint = "Flink SQL quotes identifiers with backquotes (`name`) and strings with single quotes ('text')"
	case '!':
		e.Hint = "use NOT or <> (!= is also accepted)"
	}
	return e
}
