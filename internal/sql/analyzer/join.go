package analyzer

import (
	"slices"

	"github.com/sluicehq/sluice/internal/sql/ast"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

// Joins are planned here as plan.Join nodes with their whole ON condition
// in Cond; the optimizer (optimizer/join.go) pushes WHERE conditions into
// inner joins, extracts the equality keys and picks the strategy (regular,
// interval or window join). Joins against FOR SYSTEM_TIME AS OF are
// resolved here, since they need the table itself: lookup joins for a
// processing-time attribute, temporal joins for an event-time one.

var joinKinds = map[ast.JoinKind]plan.JoinKind{
	ast.InnerJoin: plan.InnerJoin, ast.CrossJoin: plan.InnerJoin,
	ast.LeftJoin: plan.LeftJoin, ast.RightJoin: plan.RightJoin, ast.FullJoin: plan.FullJoin,
}

func (s *Session) planJoin(j *ast.Join, env *ctes) (*relation, error) {
	if j.Natural {
		return nil, errorf(j, "NATURAL JOIN is not supported; write the join condition with ON")
	}
	left, err := s.planFrom(j.Left, env)
	if err != nil {
		return nil, err
	}
	kind := joinKinds[j.Kind]
	if tn, ok := j.Right.(*ast.TableName); ok && tn.SystemTime != nil {
		return s.planSystemTimeJoin(j, kind, left, tn, env)
	}
	right, err := s.planFrom(j.Right, env)
	if err != nil {
		return nil, err
	}
	sc := joinScope(left, right.scope, kind)
	var cond plan.Expr
	switch {
	case j.On != nil:
		if cond, err = s.joinCondition(j.On, sc); err != nil {
			return nil, err
		}
	case len(j.Using) > 0:
		if cond, err = usingCondition(j, left, right, sc); err != nil {
			return nil, err
		}
	case j.Kind != ast.CrossJoin && j.Kind != ast.InnerJoin:
		return nil, errorf(j, "%s JOIN needs a join condition: add ON ...", j.Kind)
	}
	node := plan.NewJoin(&plan.Join{Kind: kind, Left: left.node, Right: right.node, Cond: cond})
	return &relation{node: node, scope: sc}, nil
}

// joinScope makes the columns of both sides visible, the right side's after
// the left's; the side an outer join pads becomes nullable. Rowtime
// attributes are kept: the join is not planned yet (plan.Join.Planned), and
// the optimizer drops them only if it stays a regular join rather than
// becoming an interval or window join.
func joinScope(left *relation, right *scope, kind plan.JoinKind) *scope {
	sc := newScope()
	lw := left.node.Schema().Len()
	for _, c := range left.scope.cols {
		if kind.RightOuter() {
			c.typ = c.typ.WithNullable(true)
		}
		sc.cols = append(sc.cols, c)
	}
	for _, c := range right.cols {
		if kind.LeftOuter() {
			c.typ = c.typ.WithNullable(true)
		}
		c.index += lw
		sc.cols = append(sc.cols, c)
	}
	return sc
}

func (s *Session) joinCondition(on ast.Expr, sc *scope) (plan.Expr, error) {
	b := s.newExprBuilder(sc)
	b.what = "a join condition"
	cond, err := b.build(on)
	if err != nil {
		return nil, err
	}
	if id := cond.Type().ID; id != types.Boolean && id != types.Null {
		return nil, errorf(on, "a join condition must be BOOLEAN, but this one is %s", cond.Type())
	}
	return cond, nil
}

// usingCondition turns USING (c, ...) into left.c = right.c AND ...; the
// right side's c is then hidden from unqualified references and from *, as
// in standard SQL (the column appears once).
func usingCondition(j *ast.Join, left, right *relation, sc *scope) (plan.Expr, error) {
	var cond plan.Expr
	lw := left.node.Schema().Len()
	for _, id := range j.Using {
		l, ok, err := left.scope.find("", id)
		if err == nil && !ok {
			err = ast.Errorf(id.Pos, "column '%s' of USING is not in the left side of the join", id.Name)
		}
		if err != nil {
			return nil, err
		}
		r, ok, err := right.scope.find("", id)
		if err == nil && !ok {
			err = ast.Errorf(id.Pos, "column '%s' of USING is not in the right side of the join", id.Name)
		}
		if err != nil {
			return nil, err
		}
		eq, err := plan.NewCall("=", &plan.ColumnRef{Index: l.index, Name: l.name, T: sc.cols[l.index].typ},
			&plan.ColumnRef{Index: lw + r.index, Name: r.name, T: sc.cols[lw+r.index].typ})
		if err != nil {
			return nil, ast.Errorf(id.Pos, "USING column '%s': %v", id.Name, err)
		}
		cond = plan.And(cond, eq)
		for i := range sc.cols {
			if sc.cols[i].index == lw+r.index {
				sc.cols[i].hidden = true
			}
		}
	}
	return cond, nil
}

// planSystemTimeJoin plans `left JOIN t FOR SYSTEM_TIME AS OF left.time`:
// a lookup join when time is a processing-time attribute, a temporal join
// against the versioned table t when it is an event-time attribute.
func (s *Session) planSystemTimeJoin(j *ast.Join, kind plan.JoinKind, left *relation, tn *ast.TableName, env *ctes) (*relation, error) {
	if kind != plan.InnerJoin && kind != plan.LeftJoin || j.Kind == ast.CrossJoin {
		return nil, errorf(j, "a join with FOR SYSTEM_TIME AS OF must be an INNER or LEFT JOIN with an ON condition, not %s JOIN", j.Kind)
	}
	if j.On == nil {
		return nil, errorf(j, "a join with FOR SYSTEM_TIME AS OF needs an ON condition equating the table's key to columns of the left side")
	}
	tb := s.newExprBuilder(left.scope)
	tb.what = "FOR SYSTEM_TIME AS OF"
	te, err := tb.build(tn.SystemTime)
	if err != nil {
		return nil, err
	}
	tc, ok := te.(*plan.ColumnRef)
	if !ok || tc.T.TimeAttr == types.NoTimeAttr {
		e := errorf(tn.SystemTime, "FOR SYSTEM_TIME AS OF needs a time attribute of the left side, but %s is %s", te, te.Type())
		e.Hint = "use a processing-time attribute (PROCTIME()) for a lookup join, or the event-time attribute (the WATERMARK column) for a temporal join"
		return nil, e
	}
	t, ok := s.tables[objectKey(tn.Name)]
	if !ok {
		if len(tn.Name) == 1 && env.find(tn.Name[0].Name) != nil || s.views[objectKey(tn.Name)] != nil {
			return nil, errorf(tn, "FOR SYSTEM_TIME AS OF needs a table; '%s' is a view or WITH query", objectKey(tn.Name))
		}
		return nil, s.unknownObject(tn.Name)
	}
	alias := aliasOf(tn.Alias, tn.Name.Last())
	if tc.T.IsProcTime() {
		return s.planLookupJoin(j, kind, left, t, alias)
	}
	return s.planTemporalJoin(j, kind, left, t, alias, tc.Index, tn)
}

// planLookupJoin plans a lookup join: the ON condition's equalities between
// a table column and an expression of the left side are the lookup keys
// (computed into extra left columns where they are not plain columns of
// the key's type); the rest is a residual condition.
func (s *Session) planLookupJoin(j *ast.Join, kind plan.JoinKind, left *relation, t *plan.Table, alias string) (*relation, error) {
	if t.Connector.NewLookup == nil {
		e := errorf(j.Right, "table '%s' (connector '%s') cannot be looked up", t.Name, t.Connector.Name)
		e.Hint = "lookup joins (FOR SYSTEM_TIME AS OF a processing-time attribute) work on tables whose connector supports lookups, such as 'jdbc' and 'redis'"
		return nil, e
	}
	for _, c := range t.Columns {
		if !c.IsPhysical() {
			return nil, errorf(j.Right, "table '%s' has computed or metadata column '%s', which a lookup join cannot read; look up a table with physical columns only", t.Name, c.Name)
		}
	}
	phys := t.PhysicalSchema()
	lw := left.node.Schema().Len()
	tableScope := newScope()
	tableScope.add(alias, phys, 0)
	sc := joinScope(left, tableScope, kind)
	cond, err := s.joinCondition(j.On, sc)
	if err != nil {
		return nil, err
	}
	// Split: table column = left expression → key; else residual.
	var tableKeys []int
	var keyExprs []plan.Expr
	var residual []plan.Expr
	for _, c := range plan.Conjuncts(cond) {
		if tcol, lexpr, ok := lookupEquality(c, lw); ok && !slices.Contains(tableKeys, tcol) {
			tableKeys = append(tableKeys, tcol)
			kt := phys.Fields[tcol].Type
			if !lexpr.Type().EqualIgnoringNull(kt) {
				lexpr = &plan.Cast{X: lexpr, T: kt.WithNullable(lexpr.Type().Nullable)}
			}
			keyExprs = append(keyExprs, lexpr)
			continue
		}
		residual = append(residual, c)
	}
	if len(tableKeys) == 0 {
		e := errorf(j.On, "the lookup join with table '%s' has no equality between a column of '%s' and the left side", t.Name, t.Name)
		e.Hint = "write ON " + alias + ".<key> = <left column or expression>"
		return nil, e
	}
	// Key expressions that are not plain left columns become extra columns
	// appended to the left side, dropped again after the join.
	input := left.node
	var extra []plan.Expr
	inputKeys := make([]int, len(keyExprs))
	for i, e := range keyExprs {
		if c, ok := e.(*plan.ColumnRef); ok {
			inputKeys[i] = c.Index
			continue
		}
		inputKeys[i] = lw + len(extra)
		extra = append(extra, e)
	}
	shift := map[int]int{}
	if len(extra) > 0 {
		input = withColumns(input, extra, numbered("$lookup_key", len(extra)))
		for i := range phys.Fields {
			shift[lw+i] = lw + len(extra) + i
		}
	}
	var rc plan.Expr
	if len(residual) > 0 {
		rc = plan.Remap(plan.And(residual...), shift)
	}
	var node plan.Node = plan.NewLookupJoin(&plan.LookupJoin{Kind: kind, Input: input, Table: t, TableKeys: tableKeys, InputKeys: inputKeys, Cond: rc})
	if len(extra) > 0 {
		node = withoutColumns(node, lw, len(extra)) // the computed keys
	}
	return &relation{node: node, scope: sc}, nil
}

// lookupEquality matches `table column = left expression` (either order),
// where table columns are those at or after lw. It returns the table
// column (index into the table's physical schema) and the left expression.
func lookupEquality(c plan.Expr, lw int) (int, plan.Expr, bool) {
	call, ok := c.(*plan.Call)
	if !ok || call.Fn.Name != "=" || len(call.Args) != 2 {
		return 0, nil, false
	}
	for k := 0; k < 2; k++ {
		tc, ok := call.Args[k].(*plan.ColumnRef)
		other := call.Args[1-k]
		if !ok || tc.Index < lw {
			continue
		}
		leftOnly := true
		for _, col := range plan.Columns(other) {
			if col >= lw {
				leftOnly = false
			}
		}
		if leftOnly && plan.Deterministic(other) {
			return tc.Index - lw, other, true
		}
	}
	return 0, nil, false
}

// planTemporalJoin plans an event-time temporal join against t, which must
// be a versioned table: a primary key and an event-time attribute.
func (s *Session) planTemporalJoin(j *ast.Join, kind plan.JoinKind, left *relation, t *plan.Table, alias string, leftTime int, tn *ast.TableName) (*relation, error) {
	if len(t.PrimaryKey) == 0 || t.Watermark == nil {
		e := errorf(j.Right, "table '%s' is not a versioned table: an event-time temporal join (FOR SYSTEM_TIME AS OF an event-time attribute) needs a PRIMARY KEY and a WATERMARK on it", t.Name)
		e.Hint = "declare PRIMARY KEY (...) NOT ENFORCED and WATERMARK FOR on the table (for example an 'upsert-kafka' table, or a changelog format such as 'debezium-json'); for a lookup join use a processing-time attribute"
		return nil, e
	}
	right, err := s.scanTable(t, tn.Pos)
	if err != nil {
		return nil, err
	}
	if right, err = realias(right, alias, tn.ColAliases, tn); err != nil {
		return nil, err
	}
	sc := joinScope(left, right.scope, kind)
	cond, err := s.joinCondition(j.On, sc)
	if err != nil {
		return nil, err
	}
	lw := left.node.Schema().Len()
	lk, rk, residual := equiKeys(cond, lw)
	// The keys must include the primary key: a version is found by it;
	// other equalities stay residual conditions.
	var lkeys, rkeys []int
	for _, pk := range t.PrimaryKey {
		i := slices.Index(rk, pk)
		if i < 0 {
			e := errorf(j.On, "the temporal join with versioned table '%s' must equate its primary key column '%s' to a column of the left side", t.Name, t.Columns[pk].Name)
			e.Hint = "add " + alias + "." + t.Columns[pk].Name + " = <left column> to the ON condition"
			return nil, e
		}
		lkeys, rkeys = append(lkeys, lk[i]), append(rkeys, pk)
	}
	for i := range lk {
		if !slices.Contains(rkeys, rk[i]) {
			eq, err := plan.NewCall("=", &plan.ColumnRef{Index: lk[i], T: sc.cols[lk[i]].typ}, &plan.ColumnRef{Index: lw + rk[i], T: sc.cols[lw+rk[i]].typ})
			if err != nil {
				return nil, err
			}
			residual = append(residual, eq)
		}
	}
	var rc plan.Expr
	if len(residual) > 0 {
		rc = plan.And(residual...)
	}
	node := plan.NewJoin(&plan.Join{Kind: kind, Strategy: plan.TemporalJoin, Left: left.node, Right: right.node,
		LeftKeys: lkeys, RightKeys: rkeys, Cond: rc,
		Temporal: &plan.TemporalSpec{LeftTime: leftTime, RightTime: t.Watermark.Column}})
	return &relation{node: node, scope: sc}, nil
}

// equiKeys splits cond into equalities between a left column and a right
// column (lk[i] = rk[i], each side's own indexes) and the other conjuncts.
func equiKeys(cond plan.Expr, lw int) (lk, rk []int, rest []plan.Expr) {
	for _, c := range plan.Conjuncts(cond) {
		if l, r, ok := plan.ColumnEquality(c, lw); ok {
			lk, rk = append(lk, l), append(rk, r)
			continue
		}
		rest = append(rest, c)
	}
	return lk, rk, rest
}
