package agg

import (
	"fmt"

	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/types"
)

// outputChunk is the number of rows after which an operator emits its
// output batch without waiting for the end of the input batch.
const outputChunk = 1024

// GroupAggregate is the non-windowed GROUP BY operator, emitting Flink's
// changelog without mini-batch (GroupAggFunction with generateUpdateBefore):
//
//   - the first row of a group: +I[key, results];
//   - a later row: -U[key, previous] and +U[key, results] if the results
//     changed, nothing if they did not;
//   - a retraction that empties the group (its row count reaches 0):
//     -D[key, previous], and the group's state is removed;
//   - a retraction for a group that does not exist: ignored.
type GroupAggregate struct {
	n       *plan.Aggregate
	aggs    *Aggs
	retract bool
	nk, na  int

	ctx   *operator.Context
	out   operator.Output
	store state.Store[*group]
	batch *types.Batch
	key   []byte
	cur   []types.Value // results after the current row
	err   error
}

// group is one group's state: accumulators and the results last emitted.
type group struct {
	Accs
	prev []types.Value
}

var _ operator.Operator = (*GroupAggregate)(nil)

// NewGroupAggregate returns the operator for n. Compilation errors (an
// aggregate over a type it does not accept) are reported by Open.
func NewGroupAggregate(n *plan.Aggregate) operator.Operator {
	retract := n.Input.Mode() == plan.Updates
	g := &GroupAggregate{n: n, retract: retract, nk: len(n.Keys), na: len(n.Aggs)}
	g.aggs, g.err = Compile(n.Aggs, n.Input.Schema(), retract)
	return g
}

func (g *GroupAggregate) Open(ctx *operator.Context, out operator.Output) error {
	if g.err != nil {
		return fmt.Errorf("%s: %w", ctx.Name, g.err)
	}
	st, err := state.NewStore[*group](ctx.State, "group-agg", nil)
	if err != nil {
		return err
	}
	g.ctx, g.out, g.store = ctx, out, st
	g.batch = types.NewBatch(outputChunk)
	g.cur = make([]types.Value, g.na)
	return nil
}

func (g *GroupAggregate) Process(_ int, b *types.Batch) error {
	for i, row := range b.Rows {
		g.processRow(b.Kinds[i], row)
		if g.batch.Len() >= outputChunk {
			if err := g.flush(); err != nil {
				return err
			}
		}
	}
	if g.ctx.Metrics != nil {
		g.ctx.Metrics.RowsIn.Add(int64(b.Len()))
		g.ctx.Metrics.StateSize.Store(int64(g.store.Len()))
	}
	return g.flush()
}

func (g *GroupAggregate) processRow(kind types.RowKind, row types.Row) {
	g.key = types.AppendKey(g.key[:0], row, g.n.Keys)
	st, ok := g.store.Get(0, g.key)
	if kind.IsRetract() {
		if !ok {
			return // Flink ignores a retraction for an unknown group
		}
		g.aggs.Retract(&st.Accs, row)
		if st.Rows <= 0 {
			g.emit(types.Delete, row, st.prev)
			g.store.Delete(0, g.key)
			return
		}
	} else {
		if !ok {
			st = &group{prev: make([]types.Value, g.na)}
			g.aggs.Init(&st.Accs)
		}
		g.aggs.Accumulate(&st.Accs, row)
	}
	g.aggs.Results(&st.Accs, g.cur)
	switch {
	case !ok:
		g.emit(types.Insert, row, g.cur)
	case !sameValues(st.prev, g.cur):
		g.emit(types.UpdateBefore, row, st.prev)
		g.emit(types.UpdateAfter, row, g.cur)
	}
	copy(st.prev, g.cur)
	g.store.Put(0, g.key, st)
}

// emit appends kind[key columns of row, results].
func (g *GroupAggregate) emit(kind types.RowKind, row types.Row, results []types.Value) {
	r := g.batch.Alloc(g.nk + g.na)
	for j, c := range g.n.Keys {
		r[j] = row[c]
	}
	copy(r[g.nk:], results)
	g.batch.Append(kind, r)
}

func sameValues(a, b []types.Value) bool {
	for i := range a {
		if !types.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

func (g *GroupAggregate) flush() error {
	if g.batch.Len() == 0 {
		return nil
	}
	if g.ctx.Metrics != nil {
		g.ctx.Metrics.RowsOut.Add(int64(g.batch.Len()))
	}
	err := g.out.Emit(g.batch)
	g.batch.Reset()
	return err
}

func (g *GroupAggregate) Watermark(wm int64) error {
	if g.ctx.Metrics != nil {
		g.ctx.Metrics.Watermark.Store(wm)
	}
	return g.out.EmitWatermark(wm)
}

func (g *GroupAggregate) Finish() error { return g.flush() }
func (g *GroupAggregate) Close() error  { return nil }
