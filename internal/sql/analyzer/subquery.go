package analyzer

import (
	"strconv"

	"github.com/sluicehq/sluice/internal/sql/ast"
	"github.com/sluicehq/sluice/internal/sql/functions"
	"github.com/sluicehq/sluice/internal/sql/plan"
)

// WHERE conditions `x [NOT] IN (SELECT ...)` and `[NOT] EXISTS (SELECT ...)`
// at the top level of the WHERE clause (joined by AND) become semi and
// anti joins of the FROM clause with the subquery, as Flink decorrelates
// them. EXISTS may refer to the outer query's columns in its WHERE clause;
// those conditions become the join condition.

// planSubqueryFilters plans the subquery conjuncts of where into semi/anti
// joins over rel and returns the remaining conjuncts.
func (s *Session) planSubqueryFilters(where ast.Expr, rel *relation, env *ctes) (*relation, []ast.Expr, error) {
	var rest []ast.Expr
	for _, c := range astConjuncts(where) {
		not := false
		x := c
		if u, ok := x.(*ast.Unary); ok && u.Op == "NOT" {
			not, x = true, u.X
		}
		var err error
		switch q := x.(type) {
		case *ast.In:
			if q.Query == nil {
				rest = append(rest, c)
				continue
			}
			rel, err = s.planInSubquery(q, q.Not != not, rel, env)
		case *ast.Exists:
			rel, err = s.planExists(q, not, rel, env)
		default:
			rest = append(rest, c)
			continue
		}
		if err != nil {
			return nil, nil, err
		}
	}
	return rel, rest, nil
}

func astConjuncts(e ast.Expr) []ast.Expr {
	if b, ok := e.(*ast.Binary); ok && b.Op == "AND" {
		return append(astConjuncts(b.L), astConjuncts(b.R)...)
	}
	return []ast.Expr{e}
}

func semiKind(not bool) plan.JoinKind {
	if not {
		return plan.AntiJoin
	}
	return plan.SemiJoin
}

// simpleSubquery returns the SELECT of a subquery of the form
// SELECT ... FROM ... [WHERE ...], whose WHERE may refer to the outer
// query (a correlated subquery, decorrelated into the join condition).
func simpleSubquery(q *ast.Query) (*ast.Select, bool) {
	sel, ok := q.Body.(*ast.Select)
	if !ok || len(q.With) > 0 || sel.From == nil || len(sel.GroupBy) > 0 || sel.Having != nil || sel.Distinct || hasAggregate(sel) || len(q.OrderBy) > 0 || q.Limit != nil {
		return nil, false
	}
	return sel, true
}

// subqueryFrom plans the FROM of a simple subquery and returns it with the
// scope its WHERE is built in: its own columns after the outer row's
// (width ow), the outer query's visible as a fallback.
func (s *Session) subqueryFrom(sel *ast.Select, outer *scope, ow int, env *ctes) (*relation, *scope, error) {
	inner, err := s.planFrom(sel.From, env)
	if err != nil {
		return nil, nil, err
	}
	sc := newScope()
	for _, c := range inner.scope.cols {
		c.index += ow
		sc.cols = append(sc.cols, c)
	}
	sc.outer = outer
	return inner, sc, nil
}

