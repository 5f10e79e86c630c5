package rank

import (
	"fmt"
	"slices"

	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/types"
)

// WindowRank is window Top-N and window deduplication (Flink's
// WindowRankOperator and WindowDeduplicateOperator) over the output of a
// window TVF: rows are buffered per (window, partition), keeping the top
// RankEnd of each, and when the watermark reaches window_end - 1ms (as
// window aggregation fires) the ranks RankStart..RankEnd of every partition
// of the window are emitted as +I, in partition-key order, and the
// window's state is dropped. The output is append-only.
//
// A row whose window_end - 1ms is at or below its sender's watermark
// (Context.InputWatermark) belongs to a window that has fired: it is
// dropped and counted in Metrics.LateDropped. Equal ORDER BY keys rank in
// arrival order, except for keep-last deduplication (ORDER BY rowtime
// DESC, RankEnd 1), where the newest of equal times wins, as Flink's.
type WindowRank struct {
	x        *plan.Rank
	ord      order
	end      int
	newestEq bool // ties go before their equals (keep-last dedup)

	emitter
	store   state.Store[*partition]
	meta    *state.OperatorState[*windowMeta]
	pending []int64 // sorted window ends with buffered rows
	current int64   // the operator's watermark
	key     []byte
}

var (
	_ operator.Operator         = (*WindowRank)(nil)
	_ operator.SnapshotPreparer = (*WindowRank)(nil)
)

func newWindowRank(x *plan.Rank) *WindowRank {
	return &WindowRank{x: x, ord: newOrder(x), end: int(x.RankEnd), newestEq: x.IsDeduplicate() && x.KeepLast()}
}

func (w *WindowRank) Open(ctx *operator.Context, out operator.Output) error {
	st, err := state.NewStore[*partition](ctx.State, "window-rank", partitionCodec{})
	if err != nil {
		return fmt.Errorf("%s: %w", ctx.Name, err)
	}
	meta, err := state.NewOperatorState[*windowMeta](ctx.State, "window-rank-meta", metaCodec{})
	if err != nil {
		return fmt.Errorf("%s: %w", ctx.Name, err)
	}
	w.store, w.meta = st, meta
	w.current = operator.NoWatermark
	w.emitter.open(ctx, out, w.x.OutputRank)
	// Restored (docs/design/state-and-checkpoints.md, "Rescaling"): the
	// highest watermark (old instances held the same one at an aligned
	// barrier) and the union of the pending window ends (an end without
	// partitions here fires nothing).
	for _, e := range meta.Restored() {
		w.current = max(w.current, e.Value.current)
		for _, end := range e.Value.pending {
			if i, found := slices.BinarySearch(w.pending, end); !found {
				w.pending = slices.Insert(w.pending, i, end)
			}
		}
	}
	return nil
}

// PrepareSnapshot writes the pending window ends and the watermark to the
// window-rank-meta operator state, into every key group's entry, so that a
// restore at another parallelism finds them wherever the keys go; the
// buffered rows are always in window-rank.
func (w *WindowRank) PrepareSnapshot() error {
	m := &windowMeta{current: w.current, pending: slices.Clone(w.pending)}
	w.meta.PutAll(m)
	return nil
}

func (w *WindowRank) Process(_ int, b *types.Batch) error {
	for i, row := range b.Rows {
		if b.Kinds[i].IsRetract() {
			return fmt.Errorf("%s: window Top-N got %s: %w", w.ctx.Name, b.Kinds[i], ErrRetraction)
		}
		if err := w.processRow(row); err != nil {
			return err
		}
	}
	w.countIn(b.Len(), w.store.Len())
	return w.Flush()
}

func (w *WindowRank) processRow(row types.Row) error {
	ev := row[w.x.WindowEnd]
	if ev.IsNull() {
		return fmt.Errorf("%s: %w: window_end (column %d) of a window Top-N input row", w.ctx.Name, ErrNullTime, w.x.WindowEnd)
	}
	end := ev.I
	if end-ms <= w.ctx.InputWatermark() || end-ms <= w.current {
		w.Late()
		return nil
	}
	w.key = types.AppendKey(w.key[:0], row, w.x.PartitionKeys)
	p, ok := w.store.Get(end, w.key)
	if !ok {
		p = &partition{}
		if i, found := slices.BinarySearch(w.pending, end); !found {
			w.pending = slices.Insert(w.pending, i, end)
		}
	}
	pos := w.ord.upper(p.rows, row)
	if w.newestEq {
		pos = w.ord.lower(p.rows, row)
	}
	if pos >= w.end {
		return nil
	}
	p.rows = slices.Insert(p.rows, pos, row.Clone())
	if len(p.rows) > w.end {
		p.rows[len(p.rows)-1] = nil
		p.rows = p.rows[:w.end]
	}
	w.store.Put(end, w.key, p)
	return nil
}

// Watermark fires every window whose end - 1ms the watermark has reached,
// in order of window end, then forwards the watermark.
func (w *WindowRank) Watermark(wm int64) error {
	for len(w.pending) > 0 && w.pending[0]-ms <= wm {
		end := w.pending[0]
		w.pending = w.pending[1:]
		if err := w.fire(end); err != nil {
			return err
		}
	}
	if wm > w.current {
		w.current = wm
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return w.Emitter.Watermark(wm)
}

func (w *WindowRank) fire(end int64) error {
	var err error
	state.RangeOrdered(w.store, end, func(_ []byte, p *partition) bool {
		for i := int(w.x.RankStart) - 1; i < len(p.rows); i++ {
			if err = w.emit(types.Insert, p.rows[i], int64(i+1)); err != nil {
				return false
			}
		}
		return true
	})
	w.store.DropNamespace(end)
	return err
}

func (w *WindowRank) Finish() error { return w.Flush() }
func (w *WindowRank) Close() error  { return nil }
