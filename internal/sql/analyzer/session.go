package analyzer

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/hint"
	"github.com/sluicehq/sluice/internal/sql/ast"
	"github.com/sluicehq/sluice/internal/sql/functions"
	"github.com/sluicehq/sluice/internal/sql/plan"
)

// Session is the state of a script being analyzed.
type Session struct {
	connectors *connector.Registry
	funcs      *functions.Registry
	tables     map[string]*plan.Table
	views      map[string]*view
	// Config holds SET options in the order they were set.
	Config map[string]string
}

type view struct {
	name    string
	query   *ast.Query
	columns []ast.Ident
}

// NewSession starts an empty session.
func NewSession(connectors *connector.Registry, funcs *functions.Registry) *Session {
	return &Session{
		connectors: connectors,
		funcs:      funcs,
		tables:     map[string]*plan.Table{},
		views:      map[string]*view{},
		Config:     map[string]string{},
	}
}

// Action is what a statement asks the engine to do.
type Action interface{ action() }

// Done means the statement only changed the session.
type Done struct{ Message string }

// Run asks the engine to run a job with these sinks. Query is true for a
// bare SELECT (one sink, to the terminal).
type Run struct {
	Sinks []*plan.Sink
	Query bool
}

// Explain asks for the plans of a statement.
type Explain struct {
	Run     *Run
	Details []string
}

// Show is a small table of text to print (SHOW, DESCRIBE, SET).
type Show struct {
	Columns []string
	Rows    [][]string
}

func (Done) action()     {}
func (*Run) action()     {}
func (*Explain) action() {}
func (*Show) action()    {}

// Analyze handles one statement.
func (s *Session) Analyze(stmt ast.Statement) (Action, error) {
	switch st := stmt.(type) {
	case *ast.CreateTable:
		return s.createTable(st)
	case *ast.CreateView:
		return s.createView(st)
	case *ast.Drop:
		return s.drop(st)
	case *ast.Set:
		if st.Key == "" {
			return s.showConfig(), nil
		}
		s.Config[st.Key] = st.Value
		return Done{}, nil
	case *ast.Reset:
		if st.Key == "" {
			s.Config = map[string]string{}
		} else {
			delete(s.Config, st.Key)
		}
		return Done{}, nil
	case *ast.Insert:
		sink, err := s.insert(st)
		if err != nil {
			return nil, err
		}
		return &Run{Sinks: []*plan.Sink{sink}}, nil
	case *ast.StatementSet:
		run := &Run{}
		for _, ins := range st.Inserts {
			sink, err := s.insert(ins)
			if err != nil {
				return nil, err
			}
			run.Sinks = append(run.Sinks, sink)
		}
		return run, nil
	case *ast.QueryStatement:
		rel, err := s.planQuery(st.Query, nil)
		if err != nil {
			return nil, err
		}
		return &Run{Sinks: []*plan.Sink{{Input: rel.node, Name: "collect"}}, Query: true}, nil
	case *ast.Explain:
		a, err := s.Analyze(st.Statement)
		if err != nil {
			return nil, err
		}
		run, ok := a.(*Run)
		if !ok {
			return nil, ast.Errorf(st.Pos, "EXPLAIN works on queries, INSERT and statement sets")
		}
		return &Explain{Run: run, Details: st.Details}, nil
	case *ast.Show:
		return s.show(st)
	case *ast.Describe:
		return s.describe(st)
	}
	return nil, ast.Errorf(stmt.Position(), "statement %T is not supported yet", stmt)
}

// objectKey normalises a table or view name: default_catalog and
// default_database qualifiers are dropped.
func objectKey(n ast.ObjectName) string {
	parts := make([]string, 0, len(n))
	for i, p := range n {
		if i < len(n)-1 && (p.Name == "default_catalog" || p.Name == "default_database") {
			continue
		}
		parts = append(parts, p.Name)
	}
	return strings.Join(parts, ".")
}

