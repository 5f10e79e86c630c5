package plan

import (
	"fmt"

	"github.com/sluicehq/sluice/internal/sql/functions"
	"github.com/sluicehq/sluice/internal/types"
)

// NewCall types name(args) with the built-in functions, for planner
// rewrites that combine expressions already typed.
func NewCall(name string, args ...Expr) (*Call, error) {
	fn, err := functions.Builtins().Lookup(name)
	if err != nil {
		return nil, err
	}
	fargs := make([]functions.Arg, len(args))
	for i, a := range args {
		fargs[i] = functions.Arg{Type: a.Type()}
		if l, ok := a.(*Literal); ok {
			v := l.V
			fargs[i].Const = &v
		}
	}
	t, err := fn.Infer(fargs)
	if err != nil {
		return nil, fmt.Errorf("cannot apply %s: %w", name, err)
	}
	return &Call{Fn: fn, Args: args, T: t}, nil
}

// Conjuncts splits a condition on AND (nil gives none).
func Conjuncts(e Expr) []Expr {
	if e == nil {
		return nil
	}
	if c, ok := e.(*Call); ok && c.Fn.Name == "AND" {
		var out []Expr
		for _, a := range c.Args {
			out = append(out, Conjuncts(a)...)
		}
		return out
	}
	return []Expr{e}
}

// And joins conditions with AND; nil for none.
func And(es ...Expr) Expr {
	var out Expr
	for _, e := range es {
		if e == nil {
			continue
		}
		if out == nil {
			out = e
			continue
		}
		c, err := NewCall("AND", out, e)
		if err != nil {
			panic(err) // AND of two BOOLEAN expressions always types
		}
		out = c
	}
	return out
}

// ColumnEquality matches `left column = right column` (either order) in a
// condition over a row of left columns [0, lw) then right columns, for
// columns of the same type (nullability aside). It returns the left index
// and the right index relative to the right side.
func ColumnEquality(c Expr, lw int) (int, int, bool) {
	call, ok := c.(*Call)
	if !ok || call.Fn.Name != "=" || len(call.Args) != 2 {
		return 0, 0, false
	}
	a, ok1 := call.Args[0].(*ColumnRef)
	b, ok2 := call.Args[1].(*ColumnRef)
	if !ok1 || !ok2 || !KeyCompatible(a.T, b.T) {
		return 0, 0, false
	}
	switch {
	case a.Index < lw && b.Index >= lw:
		return a.Index, b.Index - lw, true
	case b.Index < lw && a.Index >= lw:
		return b.Index, a.Index - lw, true
	}
	return 0, 0, false
}

// KeyCompatible reports whether values of types a and b that are equal
// (SQL =) have equal key encodings (types.AppendKey), so that they hash to
// the same instance and match as state keys: the same type, any two
// integer types, or any two character (binary) string types.
func KeyCompatible(a, b types.Type) bool {
	return a.EqualIgnoringNull(b) || a.IsInteger() && b.IsInteger() || a.IsString() && b.IsString() || a.IsBinary() && b.IsBinary()
}

// AllDeterministic reports whether no expression of es calls a
// non-deterministic function.
func AllDeterministic(es []Expr) bool {
	for _, e := range es {
		if !Deterministic(e) {
			return false
		}
	}
	return true
}

// Deterministic reports whether e calls no non-deterministic function.
func Deterministic(e Expr) bool {
	ok := true
	Walk(e, func(x Expr) {
		if c, isCall := x.(*Call); isCall && c.Fn.NonDeterministic {
			ok = false
		}
	})
	return ok
}

// Substitute replaces each column reference i in e by exprs[i] (inlining a
// projection). A reference that marks a column as a time attribute keeps
// the mark: the cast compiles to nothing.
func Substitute(e Expr, exprs []Expr) Expr {
	return MapColumns(e, func(x *ColumnRef) Expr {
		r := exprs[x.Index]
		if t := r.Type(); t.TimeAttr != x.T.TimeAttr {
			return &Cast{X: r, T: t.WithTimeAttr(x.T.TimeAttr)}
		}
		return r
	})
}
