package window

import (
	"fmt"
	"slices"
	"time"

	"github.com/sluicehq/sluice/internal/runtime/agg"
	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/types"
)

// SessionAggregate aggregates SESSION windows: per key, a row opens
// [ts, ts+gap); sessions that overlap or touch merge (Flink's
// TimeWindow.intersects and MergingWindowSet). A session fires when the
// watermark reaches its end - 1ms. A row is late, and dropped, when the
// session it would end up in (after merging) has end - 1ms <= the sender's
// watermark: Flink's WindowOperator judges the merged window the same way.
type SessionAggregate struct {
	n    *plan.WindowAggregate
	aggs *agg.Aggs
	gap  int64
	ts   timeSource
	cols []int // the session key: GROUP BY keys, then PARTITION BY keys not among them
	nk   int
	na   int
	err  error

	operator.Emitter
	ctx    *operator.Context
	store  state.Store[*sessions]
	timers *state.Timers // session ends: in memory (heap backend) or in a store
	key    []byte
}

// sessions is one key's open sessions, sorted by start, pairwise disjoint
// and not touching.
type sessions struct {
	key     string
	keyVals []types.Value
	list    []*session
}

type session struct {
	start, end int64
	agg.Accs
}

var (
	_ operator.Operator         = (*SessionAggregate)(nil)
	_ operator.ProcTimeOperator = (*SessionAggregate)(nil)
	_ operator.SnapshotPreparer = (*SessionAggregate)(nil)
)

func newSessionAggregate(n *plan.WindowAggregate) *SessionAggregate {
	s := &SessionAggregate{n: n, gap: n.Window.Gap, nk: len(n.Keys), na: len(n.Aggs)}
	s.ts = newTimeSource(n.Window, n.Input.Schema())
	s.cols = append([]int{}, n.Keys...)
	for _, p := range n.Window.PartitionKeys {
		if !slices.Contains(s.cols, p) {
			s.cols = append(s.cols, p)
		}
	}
	if s.gap <= 0 {
		s.err = fmt.Errorf("SESSION window gap must be positive, got %s", time.Duration(s.gap))
		return s
	}
	s.aggs, s.err = agg.Compile(n.Aggs, n.Input.Schema(), false)
	return s
}

func (s *SessionAggregate) Open(ctx *operator.Context, out operator.Output) error {
	if s.err != nil {
		return fmt.Errorf("%s: %w", ctx.Name, s.err)
	}
	st, err := state.NewStore[*sessions](ctx.State, "session-agg", sessionsCodec{s.aggs})
	if err != nil {
		return err
	}
	s.store = st
	s.Emitter.Open(ctx, out)
	s.ctx = ctx
	s.ts.now = ctx.Now
	// With the heap backend the timers are a heap in memory, rebuilt here
	// from the sessions (each open session has one timer, at its end); with
	// a byte backend they live only in the session-timers store.
	if s.timers, err = state.NewTimers(ctx.State, "session-timers"); err != nil {
		return err
	}
	if s.timers.InMemory() {
		st.Range(0, func(k []byte, ss *sessions) bool {
			for _, x := range ss.list {
				s.timers.Register(x.end, k)
			}
			return true
		})
	}
	return nil
}

// PrepareSnapshot has nothing to write back: sessions live in their store
// and timers are in theirs or rebuilt from the sessions on Open.
func (s *SessionAggregate) PrepareSnapshot() error { return nil }

func (s *SessionAggregate) Process(_ int, b *types.Batch) error {
	s.CountIn(b.Len())
	for i, row := range b.Rows {
		if b.Kinds[i] != types.Insert && b.Kinds[i] != types.UpdateAfter {
			return fmt.Errorf("%s: %w, got %s", s.ctx.Name, ErrRetraction, b.Kinds[i])
		}
		if err := s.processRow(row); err != nil {
			return fmt.Errorf("%s: %w", s.ctx.Name, err)
		}
	}
	if s.ctx.Metrics != nil {
		s.ctx.Metrics.StateSize.Store(int64(s.store.Len()))
	}
	return s.Flush()
}

