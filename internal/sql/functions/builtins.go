package functions

import (
	"fmt"
	"sync"
	"time"
)

// Options configures a set of built-ins. The zero value is production
// behaviour.
type Options struct {
	// Now is the clock behind PROCTIME, CURRENT_TIMESTAMP, NOW,
	// CURRENT_DATE, LOCALTIMESTAMP, UNIX_TIMESTAMP() and friends. nil means
	// time.Now. Tests inject a fixed clock here.
	Now func() time.Time
	// Seed seeds RAND(), RAND_INTEGER(n) and UUID() when they have no seed
	// argument; 0 means seeded from the clock.
	Seed int64
}

func (o Options) now() func() time.Time {
	if o.Now != nil {
		return o.Now
	}
	return time.Now
}

var (
	builtinsOnce sync.Once
	builtins     *Registry
)

// Builtins returns the registry of Flink's built-in scalar functions and
// operators with the production clock. It is built once and shared; do not
// Register into it (build your own with NewBuiltins).
func Builtins() *Registry {
	builtinsOnce.Do(func() { builtins = NewBuiltins(Options{}) })
	return builtins
}

// NewBuiltins builds a fresh registry of the built-ins with opts.
func NewBuiltins(opts Options) *Registry {
	r := NewRegistry()
	add := func(fs ...*Func) {
		for _, f := range fs {
			if err := r.Register(f); err != nil {
				panic(fmt.Sprintf("functions: %v", err)) // a bug in this file
			}
		}
	}
	// Operators.
	add(arithFunc("+", opAdd), arithFunc("-", opSub), arithFunc("*", opMul),
		arithFunc("/", opDiv), arithFunc("%", opMod), arithFunc("MOD", opMod), negFunc())
	for _, op := range cmpOps {
		add(compareFunc(op))
	}
	add(andOr("AND", true), andOr("OR", false), notFunc())
	add(isTests()...)
	add(distinctFunc("IS DISTINCT FROM", true), distinctFunc("IS NOT DISTINCT FROM", false))
	add(betweenFunc("BETWEEN", false), betweenFunc("NOT BETWEEN", true), inFunc())
	add(caseFunc(), coalesceFunc(), ifFunc(), ifNullFunc(), nullIfFunc(),
		extremeFunc("GREATEST", true), extremeFunc("LEAST", false))
	add(collectionFuncs()...)
	add(stringFuncs()...)
	add(regexpFuncs()...)
	add(mathFuncs(opts)...)
	add(timeFuncs(opts)...)
	return r
}

// alias returns a copy of f registered under another name.
func alias(name string, f *Func) *Func {
	g := *f
	g.Name = name
	return &g
}
