package window

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/sluicehq/sluice/internal/runtime/agg"
	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/types"
)

// ErrRetraction is returned when a window aggregate receives -U or -D:
// Flink's window aggregation only accepts append-only input.
var ErrRetraction = errors.New("window aggregation accepts only append-only input (+I)")

// WindowAggregate aggregates TUMBLE, HOP and CUMULATE windows by slicing:
// each row updates the accumulators of its (slice, key); when the watermark
// reaches a window's end - 1ms the window's result per key is the merge of
// its slices, and a slice is dropped once the last window using it has
// fired.
type WindowAggregate struct {
	n    *plan.WindowAggregate
	aggs *agg.Aggs
	sl   slicer
	ts   timeSource
	nk   int
	na   int
	err  error

	operator.Emitter
	ctx     *operator.Context
	store   state.Store[*sliceAcc]
	meta    *state.OperatorState[*windowMeta] // written by PrepareSnapshot
	live    map[int64]int                     // slice end → keys in it (namespaces with data)
	pending endHeap                           // window ends to fire
	key     []byte
	// current is the operator's watermark: windows ending by it have fired.
	current int64
	// deferred holds rows late for some of their windows by their sender's
	// watermark (see processRow), until the operator's watermark catches up.
	deferred []deferredRow

	// merge scratch, reused across fires
	slotOf map[string]int
	slots  []*sliceAcc

	// slabs for new (slice, key) entries: one allocation per chunk
	accSlab   []agg.Acc
	entrySlab []sliceAcc
	valSlab   []types.Value
}

const slabSize = 256

// sliceAcc is the state of one (slice, key).
type sliceAcc struct {
	agg.Accs
	key     string        // the encoded group key
	keyVals []types.Value // the group key columns, for output
}

var (
	_ operator.Operator         = (*WindowAggregate)(nil)
	_ operator.ProcTimeOperator = (*WindowAggregate)(nil)
	_ operator.SnapshotPreparer = (*WindowAggregate)(nil)
)

// NewWindowAggregate returns the operator for n: slicing for TUMBLE, HOP and
// CUMULATE, per-key session merging for SESSION. Errors in n (bad window
// sizes, aggregates over unsupported types) are reported by Open.
func NewWindowAggregate(n *plan.WindowAggregate) operator.Operator {
	if n.Window.Kind == plan.Session {
		return newSessionAggregate(n)
	}
	w := &WindowAggregate{n: n, nk: len(n.Keys), na: len(n.Aggs)}
	w.ts = newTimeSource(n.Window, n.Input.Schema())
	w.sl, w.err = newSlicer(n.Window)
	if w.err == nil {
		w.aggs, w.err = agg.Compile(n.Aggs, n.Input.Schema(), false)
	}
	return w
}

func (w *WindowAggregate) Open(ctx *operator.Context, out operator.Output) error {
	if w.err != nil {
		return fmt.Errorf("%s: %w", ctx.Name, w.err)
	}
	st, err := state.NewStore[*sliceAcc](ctx.State, "window-agg", sliceCodec{w.aggs})
	if err != nil {
		return err
	}
	meta, err := state.NewOperatorState[*windowMeta](ctx.State, "window-meta", metaCodec{})
	if err != nil {
		return err
	}
	w.store, w.meta = st, meta
	w.current = operator.NoWatermark
	w.Emitter.Open(ctx, out)
	w.ctx = ctx
	w.ts.now = ctx.Now
	w.live = map[int64]int{}
	w.slotOf = map[string]int{}
	w.restoreMeta()
	return nil
}

