package plan

import (
	"fmt"
	"strings"

	"github.com/sluicehq/sluice/internal/sql/functions"
	"github.com/sluicehq/sluice/internal/types"
)

// Expr is a typed, resolved expression. Expressions are immutable.
type Expr interface {
	Type() types.Type
	String() string
}

// ColumnRef reads column Index of the input row.
type ColumnRef struct {
	Index int
	Name  string
	T     types.Type
}

// Literal is a constant.
type Literal struct {
	V types.Value
	T types.Type
}

// Call applies a scalar function or operator.
type Call struct {
	Fn   *functions.Func
	Args []Expr
	T    types.Type
}

// Symbol is a keyword argument of a special form (see functions.Arg.Symbol).
type Symbol struct {
	Name string
}

// Cast converts X to T; Try makes failures NULL instead of errors.
type Cast struct {
	X   Expr
	T   types.Type
	Try bool
}

func (e *ColumnRef) Type() types.Type { return e.T }
func (e *Literal) Type() types.Type   { return e.T }
func (e *Call) Type() types.Type      { return e.T }
func (e *Symbol) Type() types.Type    { return types.Type{} }
func (e *Cast) Type() types.Type      { return e.T }

func (e *ColumnRef) String() string {
	if e.Name == "" {
		return fmt.Sprintf("$%d", e.Index)
	}
	return e.Name
}
func (e *Literal) String() string {
	if e.V.IsNull() {
		return "null:" + e.T.String()
	}
	s := types.FormatSQL(e.V, e.T)
	if e.T.IsString() {
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	return s
}
func (e *Symbol) String() string { return e.Name }
func (e *Cast) String() string {
	if e.Try {
		return fmt.Sprintf("TRY_CAST(%s AS %s)", e.X, e.T)
	}
	return fmt.Sprintf("CAST(%s AS %s)", e.X, e.T)
}
func (e *Call) String() string {
	args := make([]string, len(e.Args))
	for i, a := range e.Args {
		args[i] = a.String()
	}
	name := e.Fn.Name
	if name == "FIELD" && len(e.Args) == 2 {
		if l, ok := e.Args[1].(*Literal); ok {
			if fs := e.Args[0].Type().Fields; int(l.V.Int()) < len(fs) {
				return args[0] + "." + fs[l.V.Int()].Name
			}
		}
	}
	switch {
	case len(args) == 2 && isInfix(name):
		return "(" + args[0] + " " + name + " " + args[1] + ")"
	case len(args) == 1 && strings.HasPrefix(name, "IS "):
		return "(" + args[0] + " " + name + ")"
	}
	return name + "(" + strings.Join(args, ", ") + ")"
}

func isInfix(op string) bool {
	switch op {
	case "+", "-", "*", "/", "%", "||", "=", "<>", "<", "<=", ">", ">=", "AND", "OR", "LIKE", "IS DISTINCT FROM", "IS NOT DISTINCT FROM":
		return true
	}
	return false
}

// Walk calls fn for e and each sub-expression, depth first.
func Walk(e Expr, fn func(Expr)) {
	fn(e)
	switch x := e.(type) {
	case *Call:
		for _, a := range x.Args {
			Walk(a, fn)
		}
	case *Cast:
		Walk(x.X, fn)
	}
}

// Columns returns the input columns e reads.
func Columns(e Expr) []int {
	var out []int
	Walk(e, func(x Expr) {
		if c, ok := x.(*ColumnRef); ok {
			out = append(out, c.Index)
		}
	})
	return out
}

// ColumnRefs returns a reference to each column of s, in order (the
// expressions of an identity projection).
func ColumnRefs(s types.Schema) []Expr {
	out := make([]Expr, s.Len())
	for i, f := range s.Fields {
		out[i] = &ColumnRef{Index: i, Name: f.Name, T: f.Type}
	}
	return out
}

// MapColumns returns e with every column reference replaced by f's result,
// rebuilding the calls and casts above them; other leaves are kept.
func MapColumns(e Expr, f func(*ColumnRef) Expr) Expr {
	switch x := e.(type) {
	case *ColumnRef:
		return f(x)
	case *Call:
		args := make([]Expr, len(x.Args))
		for i, a := range x.Args {
			args[i] = MapColumns(a, f)
		}
		return &Call{Fn: x.Fn, Args: args, T: x.T}
	case *Cast:
		return &Cast{X: MapColumns(x.X, f), T: x.T, Try: x.Try}
	}
	return e
}

// Remap returns e with every column reference i replaced by m[i]. Columns
// not in m are kept.
func Remap(e Expr, m map[int]int) Expr {
	return MapColumns(e, func(x *ColumnRef) Expr {
		if n, ok := m[x.Index]; ok {
			return &ColumnRef{Index: n, Name: x.Name, T: x.T}
		}
		return x
	})
}

// Digest identifies an expression structurally: equal digests mean the same
// computation on the same input columns. Unlike String (for people), it
// names columns by position, so two columns called alike never collide.
func Digest(e Expr) string {
	var b strings.Builder
	digest(&b, e)
	return b.String()
}

func digest(b *strings.Builder, e Expr) {
	switch x := e.(type) {
	case *ColumnRef:
		fmt.Fprintf(b, "$%d", x.Index)
	case *Literal:
		b.WriteString(x.String())
		b.WriteByte(':')
		b.WriteString(x.T.String())
	case *Symbol:
		b.WriteString(x.Name)
	case *Cast:
		if x.Try {
			b.WriteString("TRY_")
		}
		b.WriteString("CAST(")
		digest(b, x.X)
		b.WriteString(" AS " + x.T.String() + ")")
	case *Call:
		b.WriteString(x.Fn.Name + "(")
		for i, a := range x.Args {
			if i > 0 {
				b.WriteString(", ")
			}
			digest(b, a)
		}
		b.WriteByte(')')
	}
}
