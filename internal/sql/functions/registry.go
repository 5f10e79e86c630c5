package functions

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sluicehq/sluice/internal/hint"
	"github.com/sluicehq/sluice/internal/types"
)

// Eval evaluates a compiled expression against one row.
type Eval func(row types.Row) types.Value

// Arg describes one argument at planning time.
type Arg struct {
	Type types.Type
	// Const is set when the argument is a literal (after constant folding),
	// so a function can validate or precompute (e.g. compile a regexp once).
	Const *types.Value
	// Symbol is set for keyword arguments of special forms (YEAR in
	// EXTRACT(YEAR FROM x), LEADING in TRIM, units of TIMESTAMPADD); Type and
	// Eval are then unused.
	Symbol string
	// Eval is the argument's evaluator; nil during Infer.
	Eval Eval
}

// Func is one scalar function or operator.
type Func struct {
	// Name is the canonical upper-case name: "SUBSTRING", "+", "=", "AND",
	// "IS NULL", "CASE", "LIKE", ...
	Name string
	// Signatures documents the accepted argument types for error messages,
	// e.g. "SUBSTRING(STRING, INT [, INT])".
	Signatures []string
	// Infer returns the result type for the arguments, or an error that
	// says what was expected (the analyzer adds the position).
	Infer func(args []Arg) (types.Type, error)
	// Compile builds the evaluator; args carry their Eval. ret is the type
	// Infer returned.
	Compile func(args []Arg, ret types.Type) (Eval, error)
	// NonDeterministic functions (RAND, UUID, PROCTIME, CURRENT_TIMESTAMP,
	// NOW, ...) are never constant-folded.
	NonDeterministic bool
}

// Registry maps names to functions. Lookups are case-insensitive.
type Registry struct {
	funcs map[string]*Func
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{funcs: map[string]*Func{}} }

// Register adds f; a duplicate name is an error.
func (r *Registry) Register(f *Func) error {
	k := strings.ToUpper(f.Name)
	if _, dup := r.funcs[k]; dup {
		return fmt.Errorf("function registry: '%s' is registered twice", f.Name)
	}
	r.funcs[k] = f
	return nil
}

// Lookup finds a function; a miss lists the closest names.
func (r *Registry) Lookup(name string) (*Func, error) {
	if f, ok := r.funcs[strings.ToUpper(name)]; ok {
		return f, nil
	}
	return nil, fmt.Errorf("no such function '%s'%s", name, hint.DidYouMean(strings.ToUpper(name), r.Names()))
}

// Has reports whether name is registered.
func (r *Registry) Has(name string) bool { _, ok := r.funcs[strings.ToUpper(name)]; return ok }

// Names lists the registered names, sorted.
func (r *Registry) Names() []string {
	out := make([]string, 0, len(r.funcs))
	for n := range r.funcs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// EvalError is a runtime error inside an evaluator. Evaluators panic with it;
// operators recover it (see the package doc).
type EvalError struct {
	Func string
	Msg  string
}

func (e *EvalError) Error() string { return e.Func + ": " + e.Msg }

// Fail panics with an *EvalError.
func Fail(fn, format string, args ...any) {
	panic(&EvalError{Func: fn, Msg: fmt.Sprintf(format, args...)})
}
