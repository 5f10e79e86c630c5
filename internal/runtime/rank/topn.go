package rank

import (
	"fmt"
	"slices"

	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/types"
)

// TopN is the non-windowed Top-N: Flink's AppendOnlyTopNFunction for an
// append-only input (each partition keeps only its top RankEnd rows) and
// RetractableTopNFunction for an updating one (each partition keeps all its
// rows, so a retraction can promote a row from below the range).
//
// Output, as Flink's: with the rank column, or with a rank offset
// (RankStart > 1), changes are per rank position in RankStart..RankEnd —
// a row arriving at rank r shifts the rows from r down: for each position
// p from r to the old last one (at most RankEnd) -U[row that held p, p]
// then +U[row that holds p now, p], and +I[last row, its rank] when the
// range was not full; a retraction at rank r shifts up the same way and
// ends with -D[old last row, its rank] when the range is not full after
// it. Without the rank column, a row entering the range is +I and a row
// leaving it -D: an arriving row that pushes one out emits -D[pushed out]
// then +I[row]; a retraction emits -D[row] then +I[the row promoted into
// rank RankEnd], if any. Retracting a row that is not in the state (never
// seen, or expired by TTL) does nothing, as Flink's lenient mode.
type TopN struct {
	x        *plan.Rank
	ord      order
	appendOK bool // append-only input: keep only the top RankEnd rows
	byPos    bool // emit per rank position (rank column or offset)
	start    int
	end      int

	keyedEmitter
	store state.Store[*partition]
	key   []byte
}

var (
	_ operator.Operator         = (*TopN)(nil)
	_ operator.SnapshotPreparer = (*TopN)(nil)
	_ operator.ProcTimeOperator = (*TopN)(nil)
)

func newTopN(x *plan.Rank) *TopN {
	return &TopN{
		x: x, ord: newOrder(x),
		appendOK: x.Input.Mode() == plan.AppendOnly,
		byPos:    x.OutputRank || x.RankStart > 1,
		start:    int(x.RankStart), end: int(x.RankEnd),
	}
}

func (t *TopN) Open(ctx *operator.Context, out operator.Output) error {
	st, err := state.NewStore[*partition](ctx.State, "rank", partitionCodec{})
	if err != nil {
		return fmt.Errorf("%s: %w", ctx.Name, err)
	}
	t.store = st
	t.emitter.open(ctx, out, t.x.OutputRank)
	return t.ttl.open(ctx, st, "rank-ttl")
}

// PrepareSnapshot has nothing to write back: partitions live in the store,
// TTL timers in theirs or rebuilt from the partitions by Open.
func (t *TopN) PrepareSnapshot() error { return nil }

func (t *TopN) Process(_ int, b *types.Batch) error {
	now := t.ttl.clock()
	t.ttl.expire(now)
	for i, row := range b.Rows {
		var err error
		if b.Kinds[i].IsRetract() {
			if t.appendOK {
				return fmt.Errorf("%s: Top-N over an append-only input got %s: %w", t.ctx.Name, b.Kinds[i], ErrRetraction)
			}
			err = t.retract(row, now)
		} else {
			err = t.accumulate(row, now)
		}
		if err != nil {
			return err
		}
	}
	t.countIn(b.Len(), t.store.Len())
	return t.Flush()
}

// get returns the partition of row (key set in t.key), nil if none.
func (t *TopN) get(row types.Row, now int64) *partition {
	t.key = types.AppendKey(t.key[:0], row, t.x.PartitionKeys)
	p, ok := t.store.Get(0, t.key)
	if !ok {
		return nil
	}
	if t.ttl.expired(p, now) {
		t.store.Delete(0, t.key) // its timer finds nothing
		return nil
	}
	return p
}

func (t *TopN) accumulate(row types.Row, now int64) error {
	p := t.get(row, now)
	isNew := p == nil
	if isNew {
		p = &partition{}
	}
	pos := t.ord.upper(p.rows, row) // 0-based; rank pos+1
	if t.appendOK && pos >= t.end {
		return nil // below the range: an append-only input never needs it
	}
	old := len(p.rows)
	p.rows = slices.Insert(p.rows, pos, row.Clone())
	if err := t.emitInsert(p.rows, pos, old); err != nil {
		return err
	}
	if t.appendOK && len(p.rows) > t.end {
		p.rows[len(p.rows)-1] = nil
		p.rows = p.rows[:t.end]
	}
	t.ttl.written(t.key, p, now, isNew)
	t.store.Put(0, t.key, p)
	return nil
}

// emitInsert emits the changes of a row inserted at index pos of rows,
// which held old rows before.
func (t *TopN) emitInsert(rows []types.Row, pos, old int) error {
	r := pos + 1
	if r > t.end {
		return nil
	}
	if !t.byPos {
		if old >= t.end {
			if err := t.emit(types.Delete, rows[t.end], 0); err != nil {
				return err
			}
		}
		return t.emit(types.Insert, rows[pos], 0)
	}
	// Position p (1-based) held rows[p] (0-based, shifted) and now holds
	// rows[p-1].
	for p := r; p <= min(old, t.end); p++ {
		if p < t.start {
			continue
		}
		if err := t.emit(types.UpdateBefore, rows[p], int64(p)); err != nil {
			return err
		}
		if err := t.emit(types.UpdateAfter, rows[p-1], int64(p)); err != nil {
			return err
		}
	}
	if n := old + 1; old < t.end && n >= t.start {
		return t.emit(types.Insert, rows[n-1], int64(n))
	}
	return nil
}

func (t *TopN) retract(row types.Row, now int64) error {
	p := t.get(row, now)
	if p == nil {
		return nil
	}
	pos := -1
	for i := t.ord.lower(p.rows, row); i < len(p.rows) && t.ord.compare(p.rows[i], row) == 0; i++ {
		if p.rows[i].Equal(row) {
			pos = i
			break
		}
	}
	if pos < 0 {
		return nil
	}
	if err := t.emitRetract(p.rows, pos); err != nil {
		return err
	}
	p.rows = slices.Delete(p.rows, pos, pos+1)
	if len(p.rows) == 0 {
		t.store.Delete(0, t.key)
		return nil
	}
	t.ttl.written(t.key, p, now, false)
	t.store.Put(0, t.key, p)
	return nil
}

// emitRetract emits the changes of removing rows[pos].
func (t *TopN) emitRetract(rows []types.Row, pos int) error {
	r, old := pos+1, len(rows)
	if r > t.end {
		return nil
	}
	if !t.byPos {
		if err := t.emit(types.Delete, rows[pos], 0); err != nil {
			return err
		}
		if old > t.end {
			return t.emit(types.Insert, rows[t.end], 0)
		}
		return nil
	}
	// Position p (1-based) held rows[p-1] and now holds rows[p].
	for p := r; p <= min(old-1, t.end); p++ {
		if p < t.start {
			continue
		}
		if err := t.emit(types.UpdateBefore, rows[p-1], int64(p)); err != nil {
			return err
		}
		if err := t.emit(types.UpdateAfter, rows[p], int64(p)); err != nil {
			return err
		}
	}
	if old <= t.end && old >= t.start {
		return t.emit(types.Delete, rows[old-1], int64(old))
	}
	return nil
}
