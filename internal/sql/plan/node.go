package plan

import (
	"fmt"
	"strings"

	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/types"
)

// Mode is the changelog a node emits.
type Mode uint8

const (
	AppendOnly Mode = iota // +I only
	Updates                // +I, -U, +U, -D
)

func (m Mode) String() string {
	if m == AppendOnly {
		return "[I]"
	}
	return "[I,UB,UA,D]"
}

// Node is a logical plan node.
type Node interface {
	Schema() types.Schema
	Inputs() []Node
	Mode() Mode
	// Describe is the one-line description used by EXPLAIN.
	Describe() string
}

// Table is a resolved table definition, as CREATE TABLE declared it.
type Table struct {
	Name string
	// Columns lists every column: physical, computed and metadata, in
	// declaration order.
	Columns []Column
	// Watermark is set when the table declares WATERMARK FOR.
	Watermark *WatermarkSpec
	// PrimaryKey lists column indexes into Columns.
	PrimaryKey []int
	Options    map[string]string
	// Connector is the resolved connector with validated options.
	Connector *connector.Factory
	Resolved  connector.CreateContext // Options and Format filled in
}

// Column is one column of a table.
type Column struct {
	Name     string
	Type     types.Type
	Computed Expr   // over the physical columns (indexes into PhysicalSchema)
	Metadata string // metadata key for METADATA columns
	Virtual  bool
}

// IsPhysical reports whether the column is a physical column of the
// connector's records (neither computed nor metadata).
func (c Column) IsPhysical() bool { return c.Computed == nil && c.Metadata == "" }

// PhysicalSchema lists the physical columns.
func (t *Table) PhysicalSchema() types.Schema {
	var fs []types.Field
	for _, c := range t.Columns {
		if c.IsPhysical() {
			fs = append(fs, types.Field{Name: c.Name, Type: c.Type})
		}
	}
	return types.Schema{Fields: fs}
}

// Schema lists all columns.
func (t *Table) Schema() types.Schema {
	fs := make([]types.Field, len(t.Columns))
	for i, c := range t.Columns {
		fs[i] = types.Field{Name: c.Name, Type: c.Type}
	}
	return types.Schema{Fields: fs}
}

// WatermarkSpec is WATERMARK FOR column AS expr.
type WatermarkSpec struct {
	Column int  // index into Table.Columns
	Expr   Expr // over the table's full schema (all columns)
	Text   string
}

// Scan reads the physical columns Projection (indexes into the table's
// physical schema) of a table, in that order, followed by the metadata
// columns Metadata (indexes into Table.Columns).
type Scan struct {
	Table      *Table
	Projection []int
	Metadata   []int
	schema     types.Schema
}

// NewScan builds a Scan.
func NewScan(t *Table, projection, metadata []int) *Scan {
	phys := t.PhysicalSchema()
	fs := make([]types.Field, 0, len(projection)+len(metadata))
	for _, p := range projection {
		fs = append(fs, phys.Fields[p])
	}
	for _, m := range metadata {
		fs = append(fs, types.Field{Name: t.Columns[m].Name, Type: t.Columns[m].Type})
	}
	return &Scan{Table: t, Projection: projection, Metadata: metadata, schema: types.Schema{Fields: fs}}
}

// MetadataKeys lists the metadata keys the scan reads, in output order.
func (n *Scan) MetadataKeys() []string {
	keys := make([]string, len(n.Metadata))
	for i, m := range n.Metadata {
		keys[i] = n.Table.Columns[m].Metadata
	}
	return keys
}

func (n *Scan) Schema() types.Schema { return n.schema }
func (n *Scan) Inputs() []Node       { return nil }
func (n *Scan) Mode() Mode {
	if n.Table.Connector.ProducesChangelog(n.Table.Resolved) {
		return Updates
	}
	return AppendOnly
}
func (n *Scan) Describe() string {
	return fmt.Sprintf("TableSourceScan(table=[%s], fields=[%s])", n.Table.Name, strings.Join(n.schema.Names(), ", "))
}

// Project computes Exprs over its input.
type Project struct {
	Input  Node
	Exprs  []Expr
	schema types.Schema
}

// NewProject builds a Project with the given output names.
func NewProject(in Node, exprs []Expr, names []string) *Project {
	fs := make([]types.Field, len(exprs))
	for i, e := range exprs {
		fs[i] = types.Field{Name: names[i], Type: e.Type()}
	}
	return &Project{Input: in, Exprs: exprs, schema: types.Schema{Fields: fs}}
}

func (n *Project) Schema() types.Schema { return n.schema }
func (n *Project) Inputs() []Node       { return []Node{n.Input} }
func (n *Project) Mode() Mode           { return n.Input.Mode() }
func (n *Project) Describe() string {
	return fmt.Sprintf("Calc(select=[%s])", exprList(n.Exprs, n.schema.Names()))
}