// planInSubquery plans x [NOT] IN (query): a semi (anti) join on x = the
// query's single column (and the query's WHERE, when it refers to the
// outer query). NOT IN is null-aware: a NULL on either side makes the
// condition unknown, so the row is not kept.
func (s *Session) planInSubquery(q *ast.In, not bool, rel *relation, env *ctes) (*relation, error) {
	b := s.newExprBuilder(rel.scope)
	b.what = "IN"
	x, err := b.build(q.X)
	if err != nil {
		return nil, err
	}
	// The subquery's value y is column yi of right; where is its WHERE
	// over the combined row, built once the left side's width is known.
	var right plan.Node
	var yi int
	var where func(ow int) (plan.Expr, error)
	if sel, ok := simpleSubquery(q.Query); ok && len(sel.Items) == 1 && !sel.Items[0].Star {
		inner, err := s.planFrom(sel.From, env)
		if err != nil {
			return nil, err
		}
		yb := s.newExprBuilder(inner.scope)
		y, err := yb.build(sel.Items[0].Expr)
		if err != nil {
			return nil, err
		}
		right = inner.node
		if c, ok := y.(*plan.ColumnRef); ok {
			yi = c.Index
		} else {
			is := right.Schema()
			yi = is.Len()
			right = withColumns(right, []plan.Expr{y}, []string{"$value"})
		}
		where = func(ow int) (plan.Expr, error) {
			if sel.Where == nil {
				return nil, nil
			}
			_, sc, err := s.subqueryFrom(sel, rel.scope, ow, env)
			if err != nil {
				return nil, err
			}
			return s.joinCondition(sel.Where, sc)
		}
	} else {
		sub, err := s.planQuery(q.Query, env)
		if err != nil {
			return nil, err
		}
		if n := sub.node.Schema().Len(); n != 1 {
			return nil, errorf(q, "the subquery of IN must return one column, but returns %d (%s)", n, sub.node.Schema())
		}
		right = sub.node
		where = func(int) (plan.Expr, error) { return nil, nil }
	}
	yt := right.Schema().Fields[yi]
	lw := rel.node.Schema().Len()
	left := rel.node
	col, isCol := x.(*plan.ColumnRef)
	if !isCol || !plan.KeyCompatible(x.Type(), yt.Type) {
		// Compute the probe value as an extra column, of the subquery
		// column's type, so the join has a key.
		if !x.Type().EqualIgnoringNull(yt.Type) {
			if _, ok := functions.CommonType(x.Type(), yt.Type); !ok {
				return nil, errorf(q, "cannot compare %s with the subquery's column of type %s in IN", x.Type(), yt.Type)
			}
			x = &plan.Cast{X: x, T: yt.Type.WithNullable(x.Type().Nullable)}
		}
		left = withColumns(left, []plan.Expr{x}, []string{"$in"})
		col = &plan.ColumnRef{Index: lw, Name: "$in", T: x.Type()}
	}
	ln := left.Schema().Len()
	eq, err := plan.NewCall("=", col, &plan.ColumnRef{Index: ln + yi, Name: yt.Name, T: yt.Type})
	if err != nil {
		return nil, errorf(q, "IN: %v", err)
	}
	w, err := where(ln)
	if err != nil {
		return nil, err
	}
	var node plan.Node = plan.NewJoin(&plan.Join{Kind: semiKind(not), Left: left, Right: right, Cond: plan.And(eq, w), NullAwareAnti: not})
	if ln != lw {
		node = withoutColumns(node, lw, ln-lw)
	}
	return &relation{node: node, scope: rel.scope}, nil
}

// planExists plans [NOT] EXISTS (SELECT ... FROM f WHERE w): a semi (anti)
// join of rel with f on w, where w may name the outer query's columns.
func (s *Session) planExists(q *ast.Exists, not bool, rel *relation, env *ctes) (*relation, error) {
	sel, ok := simpleSubquery(q.Query)
	if !ok {
		return nil, errorf(q, "EXISTS supports a subquery of the form SELECT ... FROM ... [WHERE ...] (no GROUP BY, aggregates, DISTINCT, ORDER BY or LIMIT)")
	}
	inner, sc, err := s.subqueryFrom(sel, rel.scope, rel.node.Schema().Len(), env)
	if err != nil {
		return nil, err
	}
	var cond plan.Expr
	if sel.Where != nil {
		if cond, err = s.joinCondition(sel.Where, sc); err != nil {
			return nil, err
		}
	}
	node := plan.NewJoin(&plan.Join{Kind: semiKind(not), Left: rel.node, Right: inner.node, Cond: cond})
	return &relation{node: node, scope: rel.scope}, nil
}

// withColumns appends computed columns to n's.
func withColumns(n plan.Node, extra []plan.Expr, names []string) plan.Node {
	s := n.Schema()
	return plan.NewProject(n, append(plan.ColumnRefs(s), extra...), append(s.Names(), names...))
}

// numbered names count columns: prefix0, prefix1, ...
func numbered(prefix string, count int) []string {
	names := make([]string, count)
	for i := range names {
		names[i] = prefix + strconv.Itoa(i)
	}
	return names
}

// withoutColumns drops columns [from, from+count) of n.
func withoutColumns(n plan.Node, from, count int) plan.Node {
	s := n.Schema()
	ids, names := plan.ColumnRefs(s), s.Names()
	return plan.NewProject(n, append(ids[:from:from], ids[from+count:]...), append(names[:from:from], names[from+count:]...))
}
