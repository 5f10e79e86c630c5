// Package functions holds Sluice's built-in scalar functions and operators
// with Flink's semantics: type inference (Func.Infer) and compiled
// evaluation (Func.Compile), plus casts (CompileCast, CanCast) and type
// unification (CommonType) for the analyzer.
//
// Compilation happens once per job: Compile receives the argument
// evaluators and returns a closure evaluated per row. Evaluators return a
// types.Value and never allocate for fixed-width results; they are
// specialised by type at compile time (BIGINT + BIGINT is a closure doing
// the add and two NULL checks). Lazy forms (CASE, AND, OR, COALESCE, IF,
// IFNULL, NULLIF) call their argument evaluators only when needed.
// Constant patterns (LIKE, regexps, date formats) and constant IN lists are
// prepared once in Compile.
//
// A runtime error inside an evaluator (integer division by zero, a failed
// CAST, an invalid base64 input) panics with *EvalError; the operator
// running the evaluator recovers it once per batch and fails the job with
// the operator and row in context. Nothing else may panic.
//
// Conventions the analyzer relies on:
//
//   - Special syntax arrives normalised (see ast/doc.go): keyword arguments
//     are Arg.Symbol (EXTRACT(Symbol YEAR, x), TRIM(Symbol LEADING, chars,
//     s), FLOOR(ts, Symbol DAY), TIMESTAMPADD(Symbol unit, n, ts)).
//   - CASE is CASE(cond1, res1, cond2, res2, ..., [else]): an odd argument
//     count means the last argument is the ELSE.
//   - IN is IN(x, v1, v2, ...); BETWEEN(x, lo, hi); LIKE(s, pattern
//     [, escape]); FIELD(row, i) takes a 0-based integer literal; ITEM is
//     x[i] (arrays 1-based, NULL out of range).
//   - ROW(...) names its fields EXPR$0, EXPR$1, ...; the analyzer may
//     rename them.
//
// The session time zone is UTC: TIMESTAMP_LTZ values display, format and
// parse in UTC. The clock behind PROCTIME(), CURRENT_TIMESTAMP and friends
// is Options.Now: Builtins() uses the wall clock, tests build their own
// registry with NewBuiltins(Options{Now: fixed}). There is no package-level
// mutable state.
//
// Tests are text fixtures in testdata/*.txt (see fixture_test.go; run
// go test -run TestFixtures -rewrite to regenerate expectations after
// checking them against Flink).
//
// Start with registry.go (Func, Arg, Registry) and builtins.go (the list),
// then infer.go (type rules, CommonType), cast.go, arith.go, compare.go,
// logic.go, and one file per family: string.go, regexp.go, time.go,
// timefmt.go (Java date patterns), math.go, collection.go. simple.go is
// the small framework most ordinary functions are declared with.
package functions
