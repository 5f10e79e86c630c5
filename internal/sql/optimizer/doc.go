// Package optimizer rewrites logical plans with rules, always building new
// nodes (plans are immutable):
//
//   - fold.go: constant folding of deterministic calls on literals;
//   - filter.go: filter push-down through projections and unions, and
//     merging of adjacent filters — never below a WatermarkAssigner, because
//     rows a filter drops must still advance event time (as in Flink);
//   - prune.go: projection push-down, so a scan reads only the columns the
//     query uses, and removal of identity projections and merging of
//     adjacent ones.
//
// Optimize applies them in that order. Each rule keeps the plan's output
// schema (names and types) unchanged.
package optimizer
