package agg

import (
	"errors"
	"fmt"

	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

// Two-phase aggregation ('table.optimizer.agg-phase-strategy', Flink's
// local-global aggregation): LocalGroupAggregate runs chained before the
// hash exchange and pre-aggregates each key's rows of a bundle into
// partial accumulators; the global GroupAggregate (GroupOptions.Global)
// after the exchange merges them into the key's state. A hot key then
// sends one row per bundle and local instance through the exchange
// instead of one per input row.
//
// The partial row is [key columns..., accumulators]. The accumulator column
// is typed BYTES in the plan and holds the *Accs itself (Value.X): the
// exchange moves rows between tasks of one process by copying Values, so
// the accumulators cross it without being encoded. A Local hands each Accs
// off and never touches it again; the Global only reads it (Merge). A
// value that lost its payload (had it been serialized) is an error, never
// silently an empty partial.

// AccumulatorType is the plan type of the partial accumulator column.
var AccumulatorType = types.BytesType.NotNull()

// ErrNoPartial is returned for an accumulator column that holds no
// partial accumulators.
var ErrNoPartial = errors.New("accumulator column holds no partial accumulators")

// PartialAccs returns the partial accumulators of an accumulator column.
func PartialAccs(v types.Value) (*Accs, error) {
	if s, ok := v.X.(*Accs); ok {
		return s, nil
	}
	return nil, fmt.Errorf("%w (kind %d); two-phase aggregation needs local and global aggregates in one process", ErrNoPartial, v.K)
}

// LocalGroupAggregate is the local half of a two-phase GROUP BY over an
// append-only input. It keeps no state: without mini-batch a bundle is
// one input batch; with it (GroupOptions.MiniBatchSize) bundles end as
// GroupAggregate's do, including before a checkpoint (PrepareSnapshot),
// so no partial is lost.
type LocalGroupAggregate struct {
	n     *plan.Aggregate
	opts  GroupOptions
	aggs  *Aggs
	err   error
	ctx   *operator.Context
	out   operator.Output
	emit  operator.Emitter
	key   []byte
	order []*localEntry
	byKey map[string]*localEntry
	rows  int
	start int64
}

type localEntry struct {
	keys types.Row
	accs *Accs
}

var (
	_ operator.Operator         = (*LocalGroupAggregate)(nil)
	_ operator.SnapshotPreparer = (*LocalGroupAggregate)(nil)
	_ operator.ProcTimeOperator = (*LocalGroupAggregate)(nil)
)

// NewLocalGroupAggregate returns the local pre-aggregation for n, whose
// input must be append-only. Its output is LocalSchema(n).
func NewLocalGroupAggregate(n *plan.Aggregate, o GroupOptions) operator.Operator {
	l := &LocalGroupAggregate{n: n, opts: o, byKey: map[string]*localEntry{}}
	if n.Input.Mode() == plan.Updates {
		l.err = fmt.Errorf("a local aggregate needs an append-only input")
		return l
	}
	l.aggs, l.err = Compile(n.Aggs, n.Input.Schema(), false)
	return l
}

// LocalSchema is the output schema of the local aggregate for n: the key
// columns, then the accumulator column "$acc".
func LocalSchema(n *plan.Aggregate) types.Schema {
	fs := append([]types.Field(nil), n.Schema().Fields[:len(n.Keys)]...)
	return types.Schema{Fields: append(fs, types.Field{Name: "$acc", Type: AccumulatorType})}
}

func (l *LocalGroupAggregate) Open(ctx *operator.Context, out operator.Output) error {
	if l.err != nil {
		return fmt.Errorf("%s: %w", ctx.Name, l.err)
	}
	l.ctx, l.out = ctx, out
	l.emit.Open(ctx, out)
	return nil
}

func (l *LocalGroupAggregate) Process(_ int, b *types.Batch) error {
	if l.rows == 0 && len(b.Rows) > 0 && l.ctx.Now != nil && l.opts.MiniBatchLatency > 0 {
		l.start = l.ctx.Now()
	}
	for _, row := range b.Rows {
		l.key = types.AppendKey(l.key[:0], row, l.n.Keys)
		e := l.byKey[string(l.key)]
		if e == nil {
			e = &localEntry{keys: make(types.Row, len(l.n.Keys)), accs: l.aggs.New()}
			for j, c := range l.n.Keys {
				e.keys[j] = row[c]
			}
			e.keys = e.keys.Clone()
			l.byKey[string(l.key)] = e
			l.order = append(l.order, e)
		}
		l.aggs.Accumulate(e.accs, row)
		l.rows++
		if l.opts.MiniBatchSize > 0 && l.rows >= l.opts.MiniBatchSize {
			if err := l.finishBundle(); err != nil {
				return err
			}
		}
	}
	l.emit.CountIn(b.Len())
	if l.opts.MiniBatchSize > 0 {
		return nil
	}
	return l.finishBundle()
}

// finishBundle emits one partial row per key and forgets them.
func (l *LocalGroupAggregate) finishBundle() error {
	nk := len(l.n.Keys)
	for _, e := range l.order {
		r := l.emit.Alloc(nk + 1)
		copy(r, e.keys)
		r[nk] = types.Value{K: types.KindBytes, X: e.accs}
		if err := l.emit.Append(types.Insert, r); err != nil {
			return err
		}
	}
	clear(l.byKey)
	clear(l.order)
	l.order, l.rows = l.order[:0], 0
	return l.emit.Flush()
}

func (l *LocalGroupAggregate) OnProcTime(now int64) error {
	if l.rows == 0 || l.opts.MiniBatchLatency <= 0 || now-l.start < l.opts.MiniBatchLatency {
		return nil
	}
	return l.finishBundle()
}

func (l *LocalGroupAggregate) PrepareSnapshot() error { return l.finishBundle() }

func (l *LocalGroupAggregate) Watermark(wm int64) error {
	if err := l.finishBundle(); err != nil {
		return err
	}
	return l.out.EmitWatermark(wm)
}

func (l *LocalGroupAggregate) Finish() error { return l.finishBundle() }
func (l *LocalGroupAggregate) Close() error  { return nil }
