package ast

import (
	"fmt"
	"strings"
)

// Error is a parse or analysis error at a position in the script. Near is
// the offending text, Hint an optional suggestion.
type Error struct {
	Pos  Pos
	Msg  string
	Near string
	Hint string
}

// Errorf builds an *Error.
func Errorf(pos Pos, format string, args ...any) *Error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Pos.Line > 0 {
		fmt.Fprintf(&b, "line %d, column %d: ", e.Pos.Line, e.Pos.Col)
	}
	b.WriteString(e.Msg)
	if e.Near != "" {
		fmt.Fprintf(&b, " (near %q)", e.Near)
	}
	if e.Hint != "" {
		b.WriteString("\nhint: ")
		b.WriteString(e.Hint)
	}
	return b.String()
}

// Render formats the error with the offending source line and a caret under
// the column, for terminals:
//
//	line 3, column 12: unknown column 'nmae'
//	  3 | SELECT nmae FROM person
//	    |        ^
func (e *Error) Render(src string) string {
	lines := strings.Split(src, "\n")
	if e.Pos.Line < 1 || e.Pos.Line > len(lines) {
		return e.Error()
	}
	line := strings.TrimRight(lines[e.Pos.Line-1], "\r")
	prefix := fmt.Sprintf("%4d | ", e.Pos.Line)
	pad := strings.Repeat(" ", len(prefix)-2) + "| "
	col := e.Pos.Col - 1
	if col < 0 {
		col = 0
	}
	var caret strings.Builder
	for i := 0; i < col && i < len(line); i++ {
		if line[i] == '\t' {
			caret.WriteByte('\t')
		} else {
			caret.WriteByte(' ')
		}
	}
	caret.WriteByte('^')
	head := e.Error()
	hintPart := ""
	if i := strings.Index(head, "\nhint: "); i >= 0 {
		head, hintPart = head[:i], head[i:]
	}
	return head + "\n" + prefix + line + "\n" + pad + caret.String() + hintPart
}