func (s *Session) objectNames() []string {
	var out []string
	for k := range s.tables {
		out = append(out, k)
	}
	for k := range s.views {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (s *Session) unknownObject(n ast.ObjectName) error {
	key := objectKey(n)
	e := ast.Errorf(n[0].Pos, "object '%s' not found", key)
	names := s.objectNames()
	if h := hint.DidYouMean(key, names); h != "" {
		e.Hint = strings.TrimPrefix(h, "; ")
	} else if len(names) > 0 {
		e.Hint = "declared tables and views: " + strings.Join(names, ", ")
	} else {
		e.Hint = "declare it with CREATE TABLE ... WITH ('connector' = ...)"
	}
	return e
}

func (s *Session) createView(st *ast.CreateView) (Action, error) {
	key := objectKey(st.Name)
	if s.exists(key) {
		if st.IfNotExists {
			return Done{}, nil
		}
		return nil, ast.Errorf(st.Pos, "a table or view named '%s' already exists", key)
	}
	v := &view{name: key, query: st.Query, columns: st.Columns}
	// Analyze now so errors point at the CREATE VIEW, not at its first use.
	if _, err := s.planView(v, st.Pos); err != nil {
		return nil, err
	}
	s.views[key] = v
	return Done{}, nil
}

func (s *Session) exists(key string) bool {
	_, t := s.tables[key]
	_, v := s.views[key]
	return t || v
}

func (s *Session) drop(st *ast.Drop) (Action, error) {
	key := objectKey(st.Name)
	switch st.Kind {
	case "TABLE":
		if _, ok := s.tables[key]; ok {
			delete(s.tables, key)
			return Done{}, nil
		}
	case "VIEW":
		if _, ok := s.views[key]; ok {
			delete(s.views, key)
			return Done{}, nil
		}
	default:
		return nil, ast.Errorf(st.Pos, "DROP %s is not supported", st.Kind)
	}
	if st.IfExists {
		return Done{}, nil
	}
	return nil, s.unknownObject(st.Name)
}

func (s *Session) showConfig() *Show {
	sh := &Show{Columns: []string{"key", "value"}}
	keys := make([]string, 0, len(s.Config))
	for k := range s.Config {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		sh.Rows = append(sh.Rows, []string{k, s.Config[k]})
	}
	return sh
}

func (s *Session) show(st *ast.Show) (Action, error) {
	sh := &Show{}
	switch strings.ToUpper(st.What) {
	case "TABLES":
		sh.Columns = []string{"table name"}
		for _, k := range s.objectNames() {
			sh.Rows = append(sh.Rows, []string{k})
		}
	case "VIEWS":
		sh.Columns = []string{"view name"}
		for k := range s.views {
			sh.Rows = append(sh.Rows, []string{k})
		}
		sort.Slice(sh.Rows, func(i, j int) bool { return sh.Rows[i][0] < sh.Rows[j][0] })
	case "FUNCTIONS":
		sh.Columns = []string{"function name"}
		for _, n := range s.funcs.Names() {
			sh.Rows = append(sh.Rows, []string{n})
		}
	case "CONNECTORS":
		sh.Columns = []string{"connector"}
		for _, n := range s.connectors.ConnectorNames() {
			sh.Rows = append(sh.Rows, []string{n})
		}
	default:
		return nil, ast.Errorf(st.Pos, "SHOW %s is not supported; use SHOW TABLES, VIEWS, FUNCTIONS or CONNECTORS", st.What)
	}
	return sh, nil
}

func (s *Session) describe(st *ast.Describe) (Action, error) {
	rel, err := s.relationByName(st.Name, nil)
	if err != nil {
		return nil, err
	}
	sh := &Show{Columns: []string{"name", "type", "null", "key", "extras", "watermark"}}
	var pk map[string]bool
	var wm string
	if t := s.tables[objectKey(st.Name)]; t != nil {
		pk = map[string]bool{}
		for _, i := range t.PrimaryKey {
			pk[t.Columns[i].Name] = true
		}
		if t.Watermark != nil {
			wm = t.Watermark.Text
		}
	}
	for i, f := range rel.node.Schema().Fields {
		ty := f.Type.WithNullable(true)
		null, key, extras, w := "TRUE", "", "", ""
		if !f.Type.Nullable {
			null = "FALSE"
		}
		if pk[f.Name] {
			key = "PRI(" + f.Name + ")"
		}
		if t := s.tables[objectKey(st.Name)]; t != nil && t.Columns[i].Computed != nil {
			extras = "AS " + t.Columns[i].Computed.String()
		}
		if f.Type.IsRowTime() {
			w = wm
		}
		sh.Rows = append(sh.Rows, []string{f.Name, ty.String(), null, key, extras, w})
	}
	return sh, nil
}

// Table returns a declared table (for tools and tests).
func (s *Session) Table(name string) (*plan.Table, bool) {
	t, ok := s.tables[name]
	return t, ok
}

func errorf(n ast.Node, format string, args ...any) *ast.Error {
	return ast.Errorf(n.Position(), format, args...)
}

var _ = fmt.Sprintf
