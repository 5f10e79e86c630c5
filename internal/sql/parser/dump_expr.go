package parser

import (
	"fmt"
	"strings"

	"github.com/sluicehq/sluice/internal/sql/ast"
)

// sxQuery renders a query; a query that is only a body renders as the body.
func sxQuery(q *ast.Query) *sx {
	if q == nil {
		return atom("<nil query>")
	}
	if q.With == nil && q.OrderBy == nil && q.Limit == nil && q.Offset == nil {
		return sxBody(q.Body)
	}
	l := list("query")
	if q.With != nil {
		w := list("with")
		for _, c := range q.With {
			w.kids = append(w.kids, list("cte", atom(identStr(c.Name)), idents("columns", c.Columns), sxQuery(c.Query)))
		}
		l.kids = append(l.kids, w)
	}
	l.kids = append(l.kids, sxBody(q.Body))
	if q.OrderBy != nil {
		l.kids = append(l.kids, sxOrder(q.OrderBy))
	}
	l.kids = append(l.kids, optExpr("limit", q.Limit), optExpr("offset", q.Offset))
	return list(l.head, filterNil(l.kids)...)
}

func sxBody(b ast.QueryBody) *sx {
	switch b := b.(type) {
	case *ast.Select:
		return sxSelect(b)
	case *ast.SetOp:
		op := strings.ToLower(b.Op)
		if b.All {
			op += "-all"
		}
		return list(op, sxBody(b.Left), sxBody(b.Right))
	case *ast.Values:
		l := list("values")
		for _, r := range b.Rows {
			l.kids = append(l.kids, exprs("row", r))
		}
		return l
	case *ast.SubqueryBody:
		return list("paren", sxQuery(b.Query))
	}
	return atom(fmt.Sprintf("<unknown body %T>", b))
}

func sxSelect(s *ast.Select) *sx {
	items := list("items")
	for _, it := range s.Items {
		items.kids = append(items.kids, sxSelectItem(it))
	}
	var from, group, windows *sx
	if s.From != nil {
		from = list("from", sxTableRef(s.From))
	}
	if s.GroupBy != nil {
		group = exprs("group-by", s.GroupBy)
	}
	if s.Windows != nil {
		windows = list("window")
		for _, w := range s.Windows {
			windows.kids = append(windows.kids, list(identStr(w.Name), sxWindow(w.Spec)))
		}
	}
	return list("select", sxHints(s.Hints), flagIf(s.Distinct, "distinct"), items, from,
		optExpr("where", s.Where), group, optExpr("having", s.Having), windows)
}

func sxSelectItem(it *ast.SelectItem) *sx {
	if it.Star {
		if it.Qualifier != nil {
			return atom(nameStr(it.Qualifier) + ".*")
		}
		return atom("*")
	}
	if it.Alias != nil {
		return list("as", sxExpr(it.Expr), atom(identStr(*it.Alias)))
	}
	return sxExpr(it.Expr)
}

func sxOrder(items []*ast.OrderItem) *sx {
	l := list("order-by")
	for _, it := range items {
		if !it.Desc && it.NullsFirst == nil {
			l.kids = append(l.kids, sxExpr(it.Expr))
			continue
		}
		var nulls *sx
		if it.NullsFirst != nil {
			nulls = atom(map[bool]string{true: "nulls-first", false: "nulls-last"}[*it.NullsFirst])
		}
		l.kids = append(l.kids, list("order", sxExpr(it.Expr), flagIf(it.Desc, "desc"), nulls))
	}
	return l
}

func sxAlias(a *ast.Ident, cols []ast.Ident) *sx {
	if a == nil {
		return nil
	}
	l := list("as", atom(identStr(*a)))
	for _, c := range cols {
		l.kids = append(l.kids, atom(identStr(c)))
	}
	return l
}

