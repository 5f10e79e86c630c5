package analyzer

import (
	"github.com/sluicehq/sluice/internal/sql/ast"
	"github.com/sluicehq/sluice/internal/sql/functions"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
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

// planInSubquery plans x [NOT] IN (query): a semi (anti) join on x = the
// query's single column. NOT IN is null-aware: a NULL on either side makes
// the condition unknown, so the row is not kept.
func (s *Session) planInSubquery(q *ast.In, not bool, rel *relation, env *ctes) (*relation, error) {
	sub, err := s.planQuery(q.Query, env)
	if err != nil {
		return nil, err
	}
	ss := sub.node.Schema()
	if ss.Len() != 1 {
		return nil, errorf(q, "the subquery of IN must return one column, but returns %d (%s)", ss.Len(), ss)
	}
	b := s.newExprBuilder(rel.scope)
	b.what = "IN"
	x, err := b.build(q.X)
	if err != nil {
		return nil, err
	}
	lw := rel.node.Schema().Len()
	left := rel.node
	col, isCol := x.(*plan.ColumnRef)
	if !isCol || !plan.KeyCompatible(x.Type(), ss.Fields[0].Type) {
		// Compute the probe value as an extra column, of the subquery
		// column's type, so the join has a key.
		t := ss.Fields[0].Type
		if !x.Type().EqualIgnoringNull(t) {
			if _, ok := functions.CommonType(x.Type(), t); !ok {
				return nil, errorf(q, "cannot compare %s with the subquery's column of type %s in IN", x.Type(), t)
			}
			x = &plan.Cast{X: x, T: t.WithNullable(x.Type().Nullable)}
		}
		left = plan.NewProject(left, append(identity(left.Schema()), x), append(left.Schema().Names(), "$in"))
		col = &plan.ColumnRef{Index: lw, Name: "$in", T: x.Type()}
	}
	ln := left.Schema().Len()
	cond, err := plan.NewCall("=", col, &plan.ColumnRef{Index: ln, Name: ss.Fields[0].Name, T: ss.Fields[0].Type})
	if err != nil {
		return nil, errorf(q, "IN: %v", err)
	}
	var node plan.Node = plan.NewJoin(&plan.Join{Kind: semiKind(not), Left: left, Right: sub.node, Cond: cond, NullAwareAnti: not})
	if ln != lw {
		node = plan.NewProject(node, identity(node.Schema())[:lw], node.Schema().Names()[:lw])
	}
	return &relation{node: node, scope: rel.scope}, nil
}

// planExists plans [NOT] EXISTS (SELECT ... FROM f WHERE w): a semi (anti)
// join of rel with f on w, where w may name the outer query's columns.
func (s *Session) planExists(q *ast.Exists, not bool, rel *relation, env *ctes) (*relation, error) {
	sel, ok := q.Query.Body.(*ast.Select)
	if !ok || len(q.Query.With) > 0 || sel.From == nil || len(sel.GroupBy) > 0 || sel.Having != nil || sel.Distinct || hasAggregate(sel) || len(q.Query.OrderBy) > 0 || q.Query.Limit != nil {
		return nil, errorf(q, "EXISTS supports a subquery of the form SELECT ... FROM ... [WHERE ...] (no GROUP BY, aggregates, DISTINCT, ORDER BY or LIMIT)")
	}
	inner, err := s.planFrom(sel.From, env)
	if err != nil {
		return nil, err
	}
	lw := rel.node.Schema().Len()
	sc := newScope()
	for _, c := range inner.scope.cols {
		c.index += lw
		sc.cols = append(sc.cols, c)
	}
	sc.outer = rel.scope
	var cond plan.Expr
	if sel.Where != nil {
		if cond, err = s.joinCondition(sel.Where, sc); err != nil {
			return nil, err
		}
	}
	node := plan.NewJoin(&plan.Join{Kind: semiKind(not), Left: rel.node, Right: inner.node, Cond: cond})
	return &relation{node: node, scope: rel.scope}, nil
}

func identity(s types.Schema) []plan.Expr {
	out := make([]plan.Expr, s.Len())
	for i, f := range s.Fields {
		out[i] = &plan.ColumnRef{Index: i, Name: f.Name, T: f.Type}
	}
	return out
}
