// Package analyzer turns parsed statements into actions and logical plans.
//
// A Session holds what a script has declared so far: tables (CREATE TABLE),
// views (CREATE VIEW) and settings (SET). Analyze takes one statement and
// returns an Action: DDL and SET change the session and return Done; INSERT,
// EXECUTE STATEMENT SET and a bare SELECT return Run with one plan.Sink per
// target; EXPLAIN returns Explain.
//
// Name resolution goes through scopes (scope.go): each relation in FROM
// contributes its columns under its alias. Expressions are typed with the
// function registry (expr.go). Aggregation (aggregate.go) follows Calcite's
// shape: a projection computing group keys and aggregate arguments, the
// aggregate, then a projection for the select list and HAVING; window TVFs
// and the legacy GROUP BY TUMBLE(...) syntax become a WindowAggregate
// (window.go).
//
// Every error about the user's SQL is an *ast.Error with the position of the
// offending text and, where one exists, the closest valid names.
package analyzer
