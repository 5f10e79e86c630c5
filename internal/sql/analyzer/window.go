package analyzer

import (
	"strings"
	"time"

	"github.com/sluicehq/sluice/internal/sql/ast"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

var windowTVFs = map[string]plan.WindowKind{
	"TUMBLE": plan.Tumble, "HOP": plan.Hop, "CUMULATE": plan.Cumulate, "SESSION": plan.Session,
}

// isGroupWindowFunc reports whether name is a legacy group window function
// or one of its properties.
func isGroupWindowFunc(name string) bool {
	n := strings.ToUpper(name)
	if _, ok := windowTVFs[n]; ok && n != "CUMULATE" {
		return true
	}
	for _, k := range []string{"TUMBLE_", "HOP_", "SESSION_"} {
		if strings.HasPrefix(n, k) {
			return true
		}
	}
	return false
}

// tvfArgs sorts a window TVF's arguments into positional order, accepting
// Flink's named form (DATA => TABLE t, TIMECOL => DESCRIPTOR(ts), SIZE => ...).
func tvfArgs(c *ast.Call, kind plan.WindowKind) ([]ast.Expr, error) {
	order := map[plan.WindowKind][]string{
		plan.Tumble:   {"DATA", "TIMECOL", "SIZE", "OFFSET"},
		plan.Hop:      {"DATA", "TIMECOL", "SLIDE", "SIZE", "OFFSET"},
		plan.Cumulate: {"DATA", "TIMECOL", "STEP", "SIZE", "OFFSET"},
		plan.Session:  {"DATA", "TIMECOL", "GAP"},
	}[kind]
	named := false
	out := make([]ast.Expr, len(order))
	for i, a := range c.Args {
		na, ok := a.(*ast.NamedArg)
		if !ok {
			if named {
				return nil, errorf(a, "positional arguments cannot follow named ones")
			}
			if i >= len(order) {
				return nil, errorf(a, "too many arguments for %s; it takes %s", kind, strings.Join(order, ", "))
			}
			out[i] = a
			continue
		}
		named = true
		idx := indexOf(order, strings.ToUpper(na.Name.Name))
		if idx < 0 {
			return nil, errorf(na, "%s has no parameter '%s'; its parameters are %s", kind, na.Name.Name, strings.Join(order, ", "))
		}
		out[idx] = na.Value
	}
	need := len(order) - 1
	if kind == plan.Session {
		need = len(order)
	}
	for i := 0; i < need; i++ {
		if out[i] == nil {
			return nil, errorf(c, "%s is missing its %s argument; write %s(TABLE t, DESCRIPTOR(ts), ...)", kind, order[i], kind)
		}
	}
	return out, nil
}

// planTableFunc plans TABLE(TUMBLE|HOP|CUMULATE|SESSION(...)) in FROM.
func (s *Session) planTableFunc(r *ast.TableFunc, env *ctes) (*relation, error) {
	name := strings.ToUpper(r.Call.Name.Last())
	kind, ok := windowTVFs[name]
	if !ok || r.Lateral {
		return nil, errorf(r, "table function %s is not supported; the window table functions TUMBLE, HOP, CUMULATE and SESSION are", name)
	}
	args, err := tvfArgs(r.Call, kind)
	if err != nil {
		return nil, err
	}
	var data *relation
	var partition []ast.Expr
	switch d := args[0].(type) {
	case *ast.TableArg:
		if data, err = s.relationByName(d.Name, env); err != nil {
			return nil, err
		}
		partition = d.PartitionBy
	default:
		return nil, errorf(args[0], "the first argument of %s must be TABLE name", name)
	}
	desc, ok := args[1].(*ast.Descriptor)
	if !ok || len(desc.Columns) != 1 {
		return nil, errorf(args[1], "the time column of %s must be written DESCRIPTOR(column)", name)
	}
	col, _, err := data.scope.lookup([]ast.Ident{desc.Columns[0]})
	if err != nil {
		return nil, err
	}
	if col.typ.TimeAttr == types.NoTimeAttr {
		return nil, ast.Errorf(desc.Columns[0].Pos, "the window function %s requires the time column to be a time attribute, but '%s' is %s; declare a WATERMARK for it or use PROCTIME()", name, col.name, col.typ)
	}
	w := plan.Window{Kind: kind, TimeCol: col.index, ProcTime: col.typ.IsProcTime()}
	b := s.newExprBuilder(data.scope)
	ival := func(i int, what string) (int64, error) {
		if args[i] == nil {
			return 0, nil
		}
		e, err := b.build(args[i])
		if err != nil {
			return 0, err
		}
		return constInterval(e, args[i], what)
	}
	switch kind {
	case plan.Tumble:
		if w.Size, err = ival(2, "the window size"); err == nil {
			w.Offset, err = ival(3, "the window offset")
		}
	case plan.Hop:
		if w.Slide, err = ival(2, "the window slide"); err == nil {
			if w.Size, err = ival(3, "the window size"); err == nil {
				w.Offset, err = ival(4, "the window offset")
			}
		}
		if err == nil && w.Size%w.Slide != 0 {
			return nil, errorf(r.Call, "HOP window size (%s) must be an integral multiple of the slide (%s)", time.Duration(w.Size), time.Duration(w.Slide))
		}
	case plan.Cumulate:
		if w.Step, err = ival(2, "the window step"); err == nil {
			if w.Size, err = ival(3, "the window max size"); err == nil {
				w.Offset, err = ival(4, "the window offset")
			}
		}
		if err == nil && w.Size%w.Step != 0 {
			return nil, errorf(r.Call, "CUMULATE window max size must be an integral multiple of the step")
		}
	case plan.Session:
		w.Gap, err = ival(2, "the session gap")
		for _, p := range partition {
			e, perr := b.build(p)
			if perr != nil {
				return nil, perr
			}
			c, ok := e.(*plan.ColumnRef)
			if !ok {
				return nil, errorf(p, "SESSION PARTITION BY takes columns")
			}
			w.PartitionKeys = append(w.PartitionKeys, c.Index)
		}
	}
	if err != nil {
		return nil, err
	}
	node := plan.NewWindowTVF(data.node, w)
	sc := newScope()
	sc.add("", node.Schema(), 0)
	return &relation{node: node, scope: sc}, nil
}

// groupWindow is the window of an aggregating SELECT: from a window TVF in
// FROM grouped by window_start and window_end, or from the legacy
// GROUP BY TUMBLE(ts, size) syntax.
type groupWindow struct {
	window   plan.Window
	timeExpr plan.Expr // the time attribute, in the input's columns
	timeName string
	// TVF form: window_start is column tvfBase of the FROM relation.
	tvfBase int
	scope   *scope
	// Legacy form: the GROUP BY call.
	legacy *ast.Call
}

func (s *Session) groupWindow(sel *ast.Select, rel *relation) (*groupWindow, plan.Node, error) {
	for _, g := range sel.GroupBy {
		if c, ok := g.(*ast.Call); ok && isGroupWindowFunc(c.Name.Last()) {
			w, err := s.legacyWindow(c, rel)
			return w, rel.node, err
		}
	}
	tvf, base := findWindowTVF(rel.node)
	if tvf == nil {
		return nil, rel.node, nil
	}
	gw := &groupWindow{window: tvf.Window, tvfBase: tvf.Input.Schema().Len(), scope: rel.scope}
	hasStart, hasEnd := false, false
	for _, g := range sel.GroupBy {
		switch gw.windowKeyIndex(g) {
		case 0:
			hasStart = true
		case 1:
			hasEnd = true
		}
	}
	if !hasStart || !hasEnd {
		return nil, rel.node, nil // a regular aggregate over windowed rows
	}
	if base == nil {
		return nil, nil, errorf(sel, "a filter on window_start, window_end or window_time before a window aggregation is not supported; filter after it instead")
	}
	tc := tvf.Input.Schema().Fields[tvf.Window.TimeCol]
	gw.timeExpr = &plan.ColumnRef{Index: tvf.Window.TimeCol, Name: tc.Name, T: tc.Type}
	gw.timeName = tc.Name
	return gw, base, nil
}

// findWindowTVF finds a WindowTVF at n or under a Filter on n, and returns
// the node to aggregate instead: the TVF's input with the filter moved onto
// it (nil when the filter reads window columns).
func findWindowTVF(n plan.Node) (*plan.WindowTVF, plan.Node) {
	switch x := n.(type) {
	case *plan.WindowTVF:
		return x, x.Input
	case *plan.Filter:
		tvf, ok := x.Input.(*plan.WindowTVF)
		if !ok {
			return nil, nil
		}
		width := tvf.Input.Schema().Len()
		for _, c := range plan.Columns(x.Cond) {
			if c >= width {
				return tvf, nil
			}
		}
		return tvf, &plan.Filter{Input: tvf.Input, Cond: x.Cond}
	}
	return nil, nil
}

// windowKeyIndex is 0, 1 or 2 when g is window_start, window_end or
// window_time of a TVF, else -1.
func (w *groupWindow) windowKeyIndex(g ast.Expr) int {
	c, ok := g.(*ast.ColumnRef)
	if !ok || w.legacy != nil {
		return -1
	}
	col, used, err := w.scope.lookup(c.Parts)
	if err != nil || used != len(c.Parts) {
		return -1
	}
	if i := col.index - w.tvfBase; i >= 0 && i <= 2 {
		return i
	}
	return -1
}

func (w *groupWindow) isWindowKey(g ast.Expr) bool {
	if w.legacy != nil {
		return g == ast.Expr(w.legacy)
	}
	return w.windowKeyIndex(g) >= 0
}

// usesWindowColumn reports whether e reads a TVF's window columns.
func (w *groupWindow) usesWindowColumn(e plan.Expr) bool {
	if w.legacy != nil {
		return false
	}
	for _, c := range plan.Columns(e) {
		if c >= w.tvfBase {
			return true
		}
	}
	return false
}

// windowColumn maps a TVF window column reference to its property index.
func (w *groupWindow) windowColumn(e plan.Expr) (int, bool) {
	c, ok := e.(*plan.ColumnRef)
	if !ok || w.legacy != nil {
		return 0, false
	}
	if i := c.Index - w.tvfBase; i >= 0 && i <= 2 {
		return i, true
	}
	return 0, false
}

// property maps TUMBLE_START(...) and friends to a property index.
func (w *groupWindow) property(c *ast.Call) (int, bool) {
	if w.legacy == nil {
		return 0, false
	}
	name := strings.ToUpper(c.Name.Last())
	prefix := strings.ToUpper(w.legacy.Name.Last()) + "_"
	if !strings.HasPrefix(name, prefix) {
		return 0, false
	}
	switch strings.TrimPrefix(name, prefix) {
	case "START":
		return 0, true
	case "END":
		return 1, true
	case "ROWTIME", "PROCTIME":
		return 2, true
	}
	return 0, false
}

// legacyWindow plans GROUP BY TUMBLE(ts, size), HOP(ts, slide, size) and
// SESSION(ts, gap).
func (s *Session) legacyWindow(c *ast.Call, rel *relation) (*groupWindow, error) {
	name := strings.ToUpper(c.Name.Last())
	kind := windowTVFs[name]
	want := map[plan.WindowKind]int{plan.Tumble: 2, plan.Hop: 3, plan.Session: 2}[kind]
	if len(c.Args) != want && !(kind == plan.Tumble && len(c.Args) == 3) {
		return nil, errorf(c, "%s in GROUP BY takes %d arguments: the time attribute and the interval(s)", name, want)
	}
	b := s.newExprBuilder(rel.scope)
	te, err := b.build(c.Args[0])
	if err != nil {
		return nil, err
	}
	tc, ok := te.(*plan.ColumnRef)
	if !ok || tc.T.TimeAttr == types.NoTimeAttr {
		return nil, errorf(c.Args[0], "the first argument of %s must be a time attribute column (with a WATERMARK, or PROCTIME()), but is %s", name, te.Type())
	}
	ivals := make([]int64, len(c.Args)-1)
	for i, a := range c.Args[1:] {
		e, err := b.build(a)
		if err != nil {
			return nil, err
		}
		if ivals[i], err = constInterval(e, a, "the window interval"); err != nil {
			return nil, err
		}
	}
	w := plan.Window{Kind: kind, ProcTime: tc.T.IsProcTime()}
	switch kind {
	case plan.Tumble:
		w.Size = ivals[0]
		if len(ivals) > 1 {
			w.Offset = ivals[1]
		}
	case plan.Hop:
		w.Slide, w.Size = ivals[0], ivals[1]
		if w.Size%w.Slide != 0 {
			return nil, errorf(c, "HOP window size must be an integral multiple of the slide")
		}
	case plan.Session:
		w.Gap = ivals[0]
	}
	return &groupWindow{window: w, timeExpr: te, timeName: tc.Name, legacy: c, scope: rel.scope}, nil
}

// checkSessionKeys requires SESSION TVF's PARTITION BY columns to be
// grouped by, as Flink does.
func checkSessionKeys(sel *ast.Select, wa *plan.WindowAggregate, win *groupWindow) error {
	if len(win.window.PartitionKeys) == 0 || win.legacy != nil {
		return nil
	}
	pre := wa.Input.(*plan.Project)
	var keys []int
	for _, p := range win.window.PartitionKeys {
		found := -1
		for _, k := range wa.Keys {
			if c, ok := pre.Exprs[k].(*plan.ColumnRef); ok && c.Index == p {
				found = k
			}
		}
		if found < 0 {
			return errorf(sel, "the SESSION window's PARTITION BY columns must be in the GROUP BY clause")
		}
		keys = append(keys, found)
	}
	wa.Window.PartitionKeys = keys
	return nil
}
