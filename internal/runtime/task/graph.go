package task

import (
	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

// Partitioning says how rows go from the instances of one vertex to those of
// the next.
type Partitioning uint8

const (
	Forward   Partitioning = iota // instance i to instance i (same parallelism)
	Hash                          // by the hash of key columns
	Global                        // everything to instance 0
	Rebalance                     // round robin
	// Chain hands rows over inside a task, without a channel: the consumer
	// is a branch of a shared source and runs in the source's tasks, with
	// the same parallelism (shared_source.go).
	Chain
)

func (p Partitioning) String() string {
	return [...]string{"FORWARD", "HASH", "GLOBAL", "REBALANCE", "CHAIN"}[p]
}

// Graph is a job: vertices in topological order (producers first).
type Graph struct {
	Vertices []*Vertex
}

// Vertex is a chain of operators run by Parallelism tasks.
type Vertex struct {
	ID          int
	Name        string
	Parallelism int
	// Source, when set, feeds the chain from a connector.
	Source *SourceSpec
	// Inputs are the upstream edges (for vertices without a Source).
	Inputs []*Edge
	// Ops builds the operator chain for one instance.
	Ops []OpSpec
	// Sink, when set, receives the chain's output; otherwise the output
	// goes to the vertex's Output edge.
	Sink   *SinkSpec
	Output *Edge
	// Branches are set on a shared source instead of Ops, Sink and Output:
	// one table read once for several scans
	// ('table.optimizer.reuse-source-enabled'). They are Chain edges to
	// the vertices running each scan's operators; every batch and
	// watermark of the source goes to each of them in turn, inside the
	// source's task (shared_source.go).
	Branches []*Edge
	Schema   types.Schema // output schema of the chain
	Mode     plan.Mode
}

// Edge connects a producer vertex to a consumer.
type Edge struct {
	From, To     *Vertex
	Partitioning Partitioning
	Keys         []int // for Hash
	// Input is the consumer operator's input number (0 except for joins).
	Input int
}

// OpSpec describes one operator of a chain.
type OpSpec struct {
	Name string
	// UID identifies a stateful operator's state across runs (0 for
	// stateless operators); see plan.StateDigest.
	UID uint64
	New func() (operator.Operator, error)
	// Describe is the EXPLAIN line.
	Describe string
	Mode     plan.Mode
}

// SourceSpec is a vertex's source.
type SourceSpec struct {
	Table string
	// Key identifies the scan in checkpoints: the table and the scan's
	// ordinal among the script's scans of that table.
	Key    string
	Source connector.Source
	Schema types.Schema
	// Aliases, on a shared source, are the keys the other scans it serves
	// would have had if read separately. Split positions are recorded
	// under Key and under each alias, so a savepoint restores whether or
	// not the job reuses sources; restoring scans that were read
	// separately into one shared source needs their positions to agree.
	Aliases []string
	// Pre builds the operators that run before watermark assignment
	// (computed columns); Watermark, when set, is evaluated on their output.
	Pre       []OpSpec
	Watermark *WatermarkSpec
	Describe  string
	// Upsert marks a source emitting an upsert stream
	// (connector.Factory.Upsert), for EXPLAIN.
	Upsert bool
}

// WatermarkSpec derives watermarks from rows.
type WatermarkSpec struct {
	RowTime  int
	Expr     plan.Expr
	Describe string
}

// SinkSpec is a vertex's sink: a connector sink, or Collect for a bare
// SELECT (rows delivered to a Go channel).
type SinkSpec struct {
	Table string
	// Key identifies the sink in checkpoints, as SourceSpec.Key.
	Key     string
	Sink    connector.Sink
	Collect chan<- Change
}

// Change is one row delivered to a Collect sink.
type Change struct {
	Kind types.RowKind
	Row  types.Row
}
