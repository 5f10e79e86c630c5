package analyzer

import (
	"fmt"
	"strings"

	"github.com/sluicehq/sluice/internal/sql/ast"
	"github.com/sluicehq/sluice/internal/sql/functions"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

// relation is a planned FROM item or query: its node and the names under
// which its columns are visible.
type relation struct {
	node  plan.Node
	scope *scope
}

// ctes maps WITH names to their queries, innermost first.
type ctes struct {
	defs   map[string]*ast.CTE
	parent *ctes
}

func (c *ctes) find(name string) *ast.CTE {
	for ; c != nil; c = c.parent {
		if d, ok := c.defs[name]; ok {
			return d
		}
	}
	return nil
}

func (s *Session) planQuery(q *ast.Query, outer *ctes) (*relation, error) {
	env := outer
	if len(q.With) > 0 {
		env = &ctes{defs: map[string]*ast.CTE{}, parent: outer}
		for _, c := range q.With {
			env.defs[c.Name.Name] = c
		}
	}
	if len(q.OrderBy) > 0 {
		return nil, ast.Errorf(q.OrderBy[0].Pos, "ORDER BY is not supported yet in streaming queries")
	}
	if q.Limit != nil || q.Offset != nil {
		at := q.Limit
		if at == nil {
			at = q.Offset
		}
		return nil, errorf(at, "LIMIT and OFFSET are not supported yet in streaming queries")
	}
	return s.planBody(q.Body, env)
}

func (s *Session) planBody(body ast.QueryBody, env *ctes) (*relation, error) {
	switch b := body.(type) {
	case *ast.Select:
		return s.planSelect(b, env)
	case *ast.SubqueryBody:
		return s.planQuery(b.Query, env)
	case *ast.Values:
		return s.planValues(b)
	case *ast.SetOp:
		return s.planSetOp(b, env)
	}
	return nil, errorf(body, "unsupported query %T", body)
}

func (s *Session) planSetOp(b *ast.SetOp, env *ctes) (*relation, error) {
	if b.Op != "UNION" || !b.All {
		return nil, errorf(b, "%s is not supported yet; UNION ALL is", strings.TrimSpace(b.Op+map[bool]string{true: " ALL"}[b.All]))
	}
	// Flatten left-deep UNION ALL chains into one Union.
	var inputs []*relation
	var collect func(ast.QueryBody) error
	collect = func(q ast.QueryBody) error {
		if so, ok := q.(*ast.SetOp); ok && so.Op == "UNION" && so.All {
			if err := collect(so.Left); err != nil {
				return err
			}
			return collect(so.Right)
		}
		r, err := s.planBody(q, env)
		if err != nil {
			return err
		}
		inputs = append(inputs, r)
		return nil
	}
	if err := collect(b); err != nil {
		return nil, err
	}
	first := inputs[0].node.Schema()
	fields := make([]types.Field, first.Len())
	for c := range fields {
		ts := make([]types.Type, len(inputs))
		for i, in := range inputs {
			sc := in.node.Schema()
			if sc.Len() != first.Len() {
				return nil, errorf(b, "UNION ALL inputs have different numbers of columns: %d and %d", first.Len(), sc.Len())
			}
			ts[i] = sc.Fields[c].Type
		}
		t, ok := functions.CommonType(ts...)
		if !ok {
			return nil, errorf(b, "UNION ALL column %d ('%s') has incompatible types: %s", c+1, first.Fields[c].Name, typeList(ts))
		}
		fields[c] = types.Field{Name: first.Fields[c].Name, Type: t}
	}
	nodes := make([]plan.Node, len(inputs))
	for i, in := range inputs {
		nodes[i] = coerce(in.node, fields)
	}
	schema := types.Schema{Fields: fields}
	sc := newScope()
	sc.add("", schema, 0)
	return &relation{node: plan.NewUnion(nodes, schema), scope: sc}, nil
}

func typeList(ts []types.Type) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = t.String()
	}
	return strings.Join(parts, ", ")
}

// coerce casts n's columns to the given types where they differ (other than
// in nullability or time attributes), renaming to the given names.
func coerce(n plan.Node, want []types.Field) plan.Node {
	have := n.Schema()
	same := true
	exprs := make([]plan.Expr, len(want))
	names := make([]string, len(want))
	for i, f := range have.Fields {
		var e plan.Expr = &plan.ColumnRef{Index: i, Name: f.Name, T: f.Type}
		if !f.Type.EqualIgnoringNull(want[i].Type) {
			e = &plan.Cast{X: e, T: want[i].Type.WithNullable(f.Type.Nullable)}
			same = false
		}
		if f.Name != want[i].Name {
			same = false
		}
		exprs[i], names[i] = e, want[i].Name
	}
	if same {
		return n
	}
	return plan.NewProject(n, exprs, names)
}

