// Package functions holds Sluice's built-in scalar functions and operators
// with Flink's semantics: type inference (Func.Infer) and compiled
// evaluation (Func.Compile), plus casts (CompileCast).
//
// Compilation happens once per job: Compile receives the argument
// evaluators and returns a closure evaluated per row. Evaluators return a
// types.Value and never allocate for fixed-width results. Lazy forms (CASE,
// AND, OR, COALESCE, IF, IFNULL, NULLIF) call their argument evaluators only
// when needed.
//
// A runtime error inside an evaluator (integer division by zero, a failed
// CAST, an invalid regular expression) panics with *EvalError; the operator
// running the evaluator recovers it once per batch and fails the job with
// the operator and row in context. Nothing else may panic.
//
// Start with registry.go (Func, Arg, Registry), then operators.go,
// cast.go and one file per function family (string.go, time.go, math.go).
package functions
