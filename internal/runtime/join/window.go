package join

import (
	"encoding/binary"
	"fmt"
	"maps"
	"slices"

	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/types"
)

// WindowJoin is Flink's WindowJoinOperator: both inputs are rows of the
// same window TVF, buffered per (window_end, join key); when the watermark
// reaches window_end - 1 ms (the window's last instant, when the window
// aggregate fires too) the window's rows are joined key by key, emitted
// (+I), and dropped. Nothing is emitted before a window closes: a LEFT
// JOIN's unmatched row appears once, NULL-padded, when no match can come.
// SEMI/ANTI emit the left rows with/without a match.
//
// A row whose window has closed by its sender's watermark
// (window_end - 1 ms <= Context.InputWatermark) is late: dropped and
// counted. Rows with a NULL key match nothing; on an outer side (the left
// side of ANTI) they are emitted unmatched when their window closes.
// Within a window, keys come out in no particular order.
type WindowJoin struct {
	joiner
	kind    plan.JoinKind
	keys    [2][]int
	endCol  [2]int
	endName [2]string

	// rows holds both sides' rows by (window_end, join key), in arrival
	// order: one value per key, so firing a window is one scan of its
	// namespace, one key at a time, whatever the window's size. On a
	// backend that can append (Pebble) an insert is one blind write.
	rows    state.Store[*windowRows]
	blind   bool                          // rows appends without reading
	one     windowRows                    // insert scratch when blind
	slab    rowStore                      // copies of kept rows when not blind
	meta    *state.OperatorState[[]int64] // pending window ends, written by PrepareSnapshot
	pending map[int64]struct{}            // window ends with rows
	key     []byte

	// fire scratch
	lb, rb   bucket
	rmatched []bool
	ends     []int64
}

var (
	_ operator.Operator         = (*WindowJoin)(nil)
	_ operator.SnapshotPreparer = (*WindowJoin)(nil)
)

func newWindow(x *plan.Join, j joiner) (*WindowJoin, error) {
	w := x.Window
	switch {
	case w == nil:
		return nil, fmt.Errorf("WindowJoin: no window columns in the plan")
	case x.NullAwareAnti:
		return nil, fmt.Errorf("WindowJoin: NOT IN (a null-aware anti join) is not supported by the window join; use NOT EXISTS, or plan it as a regular join")
	case w.LeftEnd < 0 || w.LeftEnd >= j.nl || w.RightEnd < 0 || w.RightEnd >= j.nr:
		return nil, fmt.Errorf("WindowJoin: window_end column out of range (left %d of %d, right %d of %d)", w.LeftEnd, j.nl, w.RightEnd, j.nr)
	}
	if err := appendOnly(x); err != nil {
		return nil, err
	}
	return &WindowJoin{
		joiner:  j,
		kind:    x.Kind,
		keys:    [2][]int{x.LeftKeys, x.RightKeys},
		endCol:  [2]int{w.LeftEnd, w.RightEnd},
		endName: [2]string{x.Left.Schema().Fields[w.LeftEnd].Name, x.Right.Schema().Fields[w.RightEnd].Name},
	}, nil
}

func (w *WindowJoin) Open(ctx *operator.Context, out operator.Output) error {
	w.joiner.open(ctx, out)
	rows, err := state.NewStore[*windowRows](ctx.State, "window-join-rows", windowRowsCodec{})
	if err != nil {
		return fmt.Errorf("%s: %w", ctx.Name, err)
	}
	w.rows, w.blind = rows, state.CanAppend(rows)
	meta, err := state.NewOperatorState[[]int64](ctx.State, "window-join-meta", endsCodec{})
	if err != nil {
		return fmt.Errorf("%s: %w", ctx.Name, err)
	}
	w.meta = meta
	w.pending = map[int64]struct{}{}
	// Restored: the union of the old instances' pending ends (each key
	// group's entry holds its writer's); an end without rows here fires
	// nothing.
	for _, e := range meta.Restored() {
		for _, end := range e.Value {
			w.pending[end] = struct{}{}
		}
	}
	return nil
}

