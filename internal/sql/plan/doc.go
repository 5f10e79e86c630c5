// Package plan is the logical plan: immutable nodes over typed expressions
// (expr.go). The analyzer builds it, the optimizer rewrites it (always by
// building new nodes) and the physical planner turns it into a job graph.
//
// Every node reports its output Schema and its changelog Mode (whether it
// emits appends only or updates and deletes too). Column references are
// positional: ColumnRef.Index is a position in the input node's schema (for
// two-input nodes, in the concatenation of both inputs' schemas).
//
// Start with node.go, then window.go and agg.go.
package plan