func sxTableRef(t ast.TableRef) *sx {
	switch t := t.(type) {
	case *ast.TableName:
		if t.Alias == nil && t.SystemTime == nil && t.Hints == nil {
			return atom(nameStr(t.Name))
		}
		return list("table", atom(nameStr(t.Name)), sxHints(t.Hints),
			optExpr("for-system-time-as-of", t.SystemTime), sxAlias(t.Alias, t.ColAliases))
	case *ast.SubqueryRef:
		return list("derived", sxQuery(t.Query), sxAlias(t.Alias, t.ColAliases))
	case *ast.TableFunc:
		return list("table-func", flagIf(t.Lateral, "lateral"), sxExpr(t.Call), sxAlias(t.Alias, t.ColAliases))
	case *ast.Unnest:
		l := exprs("unnest", t.Exprs)
		l.kids = append(l.kids, flagIf(t.WithOrdinality, "with-ordinality"), sxAlias(t.Alias, t.ColAliases))
		return list(l.head, filterNil(l.kids)...)
	case *ast.Join:
		kind := t.Kind.String()
		if t.Natural {
			kind = "NATURAL-" + kind
		}
		return list("join", atom(kind), sxTableRef(t.Left), sxTableRef(t.Right),
			optExpr("on", t.On), idents("using", t.Using))
	}
	return atom(fmt.Sprintf("<unknown table ref %T>", t))
}

func sxWindow(w *ast.WindowSpec) *sx {
	l := list("window")
	if w.Name != "" {
		l.kids = append(l.kids, atom(w.Name))
	}
	if w.PartitionBy != nil {
		l.kids = append(l.kids, exprs("partition-by", w.PartitionBy))
	}
	if w.OrderBy != nil {
		l.kids = append(l.kids, sxOrder(w.OrderBy))
	}
	if f := w.Frame; f != nil {
		kind := map[bool]string{true: "rows", false: "range"}[f.Rows]
		fl := list(kind, sxBound(f.Start))
		if f.End != nil {
			fl.kids = append(fl.kids, sxBound(f.End))
		}
		l.kids = append(l.kids, fl)
	}
	return l
}

func sxBound(b *ast.FrameBound) *sx {
	kind := strings.ToLower(strings.ReplaceAll(b.Kind, " ", "-"))
	if b.Offset == nil {
		return atom(kind)
	}
	return list(kind, sxExpr(b.Offset))
}

func sxExpr(e ast.Expr) *sx {
	switch e := e.(type) {
	case nil:
		return atom("<nil>")
	case *ast.ColumnRef:
		return atom(nameStr(e.Parts))
	case *ast.NumberLit:
		return atom(e.Text)
	case *ast.StringLit:
		return atom(quote(e.Value))
	case *ast.BinaryLit:
		return atom("X" + quote(e.Hex))
	case *ast.BoolLit:
		return atom(strings.ToUpper(fmt.Sprint(e.Value)))
	case *ast.NullLit:
		return atom("NULL")
	case *ast.TypedLit:
		return list(e.Type, atom(quote(e.Value)))
	case *ast.IntervalLit:
		return sxInterval(e)
	case *ast.Symbol:
		return atom(":" + e.Name)
	case *ast.Unary:
		return list(e.Op, sxExpr(e.X))
	case *ast.Binary:
		return list(e.Op, sxExpr(e.L), sxExpr(e.R))
	}
	return sxPredicate(e)
}

func sxInterval(e *ast.IntervalLit) *sx {
	v := quote(e.Value)
	if e.Negative {
		v = "-" + v
	}
	l := list("interval", atom(v), atom(e.From+params(e.FromPrecision)))
	if e.To != "" {
		l.kids = append(l.kids, atom("TO"), atom(e.To+params(e.ToPrecision)))
	}
	return l
}

func not(on bool, s string) string {
	if on {
		return "not-" + s
	}
	return s
}