// PrepareSnapshot writes the pending window ends (bounded by the open
// windows, so kept in memory) to the window-join-meta operator state, into
// every key group's entry, so that a restore at another parallelism finds
// them wherever the keys go; the rows are always in their stores.
func (w *WindowJoin) PrepareSnapshot() error {
	ends := slices.Sorted(maps.Keys(w.pending))
	w.meta.PutAll(ends)
	return nil
}

func (w *WindowJoin) Process(input int, b *types.Batch) error {
	if input != 0 && input != 1 {
		return fmt.Errorf("%s: input %d of a two-input join", w.ctx.Name, input)
	}
	w.CountIn(b.Len())
	in := w.ctx.InputWatermark()
	for i, row := range b.Rows {
		if k := b.Kinds[i]; k != types.Insert && k != types.UpdateAfter {
			return fmt.Errorf("%s: %w, got %s on the %s input", w.ctx.Name, ErrUpdatingInput, k, [...]string{"left", "right"}[input])
		}
		end, err := timeOf(row, w.endCol[input], w.endName[input])
		if err != nil {
			return fmt.Errorf("%s: %w", w.ctx.Name, err)
		}
		if end-ms <= in {
			w.Late()
			continue
		}
		w.insert(input, end, row)
	}
	if w.ctx.Metrics != nil {
		w.ctx.Metrics.StateSize.Store(int64(w.rows.Len()))
	}
	return w.done()
}

// insert buffers row in its window, under its join key encoded as the
// keyed exchange encodes it (restores split state by the key's hash).
func (w *WindowJoin) insert(s int, end int64, row types.Row) {
	w.key = types.AppendKey(w.key[:0], row, w.keys[s])
	if w.blind { // encoded at once: no copy needed
		w.one.rows = append(w.one.rows[:0], sideRow{side: uint8(s), row: row})
		state.Append(w.rows, end, w.key, &w.one, appendRows)
	} else {
		v := &windowRows{rows: []sideRow{{side: uint8(s), row: w.slab.clone(row)}}}
		state.Append(w.rows, end, w.key, v, appendRows)
	}
	w.pending[end] = struct{}{}
}

func appendRows(old, v *windowRows) *windowRows {
	old.rows = append(old.rows, v.rows...)
	return old
}

// Watermark fires, in order, the windows whose last instant wm has reached,
// then forwards wm.
func (w *WindowJoin) Watermark(wm int64) error {
	if err := w.fireUntil(wm); err != nil {
		return err
	}
	return w.Emitter.Watermark(wm)
}

func (w *WindowJoin) fireUntil(wm int64) error {
	w.ends = w.ends[:0]
	for e := range w.pending {
		if e-ms <= wm || wm == operator.EndOfTime {
			w.ends = append(w.ends, e)
		}
	}
	slices.Sort(w.ends)
	for _, e := range w.ends {
		w.fire(e)
		delete(w.pending, e)
		if w.joiner.err != nil {
			break
		}
	}
	return w.done()
}

// fire joins and emits the window ending at end, key by key, then drops
// its rows.
func (w *WindowJoin) fire(end int64) {
	w.rows.Range(end, func(_ []byte, v *windowRows) bool {
		w.lb.rows, w.rb.rows = w.lb.rows[:0], w.rb.rows[:0]
		for _, r := range v.rows {
			if r.side == 0 {
				w.lb.rows = append(w.lb.rows, entry{row: r.row, count: 1})
			} else {
				w.rb.rows = append(w.rb.rows, entry{row: r.row, count: 1})
			}
		}
		lb, rb := &w.lb, &w.rb
		if len(lb.rows) == 0 {
			lb = nil
		}
		if len(rb.rows) == 0 {
			rb = nil
		}
		side, row := 0, v.rows[0].row
		if v.rows[0].side != 0 {
			side = 1
		}
		if hasNull(row, w.keys[side]) { // NULL keys match nothing
			if lb != nil {
				w.joinKey(lb, nil)
			}
			if rb != nil {
				w.joinKey(nil, rb)
			}
		} else {
			w.joinKey(lb, rb)
		}
		return true
	})
	clear(w.lb.rows[:cap(w.lb.rows)])
	clear(w.rb.rows[:cap(w.rb.rows)])
	w.rows.DropNamespace(end)
}

