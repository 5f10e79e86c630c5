package analyzer

import (
	"strings"

	"github.com/sluicehq/sluice/internal/hint"
	"github.com/sluicehq/sluice/internal/sql/ast"
	"github.com/sluicehq/sluice/internal/types"
)

// scope is the set of columns visible to an expression: every relation of a
// FROM clause under its alias, with positions in the combined input row.
type scope struct {
	cols []scopeCol
	// outer, when set, is the enclosing query's scope, searched for names
	// this one lacks (a correlated EXISTS subquery); its columns have
	// their own indexes in the combined row.
	outer *scope
}

type scopeCol struct {
	qualifier string // alias or table name; "" when anonymous
	name      string
	index     int
	typ       types.Type
	// hidden columns (the right side's columns of a JOIN ... USING) are
	// reachable only qualified, and not part of *.
	hidden bool
}

func newScope() *scope { return &scope{} }

// add makes the columns of schema visible under qualifier, starting at
// position offset of the input row.
func (s *scope) add(qualifier string, schema types.Schema, offset int) {
	for i, f := range schema.Fields {
		s.cols = append(s.cols, scopeCol{qualifier: qualifier, name: f.Name, index: offset + i, typ: f.Type})
	}
}

// lookup resolves parts (col, q.col, col.field..., q.col.field...). It
// returns the column and how many parts it consumed.
func (s *scope) lookup(parts []ast.Ident) (scopeCol, int, error) {
	c, n, err := s.lookupHere(parts)
	if err != nil && s.outer != nil {
		if oc, on, oerr := s.outer.lookup(parts); oerr == nil {
			return oc, on, nil
		}
	}
	return c, n, err
}

func (s *scope) lookupHere(parts []ast.Ident) (scopeCol, int, error) {
	if len(parts) >= 2 {
		if c, ok, err := s.find(parts[0].Name, parts[1]); ok || err != nil {
			return c, 2, err
		}
	}
	c, ok, err := s.find("", parts[0])
	if err != nil {
		return c, 0, err
	}
	if ok {
		return c, 1, nil
	}
	return c, 0, s.unknown(parts)
}

func (s *scope) find(qualifier string, id ast.Ident) (scopeCol, bool, error) {
	var found []scopeCol
	for pass := 0; pass < 2 && len(found) == 0; pass++ {
		for _, c := range s.cols {
			if qualifier != "" && c.qualifier != qualifier || qualifier == "" && c.hidden {
				continue
			}
			if c.name == id.Name || (pass == 1 && !id.Quoted && strings.EqualFold(c.name, id.Name)) {
				found = append(found, c)
			}
		}
	}
	switch len(found) {
	case 0:
		return scopeCol{}, false, nil
	case 1:
		return found[0], true, nil
	}
	e := ast.Errorf(id.Pos, "column '%s' is ambiguous", id.Name)
	var qs, exact []string
	for _, c := range found {
		if c.qualifier != "" {
			qs = append(qs, c.qualifier+"."+c.name)
		}
		exact = append(exact, "`"+c.name+"`")
	}
	switch {
	case len(qs) == len(found) && len(dedupe(qs)) == len(qs):
		e.Hint = "qualify it: " + strings.Join(qs, " or ")
	case len(dedupe(exact)) == len(exact):
		e.Hint = "quoted names match exactly: write " + strings.Join(exact, " or ")
	}
	return scopeCol{}, false, e
}

func (s *scope) unknown(parts []ast.Ident) error {
	name := parts[0].Name
	if len(parts) >= 2 && s.hasQualifier(parts[0].Name) {
		name = parts[1].Name
	}
	if len(parts) >= 2 && !s.hasQualifier(parts[0].Name) && !s.hasColumn(parts[0].Name) {
		if qs := s.qualifiers(); len(qs) > 0 {
			e := ast.Errorf(parts[0].Pos, "unknown table '%s' in '%s'", parts[0].Name, joinIdents(parts))
			e.Hint = "the FROM clause names " + strings.Join(qs, ", ") + " (a table given an alias is known only by its alias)"
			return e
		}
	}
	e := ast.Errorf(parts[0].Pos, "unknown column '%s'", joinIdents(parts))
	var names []string
	for _, c := range s.cols {
		names = append(names, c.name)
	}
	if h := hint.DidYouMean(name, names); h != "" {
		e.Hint = strings.TrimPrefix(h, "; ")
	} else if len(names) > 0 {
		e.Hint = "available columns: " + strings.Join(dedupe(names), ", ")
	}
	return e
}

func (s *scope) hasQualifier(q string) bool {
	for _, c := range s.cols {
		if c.qualifier == q {
			return true
		}
	}
	return false
}

func (s *scope) hasColumn(name string) bool {
	for _, c := range s.cols {
		if strings.EqualFold(c.name, name) {
			return true
		}
	}
	return false
}

// qualifiers lists the names relations are visible under, in order.
func (s *scope) qualifiers() []string {
	var qs []string
	for _, c := range s.cols {
		if c.qualifier != "" {
			qs = append(qs, c.qualifier)
		}
	}
	return dedupe(qs)
}

// star returns the columns of * (qualifier "") or q.*.
func (s *scope) star(qualifier string) []scopeCol {
	var out []scopeCol
	for _, c := range s.cols {
		if qualifier == "" && !c.hidden || qualifier != "" && c.qualifier == qualifier {
			out = append(out, c)
		}
	}
	return out
}

func joinIdents(ids []ast.Ident) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = id.Name
	}
	return strings.Join(parts, ".")
}

func dedupe(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