func sxPredicate(e ast.Expr) *sx {
	switch e := e.(type) {
	case *ast.IsNull:
		return list(not(e.Not, "is-null"), sxExpr(e.X))
	case *ast.IsBool:
		return list(not(e.Not, "is-"+strings.ToLower(e.Value)), sxExpr(e.X))
	case *ast.IsDistinctFrom:
		return list(not(e.Not, "is-distinct-from"), sxExpr(e.L), sxExpr(e.R))
	case *ast.Between:
		op := "between"
		if e.Symmetric {
			op += "-symmetric"
		}
		return list(not(e.Not, op), sxExpr(e.X), sxExpr(e.Low), sxExpr(e.High))
	case *ast.In:
		if e.Query != nil {
			return list(not(e.Not, "in"), sxExpr(e.X), sxQuery(e.Query))
		}
		return list(not(e.Not, "in"), sxExpr(e.X), exprs("list", e.List))
	case *ast.Like:
		op := "like"
		if e.Similar {
			op = "similar-to"
		}
		return list(not(e.Not, op), sxExpr(e.X), sxExpr(e.Pattern), optExpr("escape", e.Escape))
	case *ast.Exists:
		return list("exists", sxQuery(e.Query))
	case *ast.Subquery:
		return list("subquery", sxQuery(e.Query))
	case *ast.Case:
		l := list("case")
		if e.Operand != nil {
			l.kids = append(l.kids, sxExpr(e.Operand))
		}
		for _, w := range e.Whens {
			l.kids = append(l.kids, list("when", sxExpr(w.Cond), sxExpr(w.Result)))
		}
		l.kids = append(l.kids, optExpr("else", e.Else))
		return list(l.head, filterNil(l.kids)...)
	case *ast.Cast:
		op := "cast"
		if e.Try {
			op = "try-cast"
		}
		return list(op, sxExpr(e.X), atom(TypeString(e.Type)))
	}
	return sxOther(e)
}

func sxOther(e ast.Expr) *sx {
	switch e := e.(type) {
	case *ast.Call:
		return sxCall(e)
	case *ast.Descriptor:
		return idents("descriptor", e.Columns)
	case *ast.TableArg:
		var part *sx
		if e.PartitionBy != nil {
			part = exprs("partition-by", e.PartitionBy)
		}
		return list("table", atom(nameStr(e.Name)), part)
	case *ast.NamedArg:
		return list("=>", atom(identStr(e.Name)), sxExpr(e.Value))
	case *ast.Subscript:
		return list("index", sxExpr(e.X), sxExpr(e.Index))
	case *ast.FieldAccess:
		return list("field", sxExpr(e.X), atom(identStr(e.Field)))
	case *ast.ArrayCtor:
		return exprs("array", e.Elems)
	case *ast.MapCtor:
		return exprs("map", e.Elems)
	case *ast.RowCtor:
		return exprs("row", e.Elems)
	case *ast.GroupingSets:
		l := list(strings.ToLower(strings.ReplaceAll(e.Kind, " ", "-")))
		for _, s := range e.Sets {
			l.kids = append(l.kids, exprs("set", s))
		}
		return l
	}
	return atom(fmt.Sprintf("<unknown expr %T>", e))
}

func sxCall(c *ast.Call) *sx {
	l := list("call", atom(nameStr(c.Name)))
	if c.NoParens {
		l.kids = append(l.kids, atom("no-parens"))
	}
	l.kids = append(l.kids, flagIf(c.Distinct, "distinct"), flagIf(c.Star, "*"))
	for _, a := range c.Args {
		l.kids = append(l.kids, sxExpr(a))
	}
	l.kids = append(l.kids, flagIf(c.IgnoreNulls, "ignore-nulls"), optExpr("filter", c.Filter))
	if c.Over != nil {
		over := sxWindow(c.Over)
		over.head = "over"
		l.kids = append(l.kids, over)
	}
	return list(l.head, filterNil(l.kids)...)
}