// joinKey emits the join of one key's rows of one window; either bucket
// may be nil.
func (w *WindowJoin) joinKey(lb, rb *bucket) {
	var ls, rs []entry
	if lb != nil {
		ls = lb.rows
	}
	if rb != nil {
		rs = rb.rows
	}
	switch w.kind {
	case plan.RightJoin:
		for _, r := range rs {
			matched := false
			for _, l := range ls {
				if w.matches(l.row, r.row) {
					w.emit(types.Insert, l.row, r.row)
					matched = true
				}
			}
			if !matched {
				w.emit(types.Insert, nil, r.row)
			}
		}
		return
	case plan.SemiJoin, plan.AntiJoin:
		semi := w.kind == plan.SemiJoin
		for _, l := range ls {
			matched := false
			for _, r := range rs {
				if w.matches(l.row, r.row) {
					matched = true
					break
				}
			}
			if matched == semi {
				w.emit(types.Insert, l.row, nil)
			}
		}
		return
	}
	full := w.kind == plan.FullJoin
	if full {
		w.rmatched = append(w.rmatched[:0], make([]bool, len(rs))...)
	}
	for _, l := range ls {
		matched := false
		for i, r := range rs {
			if w.matches(l.row, r.row) {
				w.emit(types.Insert, l.row, r.row)
				matched = true
				if full {
					w.rmatched[i] = true
				}
			}
		}
		if !matched && w.kind != plan.InnerJoin {
			w.emit(types.Insert, l.row, nil)
		}
	}
	if full {
		for i, r := range rs {
			if !w.rmatched[i] {
				w.emit(types.Insert, nil, r.row)
			}
		}
	}
}

// Finish fires the windows still open (the final watermark normally has)
// and flushes.
func (w *WindowJoin) Finish() error { return w.fireUntil(operator.EndOfTime) }
func (w *WindowJoin) Close() error  { return nil }

// endsCodec encodes the pending window ends: 1 | uvarint(n) varint(end)*n.
type endsCodec struct{}

func (endsCodec) Encode(dst []byte, ends []int64) []byte {
	dst = append(dst, 1)
	dst = binary.AppendUvarint(dst, uint64(len(ends)))
	for _, e := range ends {
		dst = binary.AppendVarint(dst, e)
	}
	return dst
}

func (endsCodec) Decode(p []byte) ([]int64, error) {
	d := types.NewDecoder(p)
	if f := d.Byte(); f != 1 {
		return nil, fmt.Errorf("window join state: unknown format %d", f)
	}
	ends := make([]int64, d.Count(1))
	for i := range ends {
		ends[i] = d.Varint()
	}
	if err := d.Done(); err != nil {
		return nil, fmt.Errorf("window join state: %w", err)
	}
	return ends, nil
}

// windowRows is one (window, join key)'s rows of both sides in arrival
// order.
type windowRows struct{ rows []sideRow }

type sideRow struct {
	side uint8 // 0 left, 1 right
	row  types.Row
}

// windowRowsCodec encodes windowRows as its rows, each
//
//	0x10|side | row (types.AppendRow)
//
// with no header, so that encodings concatenate (state.AppendCodec): an
// insert appends its row without reading the key's others.
type windowRowsCodec struct{}

var _ state.AppendCodec[*windowRows] = windowRowsCodec{}

const windowRowTag = 0x10

func (windowRowsCodec) Concatenates() {}

func (windowRowsCodec) Encode(dst []byte, v *windowRows) []byte {
	for _, r := range v.rows {
		dst = append(dst, windowRowTag|r.side)
		dst = types.AppendRow(dst, r.row)
	}
	return dst
}

func (windowRowsCodec) Decode(p []byte) (*windowRows, error) {
	d := types.NewDecoder(p)
	v := &windowRows{}
	for d.Len() > 0 && d.Err() == nil {
		tag := d.Byte()
		if tag&^1 != windowRowTag {
			return nil, fmt.Errorf("window join state: unknown row tag %#x", tag)
		}
		v.rows = append(v.rows, sideRow{side: tag & 1, row: d.Row()})
	}
	if err := d.Done(); err != nil {
		return nil, fmt.Errorf("window join state: %w", err)
	}
	if len(v.rows) == 0 {
		return nil, fmt.Errorf("window join state: an empty value")
	}
	return v, nil
}
