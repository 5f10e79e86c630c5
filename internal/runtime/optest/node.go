package optest

import (
	"testing"

	"github.com/sluicehq/sluice/internal/sql/functions"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

// Ms is one millisecond in nanoseconds, the unit of timestamps and
// watermarks.
const Ms = int64(1_000_000)

// RowTime is TIMESTAMP(3) marked as the rowtime attribute.
var RowTime = types.TimestampType(3).WithTimeAttr(types.RowTime)

// Node is a plan input with a fixed schema and changelog mode, standing in
// for a source or an upstream operator.
type Node struct {
	schema types.Schema
	mode   plan.Mode
}

var _ plan.Node = Node{}

// NewNode returns an input node of the fields in mode.
func NewNode(mode plan.Mode, fields ...types.Field) Node {
	return Node{schema: types.Schema{Fields: fields}, mode: mode}
}

func (n Node) Schema() types.Schema { return n.schema }
func (n Node) Inputs() []plan.Node  { return nil }
func (n Node) Mode() plan.Mode      { return n.mode }
func (n Node) Describe() string     { return "Fake" }

// Col returns a field.
func Col(name string, t types.Type) types.Field { return types.Field{Name: name, Type: t} }

// Call builds a typed call of the built-in function name.
func Call(t testing.TB, name string, args ...plan.Expr) *plan.Call {
	t.Helper()
	fn, err := functions.Builtins().Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	fargs := make([]functions.Arg, len(args))
	for i, a := range args {
		fargs[i] = functions.Arg{Type: a.Type()}
	}
	rt, err := fn.Infer(fargs)
	if err != nil {
		t.Fatal(err)
	}
	return &plan.Call{Fn: fn, Args: args, T: rt}
}
