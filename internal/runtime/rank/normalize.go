package rank

import (
	"fmt"

	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/types"
)

// ChangelogNormalize turns an upsert stream keyed by Keys (a source of a
// connector.Factory with Upsert, such as upsert-kafka) into a proper
// changelog, as Flink's ChangelogNormalize (its
// ProcTimeDeduplicateKeepLastRowFunction on a changelog input). Input
// arrives hash-partitioned on Keys; per key the operator keeps the last row
// in a state.Store ("normalize", partitionCodec with one row):
//
//   - +I or +U of a new key: +I[row];
//   - +I or +U of a known key: -U[previous], +U[row]; nothing when the row
//     equals the previous one (every column, NULLs equal), unless state TTL
//     is on: then Flink emits the pair anyway so that downstream operators
//     see the key written and keep their own state for it alive;
//   - -D (or -U) of a known key: -D[previous] (the full row: the input's -D
//     may hold only the key), and the key's state is dropped;
//   - -D (or -U) of an unknown key: nothing.
//
// State TTL (Context.StateTTL, processing time) drops a key not written for
// the TTL, as Flink's; a later row of the key is then a +I again.
type ChangelogNormalize struct {
	keys []int
	all  []int // every column: what "unchanged" compares

	keyedEmitter
	store    state.Store[*partition]
	key      []byte
	old, cur []byte
}

var (
	_ operator.Operator         = (*ChangelogNormalize)(nil)
	_ operator.SnapshotPreparer = (*ChangelogNormalize)(nil)
	_ operator.ProcTimeOperator = (*ChangelogNormalize)(nil)
)

// NewChangelogNormalize builds the operator for rows of width columns keyed
// by keys (the primary key's positions in the row).
func NewChangelogNormalize(keys []int, width int) (*ChangelogNormalize, error) {
	if len(keys) == 0 {
		return nil, fmt.Errorf("changelog normalize: no key columns; an upsert source needs a PRIMARY KEY")
	}
	for _, k := range keys {
		if k < 0 || k >= width {
			return nil, fmt.Errorf("changelog normalize: key column %d out of range (input has %d columns)", k, width)
		}
	}
	return &ChangelogNormalize{keys: keys, all: allColumns(width)}, nil
}

func allColumns(n int) []int {
	cols := make([]int, n)
	for i := range cols {
		cols[i] = i
	}
	return cols
}

func (c *ChangelogNormalize) Open(ctx *operator.Context, out operator.Output) error {
	st, err := state.NewStore[*partition](ctx.State, "normalize", partitionCodec{})
	if err != nil {
		return fmt.Errorf("%s: %w", ctx.Name, err)
	}
	c.store = st
	c.emitter.open(ctx, out, false)
	return c.ttl.open(ctx, st, "normalize-ttl")
}

// PrepareSnapshot has nothing to write back: every change goes to the
// store as it happens.
func (c *ChangelogNormalize) PrepareSnapshot() error { return nil }

func (c *ChangelogNormalize) Process(_ int, b *types.Batch) error {
	now := c.ttl.clock()
	c.ttl.expire(now)
	for i, row := range b.Rows {
		if err := c.processRow(b.Kinds[i], row, now); err != nil {
			return err
		}
	}
	c.countIn(b.Len(), c.store.Len())
	return c.Flush()
}

func (c *ChangelogNormalize) processRow(kind types.RowKind, row types.Row, now int64) error {
	c.key = types.AppendKey(c.key[:0], row, c.keys)
	p, ok := c.store.Get(0, c.key)
	if ok && c.ttl.expired(p, now) {
		c.store.Delete(0, c.key)
		ok = false
	}
	if kind.IsRetract() {
		if !ok {
			return nil // a delete of a key without a row
		}
		c.store.Delete(0, c.key)
		return c.emit(types.Delete, p.rows[0], 0)
	}
	if !ok {
		p = &partition{rows: []types.Row{row.Clone()}}
		c.ttl.written(c.key, p, now, true)
		c.store.Put(0, c.key, p)
		return c.emit(types.Insert, row, 0)
	}
	if c.ttl.ttl == 0 && c.same(p.rows[0], row) {
		return nil
	}
	if err := c.emit(types.UpdateBefore, p.rows[0], 0); err != nil {
		return err
	}
	p.rows[0] = row.Clone()
	c.ttl.written(c.key, p, now, false)
	c.store.Put(0, c.key, p)
	return c.emit(types.UpdateAfter, row, 0)
}

// same reports whether two rows hold the same values (NULLs equal), by
// their key encodings.
func (c *ChangelogNormalize) same(a, b types.Row) bool {
	c.old = types.AppendKey(c.old[:0], a, c.all)
	c.cur = types.AppendKey(c.cur[:0], b, c.all)
	return string(c.old) == string(c.cur)
}
