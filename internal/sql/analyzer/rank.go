package analyzer

import (
	"math"
	"strings"

	"github.com/sluicehq/sluice/internal/sql/ast"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

// rankQualifier names the hidden column that carries ROW_NUMBER()'s value
// from the Rank node to the select list.
const rankQualifier, rankColumn = "$rank", "$row_number"

// planRowNumber plans the ROW_NUMBER() OVER (PARTITION BY ... ORDER BY ...)
// item of a SELECT as a Rank node under the select list, Flink's Top-N
// pattern: the optimizer narrows the Rank to the range an enclosing
// WHERE rn <= N gives. It returns the relation with the row number visible
// to the rewritten select list, or rel and sel unchanged when the SELECT
// has no OVER.
func (s *Session) planRowNumber(sel *ast.Select, rel *relation) (*relation, *ast.Select, error) {
	item := -1
	for i, it := range sel.Items {
		c, ok := it.Expr.(*ast.Call)
		if it.Star || !ok || c.Over == nil {
			continue
		}
		name := strings.ToUpper(c.Name.Last())
		if name != "ROW_NUMBER" {
			e := errorf(c, "%s() OVER is not supported yet; only ROW_NUMBER() OVER (PARTITION BY ... ORDER BY ...), filtered on the row number (Top-N and deduplication)", name)
			return nil, nil, e
		}
		if item >= 0 {
			return nil, nil, errorf(c, "only one ROW_NUMBER() per SELECT is supported")
		}
		item = i
	}
	if item < 0 {
		return rel, sel, nil
	}
	c := sel.Items[item].Expr.(*ast.Call)
	spec := c.Over
	if spec.Name != "" {
		return nil, nil, errorf(c, "named windows (OVER %s) are not supported; write the window in OVER (...)", spec.Name)
	}
	if len(spec.OrderBy) == 0 {
		return nil, nil, errorf(c, "ROW_NUMBER() needs ORDER BY in its OVER clause (the order that ranks the rows)")
	}
	if spec.Frame != nil {
		return nil, nil, errorf(c, "ROW_NUMBER() takes no window frame (ROWS/RANGE)")
	}
	b := s.newExprBuilder(rel.scope)
	b.what = "OVER"
	in := rel.node
	iw := in.Schema().Len()
	var extra []plan.Expr
	colOf := func(e plan.Expr) int {
		if c, ok := e.(*plan.ColumnRef); ok {
			return c.Index
		}
		extra = append(extra, e)
		return iw + len(extra) - 1
	}
	var part []int
	for _, p := range spec.PartitionBy {
		e, err := b.build(p)
		if err != nil {
			return nil, nil, err
		}
		part = append(part, colOf(e))
	}
	var order []plan.SortKey
	for _, o := range spec.OrderBy {
		e, err := b.build(o.Expr)
		if err != nil {
			return nil, nil, err
		}
		// Flink's default null ordering: NULLs are the smallest values.
		nullsFirst := !o.Desc
		if o.NullsFirst != nil {
			nullsFirst = *o.NullsFirst
		}
		order = append(order, plan.SortKey{Column: colOf(e), Desc: o.Desc, NullsFirst: nullsFirst})
	}
	if len(extra) > 0 {
		in = withColumns(in, extra, numbered("$over", len(extra)))
	}
	rank := plan.NewRank(&plan.Rank{Input: in, PartitionKeys: part, Order: order, RankStart: 1, RankEnd: math.MaxInt64,
		OutputRank: true, RankName: itemName(sel.Items[item], item)})
	sc := newScope()
	sc.cols = append(sc.cols, rel.scope.cols...)
	rn := rank.Schema().Len() - 1
	sc.cols = append(sc.cols, scopeCol{qualifier: rankQualifier, name: rankColumn, index: rn, typ: types.BigIntType.NotNull(), hidden: true})
	ns := *sel
	ns.Items = append([]*ast.SelectItem(nil), sel.Items...)
	it := *sel.Items[item]
	if it.Alias == nil {
		it.Alias = &ast.Ident{Pos: it.Pos, Name: itemName(sel.Items[item], item), Quoted: true}
	}
	it.Expr = &ast.ColumnRef{Pos: c.Pos, Parts: []ast.Ident{{Pos: c.Pos, Name: rankQualifier, Quoted: true}, {Pos: c.Pos, Name: rankColumn, Quoted: true}}}
	ns.Items[item] = &it
	return &relation{node: rank, scope: sc}, &ns, nil
}
