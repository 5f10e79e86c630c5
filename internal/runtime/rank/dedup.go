package rank

import (
	"fmt"

	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/types"
)

// Deduplicate keeps one row per partition of an append-only input, ordered
// by a time attribute (Rank with RankEnd 1): Flink's RowTimeDeduplicate
// and ProcTimeDeduplicate functions, with update-before generated.
//
//   - rowtime, keep first (ASC): the first row is +I; a later-arriving row
//     with a strictly smaller rowtime replaces it: -U[kept], +U[row].
//   - rowtime, keep last (DESC): +I, then -U[kept], +U[row] for each row
//     whose rowtime is >= the kept one's.
//   - proctime, keep first: the first arrival is +I, later ones are
//     ignored (append-only output).
//   - proctime, keep last: +I, then -U[kept], +U[row] for every later row.
//
// With the rank column every output row carries rank 1. State TTL drops a
// partition whose state was not written for the TTL (for proctime keep
// first: since its first row), so the next row is a first row again.
type Deduplicate struct {
	x        *plan.Rank
	col      int
	colName  string
	procTime bool
	keepLast bool

	keyedEmitter
	store state.Store[*partition]
	key   []byte
}

var (
	_ operator.Operator         = (*Deduplicate)(nil)
	_ operator.SnapshotPreparer = (*Deduplicate)(nil)
	_ operator.ProcTimeOperator = (*Deduplicate)(nil)
)

func newDeduplicate(x *plan.Rank) *Deduplicate {
	col := x.Order[0].Column
	f := x.Input.Schema().Fields[col]
	return &Deduplicate{x: x, col: col, colName: f.Name, procTime: f.Type.IsProcTime(), keepLast: x.KeepLast()}
}

func (d *Deduplicate) Open(ctx *operator.Context, out operator.Output) error {
	st, err := state.NewStore[*partition](ctx.State, "dedup", partitionCodec{})
	if err != nil {
		return fmt.Errorf("%s: %w", ctx.Name, err)
	}
	d.store = st
	d.emitter.open(ctx, out, d.x.OutputRank)
	return d.ttl.open(ctx, st, "dedup-ttl")
}

// PrepareSnapshot has nothing to write back (see TopN.PrepareSnapshot).
func (d *Deduplicate) PrepareSnapshot() error { return nil }

func (d *Deduplicate) Process(_ int, b *types.Batch) error {
	now := d.ttl.clock()
	d.ttl.expire(now)
	for i, row := range b.Rows {
		if b.Kinds[i].IsRetract() {
			return fmt.Errorf("%s: deduplication got %s: %w", d.ctx.Name, b.Kinds[i], ErrRetraction)
		}
		if err := d.processRow(row, now); err != nil {
			return err
		}
	}
	d.countIn(b.Len(), d.store.Len())
	return d.Flush()
}

func (d *Deduplicate) processRow(row types.Row, now int64) error {
	if !d.procTime && row[d.col].IsNull() {
		return fmt.Errorf("%s: %w: column %q; deduplication's rowtime must not be NULL", d.ctx.Name, ErrNullTime, d.colName)
	}
	d.key = types.AppendKey(d.key[:0], row, d.x.PartitionKeys)
	p, ok := d.store.Get(0, d.key)
	if ok && d.ttl.expired(p, now) {
		d.store.Delete(0, d.key)
		ok = false
	}
	if !ok {
		p = &partition{}
		if d.procTime && !d.keepLast {
			p.rows = nil // seen is all keep-first on proctime needs
		} else {
			p.rows = []types.Row{row.Clone()}
		}
		d.ttl.written(d.key, p, now, true)
		d.store.Put(0, d.key, p)
		return d.emit(types.Insert, row, 1)
	}
	if !d.replaces(p, row) {
		return nil
	}
	if err := d.emit(types.UpdateBefore, p.rows[0], 1); err != nil {
		return err
	}
	p.rows[0] = row.Clone()
	d.ttl.written(d.key, p, now, false)
	d.store.Put(0, d.key, p)
	return d.emit(types.UpdateAfter, row, 1)
}

// replaces reports whether row displaces the kept row of p.
func (d *Deduplicate) replaces(p *partition, row types.Row) bool {
	switch {
	case d.procTime:
		return d.keepLast
	case d.keepLast:
		return p.rows[0][d.col].I <= row[d.col].I
	default:
		return row[d.col].I < p.rows[0][d.col].I
	}
}