func (s *Session) planValues(v *ast.Values) (*relation, error) {
	b := s.newExprBuilder(newScope())
	b.what = "VALUES"
	rows := make([][]plan.Expr, len(v.Rows))
	for i, r := range v.Rows {
		xs, err := b.buildAll(r)
		if err != nil {
			return nil, err
		}
		if i > 0 && len(xs) != len(rows[0]) {
			return nil, errorf(v, "VALUES rows have different numbers of columns: %d and %d", len(rows[0]), len(xs))
		}
		rows[i] = xs
	}
	fields := make([]types.Field, len(rows[0]))
	for c := range fields {
		ts := make([]types.Type, len(rows))
		for i := range rows {
			ts[i] = rows[i][c].Type()
		}
		t, ok := functions.CommonType(ts...)
		if !ok {
			return nil, errorf(v, "VALUES column %d has incompatible types: %s", c+1, typeList(ts))
		}
		fields[c] = types.Field{Name: fmt.Sprintf("EXPR$%d", c), Type: t}
		for i := range rows {
			if !rows[i][c].Type().EqualIgnoringNull(t) {
				rows[i][c] = &plan.Cast{X: rows[i][c], T: t}
			}
		}
	}
	schema := types.Schema{Fields: fields}
	sc := newScope()
	sc.add("", schema, 0)
	return &relation{node: plan.NewValues(rows, schema), scope: sc}, nil
}

// ---------------------------------------------------------------- FROM

func (s *Session) planFrom(ref ast.TableRef, env *ctes) (*relation, error) {
	switch r := ref.(type) {
	case *ast.TableName:
		if r.SystemTime != nil {
			return nil, errorf(r, "FOR SYSTEM_TIME AS OF is only allowed on the right side of a JOIN (a lookup or temporal join)")
		}
		rel, err := s.relationByName(r.Name, env)
		if err != nil {
			return nil, err
		}
		return realias(rel, aliasOf(r.Alias, r.Name.Last()), r.ColAliases, r)
	case *ast.SubqueryRef:
		rel, err := s.planQuery(r.Query, env)
		if err != nil {
			return nil, err
		}
		alias := ""
		if r.Alias != nil {
			alias = r.Alias.Name
		}
		return realias(rel, alias, r.ColAliases, r)
	case *ast.TableFunc:
		rel, err := s.planTableFunc(r, env)
		if err != nil {
			return nil, err
		}
		alias := ""
		if r.Alias != nil {
			alias = r.Alias.Name
		}
		return realias(rel, alias, r.ColAliases, r)
	case *ast.Join:
		return s.planJoin(r, env)
	case *ast.Unnest:
		return nil, errorf(r, "UNNEST is not supported yet")
	}
	return nil, errorf(ref, "unsupported FROM item %T", ref)
}

func aliasOf(alias *ast.Ident, def string) string {
	if alias != nil {
		return alias.Name
	}
	return def
}

// realias makes rel's columns visible under alias, renaming them if column
// aliases are given.
func realias(rel *relation, alias string, cols []ast.Ident, at ast.Node) (*relation, error) {
	schema := rel.node.Schema()
	node := rel.node
	if len(cols) > 0 {
		if len(cols) != schema.Len() {
			return nil, errorf(at, "%d column aliases given for a relation with %d columns", len(cols), schema.Len())
		}
		seen := map[string]bool{}
		for _, c := range cols {
			if seen[c.Name] {
				return nil, ast.Errorf(c.Pos, "duplicate column alias '%s'", c.Name)
			}
			seen[c.Name] = true
		}
		exprs := make([]plan.Expr, len(cols))
		names := make([]string, len(cols))
		for i, f := range schema.Fields {
			exprs[i] = &plan.ColumnRef{Index: i, Name: f.Name, T: f.Type}
			names[i] = cols[i].Name
		}
		node = plan.NewProject(node, exprs, names)
		schema = node.Schema()
	}
	sc := newScope()
	sc.add(alias, schema, 0)
	return &relation{node: node, scope: sc}, nil
}

