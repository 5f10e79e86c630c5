package join

import (
	"fmt"

	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/types"
)

// RegularJoin is Flink's StreamingJoinOperator (INNER, LEFT, RIGHT, FULL)
// and StreamingSemiAntiJoinOperator (SEMI, ANTI) without mini-batch: both
// inputs may be changelogs, and each input row is answered at once.
//
// State: per side, per join key, a multiset of rows (row → count); an outer
// side, and the left side of SEMI/ANTI, also keeps per row the number of
// matching rows of the other side, so a row turns from NULL-padded to
// matched and back.
//
// Output kinds, as Flink: an INNER join forwards the input row's kind
// (+I/+U in, +I/+U out; -U/-D in, -U/-D out); an outer join emits +I for an
// accumulating input and -D for a retracting one, and for an outer row that
// gains its first match -D[row, NULLs] then +I[joined], for one that loses
// its last match -D[joined] then +I[row, NULLs]. SEMI/ANTI emit left rows:
// a left input row is forwarded with its kind when it has a match (SEMI) or
// none (ANTI); a right row that gives a left row its first match emits it
// (SEMI, with the right row's kind) or -D (ANTI), one that takes away its
// last match -U/-D (SEMI) or +I (ANTI).
//
// Keys: a row with a NULL key column matches nothing (NULL = NULL is not
// true) and is not kept: an outer row stays padded, its retraction emits
// the padded -D. Without keys every row is in one group (a cross join
// filtered by the condition).
//
// NOT IN (plan.Join.NullAwareAnti): every row is in one group and a left
// row l matches a right row r when the condition holds and, per key
// column, l's and r's values are equal or either is NULL (unknown). So a
// left row with a NULL key is emitted only while the right side is empty,
// and a right row with a NULL key retracts every left row. This is SQL's
// NOT IN only when one instance sees all rows: the planner must not
// hash-partition a null-aware anti join (Flink plans it as a non-equi join
// on a single instance too).
//
// State TTL (Context.StateTTL): a row not written (added, or its match
// count changed) for the TTL of processing time is dropped without output,
// as Flink's idle state retention. Each (side, key) has one timer armed for
// its earliest expiry; on firing, expired rows go and the timer is re-armed
// for the rest. Rows past their expiry whose timer has not fired yet are
// dropped when their key is read.
type RegularJoin struct {
	joiner
	kind      plan.JoinKind
	keys      [2][]int
	outer     [2]bool // a side whose unmatched rows are emitted NULL-padded
	tracks    [2]bool // a side that keeps match counts
	appendIn  [2]bool // an append-only input: its rows are appended, never merged
	semiAnti  bool
	nullAware bool

	sides   [2]*rowStore
	ttl     int64
	timers  *state.Timers
	key     []byte
	tkey    []byte
	matched []int // scratch: indexes of the matching entries of the other side
}

var (
	_ operator.Operator         = (*RegularJoin)(nil)
	_ operator.SnapshotPreparer = (*RegularJoin)(nil)
	_ operator.ProcTimeOperator = (*RegularJoin)(nil)
)

func newRegular(x *plan.Join, j joiner) *RegularJoin {
	r := &RegularJoin{joiner: j, kind: x.Kind, keys: [2][]int{x.LeftKeys, x.RightKeys}}
	r.outer = [2]bool{x.Kind.LeftOuter(), x.Kind.RightOuter()}
	r.semiAnti = x.Kind == plan.SemiJoin || x.Kind == plan.AntiJoin
	r.tracks = r.outer
	r.appendIn = [2]bool{x.Left.Mode() == plan.AppendOnly, x.Right.Mode() == plan.AppendOnly}
	if r.semiAnti {
		r.tracks[0] = true
		r.nullAware = x.Kind == plan.AntiJoin && x.NullAwareAnti && len(x.LeftKeys) > 0
	}
	return r
}

func (r *RegularJoin) Open(ctx *operator.Context, out operator.Output) error {
	r.joiner.open(ctx, out)
	for side, name := range [2]string{"join-left", "join-right"} {
		s, err := openRowStore(ctx.State, name)
		if err != nil {
			return fmt.Errorf("%s: %w", ctx.Name, err)
		}
		r.sides[side] = s
	}
	if ctx.StateTTL > 0 {
		if ctx.Now == nil {
			return fmt.Errorf("%s: state TTL needs a processing-time clock", ctx.Name)
		}
		r.ttl = int64(ctx.StateTTL)
		t, err := openTimers(ctx.State, "join-ttl-keys", "join-ttl", r.sides)
		if err != nil {
			return fmt.Errorf("%s: %w", ctx.Name, err)
		}
		r.timers = t
	}
	return nil
}

// PrepareSnapshot has nothing to write back: rows live in their stores and
// TTL timers are in their store or rebuilt from the buckets on Open.
func (r *RegularJoin) PrepareSnapshot() error { return nil }

