package plan

import (
	"fmt"
	"strings"

	"github.com/sluicehq/sluice/internal/types"
)

// AggKind is an aggregate function.
type AggKind uint8

const (
	AggCount AggKind = iota // COUNT(x) or COUNT(*) (no args)
	AggSum
	AggSum0 // SUM that returns 0 for no rows (internal)
	AggAvg
	AggMin
	AggMax
	AggFirstValue
	AggLastValue
	AggListAgg
	AggApproxCountDistinct // APPROX_COUNT_DISTINCT(x): HyperLogLog, no retraction
)

var aggNames = [...]string{"COUNT", "SUM", "$SUM0", "AVG", "MIN", "MAX", "FIRST_VALUE", "LAST_VALUE", "LISTAGG", "APPROX_COUNT_DISTINCT"}

func (k AggKind) String() string { return aggNames[k] }

// Retractable reports whether the aggregate can take retractions (-U/-D);
// APPROX_COUNT_DISTINCT cannot, as in Flink.
func (k AggKind) Retractable() bool { return k != AggApproxCountDistinct }

// AggKindByName maps SQL names to kinds.
func AggKindByName(name string) (AggKind, bool) {
	for i, n := range aggNames {
		if strings.EqualFold(n, name) {
			return AggKind(i), true
		}
	}
	return 0, false
}

// AggCall is one aggregate over input columns.
type AggCall struct {
	Kind     AggKind
	Args     []int // input column indexes; empty for COUNT(*)
	Distinct bool
	Filter   int // input column index of a BOOLEAN filter, or -1
	T        types.Type
	Name     string
}

// String renders COUNT(DISTINCT $1) FILTER $3.
func (a AggCall) String() string {
	args := make([]string, len(a.Args))
	for i, x := range a.Args {
		args[i] = fmt.Sprintf("$%d", x)
	}
	s := a.Kind.String() + "("
	if a.Distinct {
		s += "DISTINCT "
	}
	if len(args) == 0 && a.Kind == AggCount {
		s += "*"
	}
	s += strings.Join(args, ", ") + ")"
	if a.Filter >= 0 {
		s += fmt.Sprintf(" FILTER $%d", a.Filter)
	}
	return s
}

// Aggregate is a non-windowed GROUP BY: output = group key columns then one
// column per aggregate. It emits updates.
type Aggregate struct {
	Input  Node
	Keys   []int
	Aggs   []AggCall
	schema types.Schema
}

// NewAggregate builds an Aggregate.
func NewAggregate(in Node, keys []int, aggs []AggCall) *Aggregate {
	ins := in.Schema()
	var fs []types.Field
	for _, k := range keys {
		f := ins.Fields[k]
		f.Type = f.Type.WithTimeAttr(types.NoTimeAttr) // time attributes do not survive grouping
		fs = append(fs, f)
	}
	for _, a := range aggs {
		fs = append(fs, types.Field{Name: a.Name, Type: a.T})
	}
	return &Aggregate{Input: in, Keys: keys, Aggs: aggs, schema: types.Schema{Fields: fs}}
}

func (n *Aggregate) Schema() types.Schema { return n.schema }
func (n *Aggregate) Inputs() []Node       { return []Node{n.Input} }
func (n *Aggregate) Mode() Mode           { return Updates }
func (n *Aggregate) Describe() string {
	return fmt.Sprintf("GroupAggregate(groupBy=[%s], select=[%s])", colNames(n.Input.Schema(), n.Keys), aggList(n.Aggs))
}

func colNames(s types.Schema, idx []int) string {
	names := make([]string, len(idx))
	for i, x := range idx {
		names[i] = s.Fields[x].Name
	}
	return strings.Join(names, ", ")
}

func aggList(aggs []AggCall) string {
	parts := make([]string, len(aggs))
	for i, a := range aggs {
		parts[i] = a.String() + " AS " + a.Name
	}
	return strings.Join(parts, ", ")
}