// relationByName plans a table, view or WITH query by name.
func (s *Session) relationByName(n ast.ObjectName, env *ctes) (*relation, error) {
	key := objectKey(n)
	if len(n) == 1 {
		if c := env.find(n[0].Name); c != nil {
			rel, err := s.planQuery(c.Query, env)
			if err != nil {
				return nil, err
			}
			return realias(rel, c.Name.Name, c.Columns, c)
		}
	}
	if t, ok := s.tables[key]; ok {
		return s.scanTable(t, n[0].Pos)
	}
	if v, ok := s.views[key]; ok {
		return s.planView(v, n[0].Pos)
	}
	return nil, s.unknownObject(n)
}

func (s *Session) planView(v *view, at ast.Pos) (*relation, error) {
	rel, err := s.planQuery(v.query, nil)
	if err != nil {
		return nil, err
	}
	return realias(rel, v.name, v.columns, &ast.Ident{Pos: at})
}

// scanTable plans reading a table: the scan of its physical columns, the
// computed columns, and the watermark assigner.
func (s *Session) scanTable(t *plan.Table, at ast.Pos) (*relation, error) {
	if t.Connector.NewSource == nil {
		return nil, ast.Errorf(at, "table '%s' uses connector '%s', which can only be written to", t.Name, t.Connector.Name)
	}
	phys := t.PhysicalSchema()
	proj := make([]int, phys.Len())
	for i := range proj {
		proj[i] = i
	}
	var meta []int
	computed := false
	for i, c := range t.Columns {
		switch {
		case c.Metadata != "":
			meta = append(meta, i)
			computed = true
		case c.Computed != nil:
			computed = true
		}
	}
	var node plan.Node = plan.NewScan(t, proj, meta)
	if computed {
		// The scan emits physical columns, then metadata columns; the
		// table's columns are in declaration order.
		exprs := make([]plan.Expr, len(t.Columns))
		names := make([]string, len(t.Columns))
		pi, mi := 0, phys.Len()
		for i, c := range t.Columns {
			names[i] = c.Name
			switch {
			case c.IsPhysical():
				exprs[i] = &plan.ColumnRef{Index: pi, Name: c.Name, T: phys.Fields[pi].Type}
				pi++
			case c.Metadata != "":
				exprs[i] = &plan.ColumnRef{Index: mi, Name: c.Name, T: c.Type}
				mi++
			default:
				exprs[i] = c.Computed
			}
		}
		node = plan.NewProject(node, exprs, names)
	}
	if t.Watermark != nil {
		node = plan.NewProject(node, markRowTime(node.Schema(), t.Watermark.Column), node.Schema().Names())
		node = &plan.WatermarkAssigner{Input: node, RowTime: t.Watermark.Column, Expr: t.Watermark.Expr}
	}
	sc := newScope()
	sc.add(t.Name, node.Schema(), 0)
	return &relation{node: node, scope: sc}, nil
}

// markRowTime is the identity projection with column col typed as a
// rowtime attribute.
func markRowTime(s types.Schema, col int) []plan.Expr {
	exprs := plan.ColumnRefs(s)
	exprs[col] = &plan.ColumnRef{Index: col, Name: s.Fields[col].Name, T: s.Fields[col].Type.WithTimeAttr(types.RowTime)}
	// A Project typed from its expressions: the column keeps its name.
	return exprs
}

// ---------------------------------------------------------------- SELECT

func (s *Session) planSelect(sel *ast.Select, env *ctes) (*relation, error) {
	var rel *relation
	if sel.From == nil {
		schema := types.Schema{}
		rel = &relation{node: plan.NewValues([][]plan.Expr{{}}, schema), scope: newScope()}
	} else {
		var err error
		if rel, err = s.planFrom(sel.From, env); err != nil {
			return nil, err
		}
	}
	if sel.Where != nil {
		rel2, rest, err := s.planSubqueryFilters(sel.Where, rel, env)
		if err != nil {
			return nil, err
		}
		rel = rel2
		if len(rest) > 0 {
			where := rest[0]
			for _, c := range rest[1:] {
				where = &ast.Binary{Pos: c.Position(), Op: "AND", L: where, R: c}
			}
			b := s.newExprBuilder(rel.scope)
			b.what = "WHERE"
			cond, err := b.build(where)
			if err != nil {
				return nil, err
			}
			if cond.Type().ID != types.Boolean && cond.Type().ID != types.Null {
				return nil, errorf(sel.Where, "WHERE must be a BOOLEAN condition, but is %s", cond.Type())
			}
			rel = &relation{node: &plan.Filter{Input: rel.node, Cond: cond}, scope: rel.scope}
		}
	}
	if sel.Distinct || len(sel.GroupBy) > 0 || sel.Having != nil || hasAggregate(sel) {
		return s.planAggregate(sel, rel)
	}
	rel, sel, err := s.planRowNumber(sel, rel)
	if err != nil {
		return nil, err
	}
	b := s.newExprBuilder(rel.scope)
	b.what = "SELECT without GROUP BY (add GROUP BY or remove the aggregate)"
	exprs, names, err := s.selectList(sel, rel.scope, b)
	if err != nil {
		return nil, err
	}
	node := plan.NewProject(rel.node, exprs, names)
	sc := newScope()
	sc.add("", node.Schema(), 0)
	return &relation{node: node, scope: sc}, nil
}

