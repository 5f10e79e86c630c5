// Package physical turns optimized logical plans into a runtime job graph
// (task.Graph) and renders EXPLAIN.
//
// Vertices are cut at exchanges: a hash exchange on the grouping keys before
// every aggregate (a global exchange into one instance when there are no
// keys), a global exchange into the single collect task of a bare SELECT,
// and a rebalance where parallelism changes. Stateless operators (Calc,
// window TVF assignment) are chained into the vertex that produces their
// input; a Project directly over a Filter becomes one Calc. A source vertex
// runs the operators computing the table's computed columns before the
// watermark assigner (SourceSpec.Pre) and the rest after it. A table
// scanned several times in one job is read once by a shared source whose
// branches (one chained vertex per scan) run each scan's operators
// (reuse.go). An upsert source (upsert-kafka) is followed by a hash
// exchange on its primary key into a ChangelogNormalize (normalize.go).
//
// Connectors are instantiated here (Factory.NewSource/NewSink), with the
// projection the optimizer pushed into the scan.
package physical
