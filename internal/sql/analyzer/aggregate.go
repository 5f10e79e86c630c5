package analyzer

import (
	"fmt"
	"strings"

	"github.com/sluicehq/sluice/internal/runtime/agg"
	"github.com/sluicehq/sluice/internal/sql/ast"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

var aggregateNames = map[string]bool{
	"COUNT": true, "SUM": true, "AVG": true, "MIN": true, "MAX": true,
	"FIRST_VALUE": true, "LAST_VALUE": true, "LISTAGG": true,
	"APPROX_COUNT_DISTINCT": true,
}

func isAggregate(name string) bool { return aggregateNames[strings.ToUpper(name)] }

// walkExpr calls fn for e and its sub-expressions until fn returns false
// for a node (its children are then skipped). Subqueries are not entered.
func walkExpr(e ast.Expr, fn func(ast.Expr) bool) {
	if e == nil || !fn(e) {
		return
	}
	switch x := e.(type) {
	case *ast.Unary:
		walkExpr(x.X, fn)
	case *ast.Binary:
		walkExpr(x.L, fn)
		walkExpr(x.R, fn)
	case *ast.IsNull:
		walkExpr(x.X, fn)
	case *ast.IsBool:
		walkExpr(x.X, fn)
	case *ast.IsDistinctFrom:
		walkExpr(x.L, fn)
		walkExpr(x.R, fn)
	case *ast.Between:
		walkExpr(x.X, fn)
		walkExpr(x.Low, fn)
		walkExpr(x.High, fn)
	case *ast.In:
		walkExpr(x.X, fn)
		for _, a := range x.List {
			walkExpr(a, fn)
		}
	case *ast.Like:
		walkExpr(x.X, fn)
		walkExpr(x.Pattern, fn)
		walkExpr(x.Escape, fn)
	case *ast.Case:
		walkExpr(x.Operand, fn)
		for _, w := range x.Whens {
			walkExpr(w.Cond, fn)
			walkExpr(w.Result, fn)
		}
		walkExpr(x.Else, fn)
	case *ast.Cast:
		walkExpr(x.X, fn)
	case *ast.Call:
		for _, a := range x.Args {
			walkExpr(a, fn)
		}
		walkExpr(x.Filter, fn)
	case *ast.Subscript:
		walkExpr(x.X, fn)
		walkExpr(x.Index, fn)
	case *ast.FieldAccess:
		walkExpr(x.X, fn)
	case *ast.ArrayCtor:
		for _, a := range x.Elems {
			walkExpr(a, fn)
		}
	case *ast.MapCtor:
		for _, a := range x.Elems {
			walkExpr(a, fn)
		}
	case *ast.RowCtor:
		for _, a := range x.Elems {
			walkExpr(a, fn)
		}
	}
}

// aggCalls lists the aggregate calls of the select list and HAVING.
func aggCalls(sel *ast.Select) []*ast.Call {
	var out []*ast.Call
	visit := func(e ast.Expr) bool {
		if c, ok := e.(*ast.Call); ok && c.Over == nil && isAggregate(c.Name.Last()) {
			out = append(out, c)
			return false
		}
		return true
	}
	for _, it := range sel.Items {
		walkExpr(it.Expr, visit)
	}
	walkExpr(sel.Having, visit)
	return out
}

func hasAggregate(sel *ast.Select) bool { return len(aggCalls(sel)) > 0 }

// aggPlan accumulates what an aggregating SELECT needs below the
// aggregate: the pre-projection and the aggregate calls.
type aggPlan struct {
	pre      []plan.Expr
	preNames []string
	preIndex map[string]int
	calls    []plan.AggCall
	callIdx  map[*ast.Call]int
	sigIdx   map[string]int
}

// column returns the pre-projection column computing e, adding it if new.
func (p *aggPlan) column(e plan.Expr, name string) int {
	k := plan.Digest(e)
	if i, ok := p.preIndex[k]; ok {
		return i
	}
	if name == "" {
		name = fmt.Sprintf("$f%d", len(p.pre))
	}
	p.pre = append(p.pre, e)
	p.preNames = append(p.preNames, name)
	p.preIndex[k] = len(p.pre) - 1
	return len(p.pre) - 1
}

func (s *Session) planAggregate(sel *ast.Select, rel *relation) (*relation, error) {
	win, base, err := s.groupWindow(sel, rel)
	if err != nil {
		return nil, err
	}
	in := s.newExprBuilder(rel.scope)
	in.what = "GROUP BY"
	p := &aggPlan{preIndex: map[string]int{}, callIdx: map[*ast.Call]int{}, sigIdx: map[string]int{}}
	groupExprs := sel.GroupBy
	if sel.Distinct {
		if len(sel.GroupBy) > 0 || hasAggregate(sel) {
			return nil, errorf(sel, "SELECT DISTINCT with GROUP BY or aggregates is not supported yet")
		}
		for _, it := range sel.Items {
			if it.Star {
				return nil, ast.Errorf(it.Pos, "SELECT DISTINCT * is not supported yet; list the columns")
			}
			groupExprs = append(groupExprs, it.Expr)
		}
	}
	// Group keys first: they are columns 0..k-1 of the pre-projection.
	keyOf := map[string]int{}
	for _, g := range groupExprs {
		if win != nil && win.isWindowKey(g) {
			continue
		}
		if _, ok := g.(*ast.GroupingSets); ok {
			return nil, errorf(g, "GROUPING SETS, ROLLUP and CUBE are not supported yet")
		}
		e, err := in.build(g)
		if err != nil {
			return nil, err
		}
		if win != nil && win.usesWindowColumn(e) {
			return nil, errorf(g, "window_start, window_end and window_time can only be grouped by as plain columns")
		}
		name := ""
		if c, ok := e.(*plan.ColumnRef); ok {
			name = c.Name
		}
		keyOf[plan.Digest(e)] = p.column(e, name)
	}
	nkeys := len(p.pre)
	timeCol := -1
	if win != nil {
		timeCol = p.column(win.timeExpr, win.timeName)
	}
	in.what = "the arguments of an aggregate function"
	for _, c := range aggCalls(sel) {
		if err := s.addAggCall(p, in, c, len(groupExprs) > 0); err != nil {
			return nil, err
		}
	}
	keys := make([]int, nkeys)
	for i := range keys {
		keys[i] = i
	}
	pre := plan.NewProject(base, p.pre, uniqueNames(p.preNames))
	var node plan.Node
	propsAt := -1
	if win != nil {
		w := win.window
		w.TimeCol = timeCol
		wa := plan.NewWindowAggregate(pre, w, keys, p.calls)
		node, propsAt = wa, wa.WindowPropsOffset()
		if w.Kind == plan.Session {
			if err := checkSessionKeys(sel, wa, win); err != nil {
				return nil, err
			}
		}
	} else {
		node = plan.NewAggregate(pre, keys, p.calls)
	}
	post := s.newExprBuilder(newScope())
	post.override = s.aggOverride(p, in, keyOf, win, propsAt, nkeys, node)
	if sel.Having != nil {
		post.what = "HAVING"
		cond, err := post.build(sel.Having)
		if err != nil {
			return nil, err
		}
		node = &plan.Filter{Input: node, Cond: cond}
	}
	post.what = "the SELECT list"
	exprs, names, err := s.selectList(sel, rel.scope, post)
	if err != nil {
		return nil, err
	}
	out := plan.NewProject(node, exprs, names)
	sc := newScope()
	sc.add("", out.Schema(), 0)
	return &relation{node: out, scope: sc}, nil
}

func (s *Session) addAggCall(p *aggPlan, in *exprBuilder, c *ast.Call, grouped bool) error {
	name := strings.ToUpper(c.Name.Last())
	kind, _ := plan.AggKindByName(name)
	// APPROX_COUNT_DISTINCT(DISTINCT x) is APPROX_COUNT_DISTINCT(x).
	call := plan.AggCall{Kind: kind, Distinct: c.Distinct && kind != plan.AggApproxCountDistinct, Filter: -1}
	var argTypes []types.Type
	if c.Star {
		if kind != plan.AggCount {
			return errorf(c, "%s(*) is not allowed; only COUNT(*)", name)
		}
	} else {
		if len(c.Args) == 0 {
			return errorf(c, "%s needs an argument", name)
		}
		if len(c.Args) > 1 && kind != plan.AggListAgg {
			return errorf(c, "%s with %d arguments is not supported", name, len(c.Args))
		}
		for _, a := range c.Args {
			e, err := in.build(a)
			if err != nil {
				return err
			}
			call.Args = append(call.Args, p.column(e, ""))
			argTypes = append(argTypes, e.Type())
		}
	}
	if c.Filter != nil {
		in.what = "FILTER (WHERE ...)"
		f, err := in.build(c.Filter)
		if err != nil {
			return err
		}
		if f.Type().ID != types.Boolean {
			return errorf(c.Filter, "FILTER (WHERE ...) must be a BOOLEAN condition, but is %s", f.Type())
		}
		call.Filter = p.column(f, "")
	}
	t, err := agg.CallType(kind, argTypes, grouped, c.Filter != nil)
	if err != nil {
		return errorf(c, "%s: %v", name, err)
	}
	call.T = t
	sig := call.String()
	if i, ok := p.sigIdx[sig]; ok {
		p.callIdx[c] = i
		return nil
	}
	call.Name = fmt.Sprintf("EXPR$%d", len(p.calls))
	p.calls = append(p.calls, call)
	p.sigIdx[sig] = len(p.calls) - 1
	p.callIdx[c] = len(p.calls) - 1
	return nil
}

// aggOverride resolves, in expressions above the aggregate, aggregate calls,
// group keys and window properties to the aggregate's output columns.
func (s *Session) aggOverride(p *aggPlan, in *exprBuilder, keyOf map[string]int, win *groupWindow, propsAt, nkeys int, node plan.Node) func(ast.Expr) (plan.Expr, bool, error) {
	out := node.Schema()
	ref := func(i int) plan.Expr {
		return &plan.ColumnRef{Index: i, Name: out.Fields[i].Name, T: out.Fields[i].Type}
	}
	return func(e ast.Expr) (plan.Expr, bool, error) {
		if c, ok := e.(*ast.Call); ok {
			if i, ok := p.callIdx[c]; ok {
				return ref(nkeys + i), true, nil
			}
			if win != nil {
				if prop, ok := win.property(c); ok {
					return ref(propsAt + prop), true, nil
				}
			}
		}
		x, err := in.build(e)
		if err != nil {
			if _, isCol := e.(*ast.ColumnRef); isCol {
				return nil, true, err
			}
			return nil, false, nil
		}
		if i, ok := keyOf[plan.Digest(x)]; ok {
			return ref(i), true, nil
		}
		if win != nil {
			if prop, ok := win.windowColumn(x); ok {
				return ref(propsAt + prop), true, nil
			}
		}
		if c, isCol := e.(*ast.ColumnRef); isCol {
			return nil, true, errorf(e, "column '%s' must appear in the GROUP BY clause or be used in an aggregate function", joinIdents(c.Parts))
		}
		return nil, false, nil
	}
}