func (r *RegularJoin) Process(input int, b *types.Batch) error {
	if input != 0 && input != 1 {
		return fmt.Errorf("%s: input %d of a two-input join", r.ctx.Name, input)
	}
	var now int64
	if r.ttl > 0 {
		now = r.ctx.Now()
		r.expire(now)
	}
	for i, row := range b.Rows {
		r.processRow(input, b.Kinds[i], row, now)
		if r.joiner.err != nil {
			break
		}
	}
	r.CountIn(b.Len())
	if r.ctx.Metrics != nil {
		r.ctx.Metrics.StateSize.Store(int64(r.sides[0].st.Len() + r.sides[1].st.Len()))
	}
	return r.done()
}

func (r *RegularJoin) processRow(s int, kind types.RowKind, row types.Row, now int64) {
	o := 1 - s
	r.key = r.key[:0]
	if !r.nullAware {
		if hasNull(row, r.keys[s]) {
			r.unmatched(s, kind, row)
			return
		}
		r.key = types.AppendKey(r.key, row, r.keys[s])
	}
	// The matching rows of the other side and how many they are.
	r.matched = r.matched[:0]
	var m int64
	ob := r.bucket(o, now)
	if ob != nil {
		for i := range ob.rows {
			if r.pairMatches(s, row, ob.rows[i].row) {
				r.matched = append(r.matched, i)
				m += ob.rows[i].count
			}
		}
	}
	if r.semiAnti {
		r.semiAntiRow(s, kind, row, ob, m, now)
		return
	}
	if kind.IsRetract() {
		r.retract(s, row, now)
		out := types.Delete
		if r.kind == plan.InnerJoin {
			out = kind
		}
		if len(r.matched) == 0 {
			if r.outer[s] {
				r.emitSide(types.Delete, s, row)
			}
			return
		}
		for _, i := range r.matched {
			for c := ob.rows[i].count; c > 0; c-- {
				r.emitPair(out, s, row, ob.rows[i].row)
			}
		}
		if r.outer[o] {
			for _, i := range r.matched {
				e := &ob.rows[i]
				if e.assoc == 1 {
					for c := e.count; c > 0; c-- {
						r.emitSide(types.Insert, o, e.row)
					}
				}
				e.assoc = max(e.assoc-1, 0)
				e.time = now
			}
			r.sides[o].st.Put(0, r.key, ob)
		}
		return
	}
	out := types.Insert
	if r.kind == plan.InnerJoin {
		out = kind
	}
	if len(r.matched) == 0 {
		if r.outer[s] {
			r.emitSide(types.Insert, s, row)
		}
		r.add(s, row, 0, now)
		return
	}
	if r.outer[o] {
		for _, i := range r.matched {
			e := &ob.rows[i]
			if e.assoc == 0 {
				for c := e.count; c > 0; c-- {
					r.emitSide(types.Delete, o, e.row)
				}
			}
			e.assoc++
			e.time = now
		}
		r.sides[o].st.Put(0, r.key, ob)
	}
	for _, i := range r.matched {
		for c := ob.rows[i].count; c > 0; c-- {
			r.emitPair(out, s, row, ob.rows[i].row)
		}
	}
	r.add(s, row, m, now)
}

// unmatched answers a row whose key has a NULL: it matches nothing, now or
// later, so it is not kept.
func (r *RegularJoin) unmatched(s int, kind types.RowKind, row types.Row) {
	switch {
	case r.kind == plan.AntiJoin && s == 0:
		r.emit(kind, row, nil)
	case !r.semiAnti && r.outer[s]:
		k := types.Insert
		if kind.IsRetract() {
			k = types.Delete
		}
		r.emitSide(k, s, row)
	}
}

// semiAntiRow handles a row of a SEMI or ANTI join whose matches on the
// other side (m rows, entries r.matched of ob) are known.
func (r *RegularJoin) semiAntiRow(s int, kind types.RowKind, row types.Row, ob *bucket, m int64, now int64) {
	anti := r.kind == plan.AntiJoin
	if s == 0 {
		if (m > 0) != anti {
			r.emit(kind, row, nil)
		}
		if kind.IsRetract() {
			r.retract(0, row, now)
		} else {
			r.add(0, row, m, now)
		}
		return
	}
	retract := kind.IsRetract()
	if retract {
		r.retract(1, row, now)
	} else {
		r.add(1, row, 0, now)
	}
	if len(r.matched) == 0 {
		return
	}
	for _, i := range r.matched {
		e := &ob.rows[i]
		if !retract && e.assoc == 0 || retract && e.assoc == 1 {
			k := kind // SEMI: the right row's kind
			if anti {
				k = types.Delete
				if retract {
					k = types.Insert
				}
			}
			for c := e.count; c > 0; c-- {
				r.emit(k, e.row, nil)
			}
		}
		if retract {
			e.assoc = max(e.assoc-1, 0)
		} else {
			e.assoc++
		}
		e.time = now
	}
	r.sides[0].st.Put(0, r.key, ob)
}