// restoreMeta merges the window-meta entries a restore left in the
// instance's key groups (docs/design/state-and-checkpoints.md,
// "Rescaling"): the watermark is the highest (old instances held the same
// one at an aligned barrier; the highest never fires a window twice), the
// pending window ends their union (a window without slices here fires
// nothing), the deferred rows those of the instance's key groups (each
// entry holds its own group's). The live-slice counts count keys, so
// after a restore at another parallelism they are recounted from the
// slices this instance now holds.
func (w *WindowAggregate) restoreMeta() {
	entries := w.meta.Restored()
	if len(entries) == 0 {
		return
	}
	rescaled := w.meta.Rescaled(entries)
	ends := map[int64]bool{}
	type held struct {
		at int
		d  deferredRow
	}
	var rows []held
	for _, e := range entries {
		m := e.Value
		w.current = max(w.current, m.current)
		for _, end := range m.pending {
			w.pending.push(end)
		}
		for i, d := range m.deferred {
			rows = append(rows, held{m.at[i], d})
		}
		for se := range m.live {
			ends[se] = true
		}
	}
	// Back in the order they were held (rows of one key come from one old
	// instance): rows released at the same watermark join in that order.
	slices.SortStableFunc(rows, func(a, b held) int { return cmp.Compare(a.at, b.at) })
	for _, h := range rows {
		w.deferred = append(w.deferred, h.d)
	}
	if !rescaled {
		maps.Copy(w.live, entries[0].Value.live)
		return
	}
	for se := range ends {
		n := 0
		w.store.Range(se, func([]byte, *sliceAcc) bool { n++; return true })
		if n > 0 {
			w.live[se] = n
		}
	}
}

// PrepareSnapshot writes what the operator keeps in memory between calls —
// its watermark, the live slices with their key counts, the pending window
// ends and the deferred rows — to the window-meta operator state: all but
// the deferred rows into every key group's entry, each deferred row into
// the entry of its key's group, so that they redistribute with the keys.
// The slices are always in the window-agg store. Window ends are per
// window, not per key, so keeping them in memory is bounded by the open
// windows, not the state.
func (w *WindowAggregate) PrepareSnapshot() error {
	live, pending := w.live, w.pending.h
	if _, heap := w.ctx.State.(*state.Heap); heap {
		// The heap store keeps the value itself: give it copies.
		live, pending = maps.Clone(w.live), slices.Clone(w.pending.h)
	}
	r := w.meta.Groups()
	type held struct {
		rows []deferredRow
		at   []int
	}
	var byGroup map[int]*held
	for i, d := range w.deferred {
		if byGroup == nil {
			byGroup = map[int]*held{}
		}
		w.key = types.AppendKey(w.key[:0], d.row, w.n.Keys)
		g := w.meta.GroupOf(w.key)
		if !r.Contains(g) { // not routed by its key (a test harness): keep it anyway
			g = r.Start
		}
		h := byGroup[g]
		if h == nil {
			h = &held{}
			byGroup[g] = h
		}
		h.rows, h.at = append(h.rows, d), append(h.at, i)
	}
	for g := r.Start; g <= r.End; g++ {
		m := &windowMeta{current: w.current, live: live, pending: pending}
		if h := byGroup[g]; h != nil {
			m.deferred, m.at = h.rows, h.at
		}
		if err := w.meta.Put(g, m); err != nil {
			return fmt.Errorf("%s: %w", w.ctx.Name, err)
		}
	}
	return nil
}

func (w *WindowAggregate) Process(_ int, b *types.Batch) error {
	w.CountIn(b.Len())
	for i, row := range b.Rows {
		if b.Kinds[i] != types.Insert && b.Kinds[i] != types.UpdateAfter {
			return fmt.Errorf("%s: %w, got %s", w.ctx.Name, ErrRetraction, b.Kinds[i])
		}
		if err := w.processRow(row); err != nil {
			return fmt.Errorf("%s: %w", w.ctx.Name, err)
		}
	}
	if w.ctx.Metrics != nil {
		w.ctx.Metrics.StateSize.Store(int64(w.store.Len()))
	}
	return w.Flush()
}