// selectList builds the select items with b, expanding stars from sc.
func (s *Session) selectList(sel *ast.Select, sc *scope, b *exprBuilder) ([]plan.Expr, []string, error) {
	var exprs []plan.Expr
	var names []string
	for i, it := range sel.Items {
		if it.Star {
			q := ""
			if len(it.Qualifier) > 0 {
				q = it.Qualifier.Last()
			}
			cols := sc.star(q)
			if len(cols) == 0 && q != "" {
				return nil, nil, ast.Errorf(it.Pos, "unknown table '%s' in %s.*", q, q)
			}
			for _, c := range cols {
				col := &ast.ColumnRef{Pos: it.Pos, Parts: []ast.Ident{{Pos: it.Pos, Name: c.name, Quoted: true}}}
				if c.qualifier != "" {
					col.Parts = append([]ast.Ident{{Pos: it.Pos, Name: c.qualifier, Quoted: true}}, col.Parts...)
				}
				e, err := b.build(col)
				if err != nil {
					return nil, nil, err
				}
				exprs = append(exprs, e)
				names = append(names, c.name)
			}
			continue
		}
		e, err := b.build(it.Expr)
		if err != nil {
			return nil, nil, err
		}
		exprs = append(exprs, e)
		names = append(names, itemName(it, i))
	}
	return exprs, uniqueNames(names), nil
}

// itemName is Flink's name for a select item: the alias, the column or
// field name, or EXPR$i.
func itemName(it *ast.SelectItem, i int) string {
	if it.Alias != nil {
		return it.Alias.Name
	}
	switch x := it.Expr.(type) {
	case *ast.ColumnRef:
		return x.Parts[len(x.Parts)-1].Name
	case *ast.FieldAccess:
		return x.Field.Name
	}
	return fmt.Sprintf("EXPR$%d", i)
}

// uniqueNames renames duplicates as Calcite does: a, a0, a1...
func uniqueNames(names []string) []string {
	seen := map[string]bool{}
	out := make([]string, len(names))
	for i, n := range names {
		name := n
		for k := 0; seen[name]; k++ {
			name = fmt.Sprintf("%s%d", n, k)
		}
		seen[name] = true
		out[i] = name
	}
	return out
}

// ---------------------------------------------------------------- INSERT

func (s *Session) insert(st *ast.Insert) (*plan.Sink, error) {
	key := objectKey(st.Table)
	t, ok := s.tables[key]
	if !ok {
		if _, isView := s.views[key]; isView {
			return nil, ast.Errorf(st.Pos, "cannot INSERT INTO view '%s'", key)
		}
		return nil, s.unknownObject(st.Table)
	}
	if t.Connector.NewSink == nil {
		return nil, ast.Errorf(st.Table[0].Pos, "table '%s' uses connector '%s', which can only be read from", key, t.Connector.Name)
	}
	if st.Overwrite {
		return nil, ast.Errorf(st.Pos, "INSERT OVERWRITE is not supported in streaming mode")
	}
	rel, err := s.planQuery(st.Query, nil)
	if err != nil {
		return nil, err
	}
	phys := t.PhysicalSchema()
	target := make([]int, 0, phys.Len()) // query column i goes to physical column target[i]
	if len(st.Columns) > 0 {
		for _, c := range st.Columns {
			idx := phys.Index(c.Name)
			if idx < 0 {
				return nil, ast.Errorf(c.Pos, "unknown column '%s' in sink table '%s'; writable columns: %s", c.Name, key, strings.Join(phys.Names(), ", "))
			}
			target = append(target, idx)
		}
	} else {
		for i := range phys.Fields {
			target = append(target, i)
		}
	}
	qs := rel.node.Schema()
	if qs.Len() != len(target) {
		return nil, ast.Errorf(st.Pos, "column mismatch for sink '%s': the query has %d columns %s, the sink expects %d %s",
			key, qs.Len(), qs, len(target), targetSchema(phys, target))
	}
	exprs := make([]plan.Expr, phys.Len())
	for i := range exprs {
		exprs[i] = &plan.Literal{T: phys.Fields[i].Type}
		if !phys.Fields[i].Type.Nullable {
			exprs[i] = nil
		}
	}
	for qi, pi := range target {
		qt, pt := qs.Fields[qi].Type, phys.Fields[pi].Type
		var e plan.Expr = &plan.ColumnRef{Index: qi, Name: qs.Fields[qi].Name, T: qt}
		if !qt.EqualIgnoringNull(pt) {
			if !implicitlyCastable(qt, pt) {
				e := ast.Errorf(itemPos(st, qi), "incompatible types for sink column '%s' at position %d: the query gives %s, the sink has %s\nquery schema: %s\nsink schema:  %s",
					phys.Fields[pi].Name, pi, qt, pt, qs, phys)
				e.Hint = fmt.Sprintf("write CAST(... AS %s) if the conversion is intended", pt.WithNullable(true))
				return nil, e
			}
			e = &plan.Cast{X: e, T: pt.WithNullable(qt.Nullable)}
		}
		exprs[pi] = e
	}
	for i, e := range exprs {
		if e == nil {
			return nil, ast.Errorf(st.Pos, "column '%s' of sink '%s' is NOT NULL and not written", phys.Fields[i].Name, key)
		}
	}
	node := plan.NewProject(rel.node, exprs, phys.Names())
	var in plan.Node = node
	if node.IsIdentity() {
		in = rel.node
	}
	return &plan.Sink{Input: in, Table: t, Name: key}, nil
}