// pairMatches reports whether row (of side s) and other (of the other side)
// join: the condition holds and, for NOT IN, the keys are equal or unknown.
func (r *RegularJoin) pairMatches(s int, row, other types.Row) bool {
	l, rr := row, other
	if s == 1 {
		l, rr = other, row
	}
	if r.nullAware {
		for i, lc := range r.keys[0] {
			lv, rv := l[lc], rr[r.keys[1][i]]
			if lv.K != types.KindNull && rv.K != types.KindNull && !types.Equal(lv, rv) {
				return false
			}
		}
	}
	return r.matches(l, rr)
}

// bucket returns the rows of side at r.key, without the expired ones, or
// nil.
func (r *RegularJoin) bucket(side int, now int64) *bucket {
	st := r.sides[side].st
	b, ok := st.Get(0, r.key)
	if !ok {
		return nil
	}
	if r.ttl > 0 && r.dropExpired(b, now) {
		if len(b.rows) == 0 {
			st.Delete(0, r.key)
			return nil
		}
		st.Put(0, r.key, b)
	}
	return b
}

// dropExpired removes the rows of b whose TTL has passed by now and reports
// whether there were any.
func (r *RegularJoin) dropExpired(b *bucket, now int64) bool {
	kept := b.rows[:0]
	for _, e := range b.rows {
		if e.time+r.ttl > now {
			kept = append(kept, e)
		}
	}
	if len(kept) == len(b.rows) {
		return false
	}
	clear(b.rows[len(kept):])
	b.rows = kept
	return true
}

// add adds one occurrence of row to side s at r.key with match count assoc.
func (r *RegularJoin) add(s int, row types.Row, assoc int64, now int64) {
	rs := r.sides[s]
	b := r.bucket(s, now)
	if b == nil {
		b = newBucket()
	}
	if !r.tracks[s] {
		assoc = 0
	}
	// Rows of an append-only input are never retracted: equal rows may sit
	// in several entries (same output) and an insert needs no search.
	i := -1
	if !r.appendIn[s] {
		i = b.find(row)
	}
	if i >= 0 {
		e := &b.rows[i]
		e.count++
		e.assoc, e.time = assoc, now
	} else {
		b.rows = append(b.rows, entry{row: rs.clone(row), count: 1, assoc: assoc, time: now})
	}
	if r.ttl > 0 && b.timer == noTimer {
		b.timer = now + r.ttl
		r.timers.Register(b.timer, r.key)
	}
	rs.st.Put(0, r.key, b)
}

// retract removes one occurrence of row from side s at r.key; a row that
// is not there is ignored, as in Flink.
func (r *RegularJoin) retract(s int, row types.Row, now int64) {
	b := r.bucket(s, now)
	if b == nil {
		return
	}
	i := b.find(row)
	if i < 0 {
		return
	}
	if b.rows[i].count--; b.rows[i].count <= 0 {
		b.remove(i)
	} else {
		b.rows[i].time = now
	}
	if len(b.rows) == 0 {
		r.sides[s].st.Delete(0, r.key)
		return
	}
	r.sides[s].st.Put(0, r.key, b)
}

// expire drops the rows whose TTL has passed by now and re-arms the timers
// of buckets that keep rows.
func (r *RegularJoin) expire(now int64) {
	for {
		at, k, ok := r.timers.Peek()
		if !ok || at > now {
			return
		}
		r.tkey = append(r.tkey[:0], k...)
		r.timers.Pop()
		for side := range r.sides {
			r.expireSide(side, r.tkey, at, now)
		}
	}
}

// expireSide handles the TTL timer at of key on one side: it drops the
// bucket's expired rows and re-arms the timer for the rows kept. A bucket
// whose timer is not at (the other side's, or re-armed since) is left
// alone.
func (r *RegularJoin) expireSide(side int, key []byte, at, now int64) {
	st := r.sides[side].st
	b, found := st.Get(0, key)
	if !found || b.timer != at {
		return // the bucket went, or was re-armed, since
	}
	r.dropExpired(b, now)
	if len(b.rows) == 0 {
		st.Delete(0, key)
		return
	}
	next := b.rows[0].time
	for _, e := range b.rows[1:] {
		next = min(next, e.time)
	}
	b.timer = next + r.ttl
	st.Put(0, key, b)
	r.timers.Register(b.timer, key)
}

// OnProcTime expires rows whose TTL has passed.
func (r *RegularJoin) OnProcTime(now int64) error {
	if r.ttl > 0 {
		r.expire(now)
	}
	return nil
}

func (r *RegularJoin) Watermark(wm int64) error {
	if r.ttl > 0 {
		r.expire(r.ctx.Now())
	}
	return r.Emitter.Watermark(wm)
}

func (r *RegularJoin) Finish() error { return r.done() }
func (r *RegularJoin) Close() error  { return nil }