// IsIdentity reports whether the projection passes its input through
// unchanged: same columns, names and time attributes.
func (n *Project) IsIdentity() bool {
	in := n.Input.Schema()
	if len(n.Exprs) != in.Len() {
		return false
	}
	for i, e := range n.Exprs {
		c, ok := e.(*ColumnRef)
		if !ok || c.Index != i || in.Fields[i].Name != n.schema.Fields[i].Name || in.Fields[i].Type.TimeAttr != c.T.TimeAttr {
			return false
		}
	}
	return true
}

// Filter keeps the rows for which Cond is TRUE.
type Filter struct {
	Input Node
	Cond  Expr
}

func (n *Filter) Schema() types.Schema { return n.Input.Schema() }
func (n *Filter) Inputs() []Node       { return []Node{n.Input} }
func (n *Filter) Mode() Mode           { return n.Input.Mode() }
func (n *Filter) Describe() string     { return fmt.Sprintf("Calc(where=[%s])", n.Cond) }

// WatermarkAssigner derives watermarks from Expr (over its input row) and
// marks column RowTime as the event-time attribute.
type WatermarkAssigner struct {
	Input   Node
	RowTime int
	Expr    Expr
}

func (n *WatermarkAssigner) Schema() types.Schema { return n.Input.Schema() }
func (n *WatermarkAssigner) Inputs() []Node       { return []Node{n.Input} }
func (n *WatermarkAssigner) Mode() Mode           { return n.Input.Mode() }
func (n *WatermarkAssigner) Describe() string {
	return fmt.Sprintf("WatermarkAssigner(rowtime=[%s], watermark=[%s])", n.Input.Schema().Fields[n.RowTime].Name, n.Expr)
}

// Values is a constant relation.
type Values struct {
	Rows   [][]Expr
	schema types.Schema
}

// NewValues builds Values with the given schema.
func NewValues(rows [][]Expr, schema types.Schema) *Values {
	return &Values{Rows: rows, schema: schema}
}

func (n *Values) Schema() types.Schema { return n.schema }
func (n *Values) Inputs() []Node       { return nil }
func (n *Values) Mode() Mode           { return AppendOnly }
func (n *Values) Describe() string {
	return fmt.Sprintf("Values(tuples=[%d rows], fields=[%s])", len(n.Rows), strings.Join(n.schema.Names(), ", "))
}

// Union is UNION ALL of inputs with the same column types.
type Union struct {
	In     []Node
	schema types.Schema
}

// NewUnion builds a Union; schema is the first input's, with nullability
// merged by the analyzer.
func NewUnion(in []Node, schema types.Schema) *Union { return &Union{In: in, schema: schema} }

func (n *Union) Schema() types.Schema { return n.schema }
func (n *Union) Inputs() []Node       { return n.In }
func (n *Union) Mode() Mode {
	for _, i := range n.In {
		if i.Mode() == Updates {
			return Updates
		}
	}
	return AppendOnly
}
func (n *Union) Describe() string {
	return fmt.Sprintf("Union(all=[true], union=[%s])", strings.Join(n.schema.Names(), ", "))
}

// Sink writes its input to a table (INSERT INTO) or to the terminal
// (Table == nil: a bare SELECT).
type Sink struct {
	Input Node
	Table *Table
	// Name is the target's name for EXPLAIN ("collect" for a bare SELECT).
	Name string
}

func (n *Sink) Schema() types.Schema { return n.Input.Schema() }
func (n *Sink) Inputs() []Node       { return []Node{n.Input} }
func (n *Sink) Mode() Mode           { return n.Input.Mode() }
func (n *Sink) Describe() string {
	return fmt.Sprintf("Sink(table=[%s], fields=[%s])", n.Name, strings.Join(n.Input.Schema().Names(), ", "))
}

func exprList(es []Expr, names []string) string {
	parts := make([]string, len(es))
	for i, e := range es {
		s := e.String()
		if c, ok := e.(*ColumnRef); ok && c.Name == names[i] {
			s = names[i]
		} else if names[i] != "" {
			s += " AS " + names[i]
		}
		parts[i] = s
	}
	return strings.Join(parts, ", ")
}

// Explain renders the tree, one node per line, children indented, with
// each node's changelog mode.
func Explain(n Node) string {
	var b strings.Builder
	var walk func(Node, int)
	walk = func(n Node, depth int) {
		fmt.Fprintf(&b, "%s%s, changelogMode=%s\n", strings.Repeat("   ", max(depth-1, 0))+strings.Repeat("+- ", min(depth, 1)), n.Describe(), n.Mode())
		for _, c := range n.Inputs() {
			walk(c, depth+1)
		}
	}
	walk(n, 0)
	return b.String()
}