func (s *SessionAggregate) processRow(row types.Row) error {
	ts, err := s.ts.of(row)
	if err != nil {
		return err
	}
	start, end := ts, ts+s.gap
	s.key = types.AppendKey(s.key[:0], row, s.cols)
	st, ok := s.store.Get(0, s.key)
	var lo, hi int // st.list[lo:hi] intersect [start, end]
	if ok {
		lo, hi = st.overlapping(start, end)
		if lo < hi {
			start = min(start, st.list[lo].start)
			end = max(end, st.list[hi-1].end)
		}
	}
	if !s.ts.procTime && end-ms <= s.ctx.InputWatermark() {
		s.Late()
		return nil
	}
	if !ok {
		st = &sessions{key: string(s.key), keyVals: make([]types.Value, s.nk)}
		for j, c := range s.n.Keys {
			st.keyVals[j] = row[c]
		}
	}
	target := s.mergeInto(st, lo, hi, start, end)
	s.aggs.Accumulate(&target.Accs, row)
	s.store.Put(0, s.key, st)
	return nil
}

// overlapping returns the range of sessions intersecting [start, end]
// (touching counts).
func (st *sessions) overlapping(start, end int64) (lo, hi int) {
	lo = len(st.list)
	for i, x := range st.list {
		if x.start <= end && x.end >= start {
			if lo == len(st.list) {
				lo = i
			}
			hi = i + 1
		}
	}
	if hi == 0 {
		lo = 0
	}
	return lo, hi
}

// mergeInto makes st.list[lo:hi] one session [start, end) (a new one when
// the range is empty) and returns it; a changed end gets a timer.
func (s *SessionAggregate) mergeInto(st *sessions, lo, hi int, start, end int64) *session {
	if lo == hi {
		x := &session{start: start, end: end}
		s.aggs.Init(&x.Accs)
		i, _ := slices.BinarySearchFunc(st.list, start, func(a *session, t int64) int { return compareInt(a.start, t) })
		st.list = slices.Insert(st.list, i, x)
		s.timers.Register(end, s.key)
		return x
	}
	x := st.list[lo]
	for _, y := range st.list[lo+1 : hi] {
		s.aggs.Merge(&x.Accs, &y.Accs)
	}
	st.list = slices.Delete(st.list, lo+1, hi)
	if end != x.end {
		s.timers.Register(end, s.key)
	}
	x.start, x.end = start, end
	return x
}

func compareInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Watermark fires the sessions whose end - 1ms the watermark has reached,
// in order of end, then forwards the watermark.
func (s *SessionAggregate) Watermark(wm int64) error {
	if !s.ts.procTime {
		if err := s.fireUntil(wm); err != nil {
			return err
		}
	}
	return s.Emitter.Watermark(wm)
}

// OnProcTime fires processing-time sessions that have ended by now.
func (s *SessionAggregate) OnProcTime(now int64) error {
	if !s.ts.procTime {
		return nil
	}
	return s.fireUntil(now)
}

func (s *SessionAggregate) fireUntil(t int64) error {
	for {
		end, key, ok := s.timers.Peek()
		if !ok || end-ms > t {
			break
		}
		s.key = append(s.key[:0], key...)
		s.timers.Pop()
		if err := s.fire(end); err != nil {
			return err
		}
	}
	return s.Flush()
}

// fire emits and removes the session of key s.key ending at end, if it
// still exists (a timer of a session that has since grown is stale).
func (s *SessionAggregate) fire(end int64) error {
	st, ok := s.store.Get(0, s.key)
	if !ok {
		return nil
	}
	i := slices.IndexFunc(st.list, func(x *session) bool { return x.end == end })
	if i < 0 {
		return nil
	}
	x := st.list[i]
	r := s.Alloc(s.nk + s.na + 3)
	copy(r, st.keyVals)
	s.aggs.Results(&x.Accs, r[s.nk:s.nk+s.na])
	writeWindow(r, s.nk+s.na, x.start, x.end)
	st.list = slices.Delete(st.list, i, i+1)
	if len(st.list) == 0 {
		s.store.Delete(0, s.key)
	} else {
		s.store.Put(0, s.key, st)
	}
	return s.Append(types.Insert, r)
}

// Finish flushes; see WindowAggregate.Finish for processing time.
func (s *SessionAggregate) Finish() error { return s.Flush() }
func (s *SessionAggregate) Close() error  { return nil }