func (w *WindowAggregate) processRow(row types.Row) error {
	ts, err := w.ts.of(row)
	if err != nil {
		return err
	}
	se := w.sl.sliceEnd(ts)
	first, last, step, ok := w.sl.windowEnds(se)
	if !ok {
		return nil // between HOP windows: in no window
	}
	if !w.ts.procTime {
		// Flink's slicing rule, judged against the sender's watermark: a
		// row is dropped when every window of its slice has ended; a row
		// whose slice has ended but whose later windows are open still
		// counts in those. Processing time is never late.
		in := w.ctx.InputWatermark()
		if last-ms <= in {
			w.Late()
			return nil
		}
		if se-ms <= in && in > w.current {
			// The sender has passed windows the operator has not fired
			// yet (another sender lags): adding the row to its slice now
			// would put it into those windows too. Hold it until they
			// have fired, so the result does not depend on timing.
			w.deferred = append(w.deferred, deferredRow{release: in, row: row.Clone()})
			return nil
		}
	}
	return w.insert(row, se, first, last, step, w.current)
}

// deferredRow is a row waiting for the operator's watermark to reach
// release before it joins its slice.
type deferredRow struct {
	release int64
	row     types.Row
}

// nextDeferred returns the index of the deferred row with the smallest
// release watermark, or -1.
func (w *WindowAggregate) nextDeferred() int {
	best := -1
	for i, d := range w.deferred {
		if best < 0 || d.release < w.deferred[best].release {
			best = i
		}
	}
	return best
}

// releaseOne inserts deferred row i into its slice.
func (w *WindowAggregate) releaseOne(i int) error {
	d := w.deferred[i]
	// Keep the others in arrival order: rows of a key released at the same
	// watermark accumulate in the order they came (FIRST_VALUE depends on
	// it), whichever other keys the instance holds.
	w.deferred = slices.Delete(w.deferred, i, i+1)
	se := w.sl.sliceEnd(d.row[w.ts.col].Int())
	first, lastEnd, step, _ := w.sl.windowEnds(se)
	return w.insert(d.row, se, first, lastEnd, step, d.release)
}

// insert adds a row to the slice ending at se, registering the windows of
// the slice that have not fired, neither here nor, for a deferred row, by
// the watermark it was judged against (after).
func (w *WindowAggregate) insert(row types.Row, se, first, last, step, after int64) error {
	w.key = types.AppendKey(w.key[:0], row, w.n.Keys)
	sa, found := w.store.Get(se, w.key)
	if !found {
		sa = w.newSliceAcc(row)
		if w.live[se] == 0 {
			for e := first; e <= last; e += step {
				if w.ts.procTime || e-ms > max(w.current, after) {
					w.pending.push(e)
				}
			}
		}
		w.live[se]++
	}
	w.aggs.Accumulate(&sa.Accs, row)
	w.store.Put(se, w.key, sa)
	return nil
}

// newSliceAcc creates the state of a new (slice, key), carved from slabs.
func (w *WindowAggregate) newSliceAcc(row types.Row) *sliceAcc {
	if len(w.entrySlab) == 0 {
		w.entrySlab = make([]sliceAcc, slabSize)
	}
	sa := &w.entrySlab[0]
	w.entrySlab = w.entrySlab[1:]
	if len(w.valSlab) < w.nk {
		w.valSlab = make([]types.Value, max(slabSize, w.nk))
	}
	sa.key, sa.keyVals = string(w.key), w.valSlab[:w.nk:w.nk]
	w.valSlab = w.valSlab[w.nk:]
	for j, c := range w.n.Keys {
		sa.keyVals[j] = row[c]
	}
	w.aggs.InitIn(&sa.Accs, &w.accSlab)
	return sa
}

// Watermark fires every window whose end - 1ms the watermark has reached,
// in order of window end, then forwards the watermark. Processing-time
// windows ignore watermarks.
func (w *WindowAggregate) Watermark(wm int64) error {
	if !w.ts.procTime {
		if err := w.fireUntil(wm); err != nil {
			return err
		}
	}
	return w.Emitter.Watermark(wm)
}

// OnProcTime fires the processing-time windows that have ended by now.
func (w *WindowAggregate) OnProcTime(now int64) error {
	if !w.ts.procTime {
		return nil
	}
	return w.fireUntil(now)
}

