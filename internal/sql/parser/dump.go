package parser

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/internal/sql/ast"
)

// Dump renders statements as indented S-expressions, one statement after
// another. The format is for tests and debugging: stable, compact, and
// never containing blank lines. Nodes that fit in 90 columns stay on one
// line. Columns are written as a.b, literals as in SQL, symbols as :UNIT,
// types in SQL syntax.
func Dump(stmts []ast.Statement) string {
	var b strings.Builder
	for _, s := range stmts {
		sxStmt(s).write(&b, 0)
		b.WriteByte('\n')
	}
	return b.String()
}

// DumpExpr renders one expression like Dump.
func DumpExpr(e ast.Expr) string {
	var b strings.Builder
	sxExpr(e).write(&b, 0)
	return b.String()
}

const dumpWidth = 90

// sx is an S-expression: an atom (kids == nil and !list) or a list.
type sx struct {
	head string
	kids []*sx
	list bool
}

func atom(s string) *sx { return &sx{head: s} }

// list builds (head kids...), dropping nil kids.
func list(head string, kids ...*sx) *sx {
	out := &sx{head: head, list: true}
	for _, k := range kids {
		if k != nil {
			out.kids = append(out.kids, k)
		}
	}
	return out
}

func (s *sx) flat() string {
	if !s.list {
		return s.head
	}
	parts := []string{s.head}
	for _, k := range s.kids {
		parts = append(parts, k.flat())
	}
	return "(" + strings.Join(parts, " ") + ")"
}

func (s *sx) write(b *strings.Builder, indent int) {
	f := s.flat()
	if !s.list || indent+len(f) <= dumpWidth {
		b.WriteString(f)
		return
	}
	// Leading atoms stay on the head line: (call HOP, (column person INT.
	b.WriteString("(" + s.head)
	i := 0
	for ; i < len(s.kids) && !s.kids[i].list; i++ {
		b.WriteString(" " + s.kids[i].head)
	}
	for _, k := range s.kids[i:] {
		b.WriteString("\n" + strings.Repeat(" ", indent+2))
		k.write(b, indent+2)
	}
	b.WriteString(")")
}