// itemPos is the position of the query's column i when the query is a plain
// SELECT whose items map one to one onto its columns, else the statement's.
func itemPos(st *ast.Insert, i int) ast.Pos {
	sel, ok := st.Query.Body.(*ast.Select)
	if !ok || len(st.Query.With) > 0 || i >= len(sel.Items) {
		return st.Pos
	}
	for _, it := range sel.Items {
		if it.Star {
			return st.Pos
		}
	}
	return sel.Items[i].Pos
}

func targetSchema(phys types.Schema, target []int) string {
	fs := make([]types.Field, len(target))
	for i, t := range target {
		fs[i] = phys.Fields[t]
	}
	return types.Schema{Fields: fs}.String()
}

// implicitlyCastable is Flink's LogicalTypeCasts.supportsImplicitCast,
// the rule for writing a query column into a sink column of another type
// (the sink column's nullability is enforced apart): numeric widening,
// any number to DECIMAL and DOUBLE, CHAR/VARCHAR to VARCHAR but only CHAR
// to CHAR (same for binary strings), TIMESTAMP to DATE and TIME, TIMESTAMP
// and TIMESTAMP_LTZ either way, and ARRAY/MAP/MULTISET/ROW child by child.
func implicitlyCastable(from, to types.Type) bool {
	if from.ID == types.Null || from.EqualIgnoringNull(to) {
		return true
	}
	switch to.ID {
	case types.Decimal, types.Double:
		return from.IsNumeric()
	case types.Float:
		return from.IsNumeric() && from.ID != types.Double
	case types.TinyInt, types.SmallInt, types.Int, types.BigInt:
		return from.IsInteger() && types.NumericRank(from.ID) <= types.NumericRank(to.ID)
	case types.Char:
		return from.ID == types.Char
	case types.VarChar:
		return from.IsString()
	case types.Binary:
		return from.ID == types.Binary
	case types.VarBinary:
		return from.IsBinary()
	case types.Date, types.Time:
		return from.ID == to.ID || from.ID == types.Timestamp
	case types.Timestamp, types.TimestampLTZ:
		return from.IsTimestamp()
	case types.Array, types.Multiset, types.Map:
		if from.ID != to.ID {
			return false
		}
		if to.Key != nil && !implicitChild(*from.Key, *to.Key) {
			return false
		}
		return implicitChild(*from.Elem, *to.Elem)
	case types.RowType:
		if from.ID != to.ID || len(from.Fields) != len(to.Fields) {
			return false
		}
		for i := range from.Fields {
			if !implicitChild(from.Fields[i].Type, to.Fields[i].Type) {
				return false
			}
		}
		return true
	}
	return from.ID == to.ID
}

// implicitChild is implicitlyCastable for the element, key or field types
// of a constructed type, where a nullable type cannot go into a NOT NULL
// one.
func implicitChild(from, to types.Type) bool {
	if from.Nullable && !to.Nullable {
		return false
	}
	return implicitlyCastable(from, to)
}