func (w *WindowAggregate) fireUntil(t int64) error {
	// Fire windows and release deferred rows in watermark order: a row
	// deferred at release r joins its slice once every window ending by r
	// has fired, and before any window ending after r fires. A released
	// row may register further windows, so both queues are re-read on
	// every step.
	for {
		end, hasEnd := int64(0), w.pending.len() > 0 && w.pending.peek()-ms <= t
		if hasEnd {
			end = w.pending.peek()
		}
		if i := w.nextDeferred(); i >= 0 && w.deferred[i].release <= t &&
			(!hasEnd || w.deferred[i].release < end-ms) {
			if err := w.releaseOne(i); err != nil {
				return err
			}
			continue
		}
		if !hasEnd {
			break
		}
		w.pending.pop()
		if err := w.fire(end); err != nil {
			return err
		}
		w.current = max(w.current, end-ms)
	}
	if t > w.current {
		w.current = t
	}
	return w.Flush()
}

// fire emits the window ending at end and drops the slices it was the last
// user of.
func (w *WindowAggregate) fire(end int64) error {
	start, first := w.sl.window(end)
	var err error
	if n, only := w.liveSlices(first, end); n == 1 {
		w.store.Range(only, func(_ []byte, sa *sliceAcc) bool {
			err = w.emitWindow(sa, start, end)
			return err == nil
		})
	} else if n > 1 {
		err = w.fireMerged(first, start, end)
	}
	for se := first; se <= end; se += w.sl.slice {
		if w.live[se] > 0 && w.sl.lastWindow(se) == end {
			w.store.DropNamespace(se)
			delete(w.live, se)
		}
	}
	return err
}

// liveSlices counts the slices with data in [first, end] and returns one.
func (w *WindowAggregate) liveSlices(first, end int64) (n int, one int64) {
	for se := first; se <= end; se += w.sl.slice {
		if w.live[se] > 0 {
			n, one = n+1, se
		}
	}
	return n, one
}

// fireMerged merges the window's slices per key, oldest slice first, into
// reused slots and emits one row per key.
func (w *WindowAggregate) fireMerged(first, start, end int64) error {
	clear(w.slotOf)
	used := 0
	for se := first; se <= end; se += w.sl.slice {
		if w.live[se] == 0 {
			continue
		}
		w.store.Range(se, func(_ []byte, sa *sliceAcc) bool {
			i, ok := w.slotOf[sa.key]
			if !ok {
				i = used
				used++
				w.takeSlot(i, sa)
				w.slotOf[sa.key] = i
			}
			w.aggs.Merge(&w.slots[i].Accs, &sa.Accs)
			return true
		})
	}
	for i := 0; i < used; i++ {
		if err := w.emitWindow(w.slots[i], start, end); err != nil {
			return err
		}
		w.slots[i].keyVals = nil
	}
	return nil
}

// takeSlot readies merge slot i for the key of sa.
func (w *WindowAggregate) takeSlot(i int, sa *sliceAcc) {
	if i == len(w.slots) {
		s := &sliceAcc{}
		w.aggs.Init(&s.Accs)
		w.slots = append(w.slots, s)
	} else {
		w.aggs.Reset(&w.slots[i].Accs)
	}
	w.slots[i].keyVals = sa.keyVals
}

// emitWindow appends [keys, aggregates, window_start, window_end,
// window_time] for one key of a fired window.
func (w *WindowAggregate) emitWindow(sa *sliceAcc, start, end int64) error {
	r := w.Alloc(w.nk + w.na + 3)
	copy(r, sa.keyVals)
	w.aggs.Results(&sa.Accs, r[w.nk:w.nk+w.na])
	writeWindow(r, w.nk+w.na, start, end)
	return w.Append(types.Insert, r)
}

// Finish flushes. Event-time windows have all fired at the final watermark
// (operator.EndOfTime) before Finish. Processing-time windows still open are
// dropped, as in Flink, which does not fire pending processing-time timers
// when a bounded input ends.
func (w *WindowAggregate) Finish() error { return w.Flush() }

func (w *WindowAggregate) Close() error { return nil }