func flagIf(on bool, name string) *sx {
	if on {
		return atom(name)
	}
	return nil
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func identStr(id ast.Ident) string {
	if id.Quoted {
		return "`" + strings.ReplaceAll(id.Name, "`", "``") + "`"
	}
	return id.Name
}

func nameStr(n []ast.Ident) string {
	parts := make([]string, len(n))
	for i, id := range n {
		parts[i] = identStr(id)
	}
	return strings.Join(parts, ".")
}

func idents(head string, ids []ast.Ident) *sx {
	if ids == nil {
		return nil
	}
	l := list(head)
	for _, id := range ids {
		l.kids = append(l.kids, atom(identStr(id)))
	}
	return l
}

func exprs(head string, es []ast.Expr) *sx {
	l := list(head)
	for _, e := range es {
		l.kids = append(l.kids, sxExpr(e))
	}
	return l
}

func optExpr(head string, e ast.Expr) *sx {
	if e == nil {
		return nil
	}
	return list(head, sxExpr(e))
}

func optStr(head, s string) *sx {
	if s == "" {
		return nil
	}
	return list(head, atom(quote(s)))
}

func sxStmt(s ast.Statement) *sx {
	switch s := s.(type) {
	case *ast.CreateTable:
		return sxCreateTable(s)
	case *ast.CreateView:
		return list("create-view", atom(nameStr(s.Name)), flagIf(s.Temporary, "temporary"),
			flagIf(s.IfNotExists, "if-not-exists"), idents("columns", s.Columns), sxQuery(s.Query))
	case *ast.CreateFunction:
		var lang *sx
		if s.Language != "" {
			lang = list("language", atom(s.Language))
		}
		return list("create-function", atom(nameStr(s.Name)), flagIf(s.Temporary, "temporary"),
			flagIf(s.System, "system"), flagIf(s.IfNotExists, "if-not-exists"), atom(quote(s.Class)), lang)
	case *ast.Drop:
		return list("drop", atom(s.Kind), atom(nameStr(s.Name)), flagIf(s.Temporary, "temporary"),
			flagIf(s.System, "system"), flagIf(s.IfExists, "if-exists"))
	case *ast.Set:
		if s.Key == "" {
			return list("set")
		}
		return list("set", atom(quote(s.Key)), atom(quote(s.Value)))
	case *ast.Reset:
		if s.Key == "" {
			return list("reset")
		}
		return list("reset", atom(quote(s.Key)))
	case *ast.Insert:
		return sxInsert(s)
	case *ast.StatementSet:
		l := list("statement-set")
		for _, in := range s.Inserts {
			l.kids = append(l.kids, sxInsert(in))
		}
		return l
	case *ast.QueryStatement:
		return sxQuery(s.Query)
	case *ast.Explain:
		l := list("explain")
		for _, d := range s.Details {
			l.kids = append(l.kids, atom(d))
		}
		l.kids = append(l.kids, sxStmt(s.Statement))
		return l
	case *ast.Show:
		var name *sx
		if s.Name != nil {
			name = atom(nameStr(s.Name))
		}
		return list("show", atom(strings.ReplaceAll(s.What, " ", "-")), name)
	case *ast.Describe:
		return list("describe", atom(nameStr(s.Name)))
	}
	return atom(fmt.Sprintf("<unknown statement %T>", s))
}

func sxInsert(s *ast.Insert) *sx {
	verb := "insert-into"
	if s.Overwrite {
		verb = "insert-overwrite"
	}
	var part *sx
	if s.Partition != nil {
		part = list("partition")
		for _, pv := range s.Partition {
			part.kids = append(part.kids, list("=", atom(identStr(pv.Column)), sxExpr(pv.Value)))
		}
	}
	return list(verb, atom(nameStr(s.Table)), sxHints(s.Hints), part, idents("columns", s.Columns), sxQuery(s.Query))
}

func sxCreateTable(s *ast.CreateTable) *sx {
	l := list("create-table", atom(nameStr(s.Name)), flagIf(s.Temporary, "temporary"),
		flagIf(s.IfNotExists, "if-not-exists"))
	for _, c := range s.Columns {
		l.kids = append(l.kids, sxColumn(c))
	}
	if w := s.Watermark; w != nil {
		l.kids = append(l.kids, list("watermark", atom(identStr(w.Column)), sxExpr(w.Expr)))
	}
	if pk := s.PrimaryKey; pk != nil {
		var cons *sx
		if pk.Constraint != "" {
			cons = list("constraint", atom(pk.Constraint))
		}
		l.kids = append(l.kids, list("primary-key", cons, idents("columns", pk.Columns),
			flagIf(pk.NotEnforced, "not-enforced")))
	}
	l.kids = append(l.kids, optStr("comment", s.Comment), idents("partitioned-by", s.PartitionBy))
	if s.Options != nil {
		l.kids = append(l.kids, sxOptions("with", s.Options))
	}
	if s.Like != nil {
		like := list("like", atom(nameStr(*s.Like)))
		for _, o := range s.LikeOptions {
			like.kids = append(like.kids, atom(strings.ReplaceAll(o, " ", "-")))
		}
		l.kids = append(l.kids, like)
	}
	if s.Query != nil {
		l.kids = append(l.kids, list("as", sxQuery(s.Query)))
	}
	return list(l.head, filterNil(l.kids)...)
}

func filterNil(in []*sx) []*sx {
	var out []*sx
	for _, k := range in {
		if k != nil {
			out = append(out, k)
		}
	}
	return out
}

func sxOptions(head string, opts []*ast.Option) *sx {
	l := list(head)
	for _, o := range opts {
		l.kids = append(l.kids, atom(quote(o.Key)+"="+quote(o.Value)))
	}
	return l
}

func sxColumn(c *ast.ColumnDef) *sx {
	l := list("column", atom(identStr(c.Name)))
	if c.Type != nil {
		l.kids = append(l.kids, atom(TypeString(c.Type)))
	}
	if c.Computed != nil {
		l.kids = append(l.kids, list("as", sxExpr(c.Computed)))
	}
	if m := c.Metadata; m != nil {
		var from *sx
		if m.From != "" {
			from = list("from", atom(quote(m.From)))
		}
		l.kids = append(l.kids, list("metadata", from, flagIf(m.Virtual, "virtual")))
	}
	l.kids = append(l.kids, flagIf(c.PrimaryKey, "primary-key"), optStr("comment", c.Comment))
	return list(l.head, filterNil(l.kids)...)
}

func sxHints(hs []*ast.Hint) *sx {
	if hs == nil {
		return nil
	}
	l := list("hints")
	for _, h := range hs {
		hl := list(h.Name)
		for _, o := range h.Options {
			hl.kids = append(hl.kids, atom(quote(o.Key)+"="+quote(o.Value)))
		}
		for _, a := range h.Args {
			hl.kids = append(hl.kids, atom(a))
		}
		l.kids = append(l.kids, hl)
	}
	return l
}

// TypeString renders a type in SQL syntax with its canonical name.
func TypeString(t *ast.TypeName) string {
	var s string
	switch t.Name {
	case "ARRAY", "MULTISET":
		s = t.Name + "<" + TypeString(t.Elem) + ">"
	case "MAP":
		s = "MAP<" + TypeString(t.Key) + ", " + TypeString(t.Elem) + ">"
	case "ROW":
		fs := make([]string, len(t.Fields))
		for i, f := range t.Fields {
			fs[i] = identStr(f.Name) + " " + TypeString(f.Type)
			if f.Comment != "" {
				fs[i] += " COMMENT " + quote(f.Comment)
			}
		}
		s = "ROW<" + strings.Join(fs, ", ") + ">"
	case "INTERVAL":
		s = "INTERVAL " + t.IntervalFrom + params(t.Params)
		if t.IntervalTo != "" {
			s += " TO " + t.IntervalTo + params(t.IntervalToParams)
		}
	default:
		s = t.Name + params(t.Params)
	}
	if t.NotNull {
		s += " NOT NULL"
	}
	return s
}

func params(ps []int) string {
	if ps == nil {
		return ""
	}
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = strconv.Itoa(p)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
