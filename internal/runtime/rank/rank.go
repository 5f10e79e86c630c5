package rank

import (
	"errors"
	"fmt"

	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/types"
)

// ErrRetraction is returned when an operator that accepts only append-only
// input (deduplication, window Top-N) receives -U or -D.
var ErrRetraction = errors.New("accepts only append-only input (+I, +U)")

// ErrNullTime is wrapped by the error for a row whose rowtime ordering or
// window_end column is NULL.
var ErrNullTime = errors.New("time attribute is NULL")

const ms = int64(1_000_000)

// New builds the operator for a Rank node: Top-N, deduplication, window
// Top-N or window deduplication.
func New(x *plan.Rank) (operator.Operator, error) {
	if err := validate(x); err != nil {
		return nil, err
	}
	switch {
	case x.Window != nil:
		return newWindowRank(x), nil
	case x.IsDeduplicate() && x.Input.Mode() == plan.AppendOnly:
		return newDeduplicate(x), nil
	}
	return newTopN(x), nil
}

func validate(x *plan.Rank) error {
	in := x.Input.Schema()
	if x.RankStart < 1 || x.RankEnd < x.RankStart {
		return fmt.Errorf("rank: invalid rank range %d..%d: ranks start at 1 and the end must not be below the start", x.RankStart, x.RankEnd)
	}
	if len(x.Order) == 0 {
		return fmt.Errorf("rank: ROW_NUMBER() needs an ORDER BY")
	}
	for _, c := range x.PartitionKeys {
		if c < 0 || c >= in.Len() {
			return fmt.Errorf("rank: partition column %d out of range (input has %d columns)", c, in.Len())
		}
	}
	for _, o := range x.Order {
		if o.Column < 0 || o.Column >= in.Len() {
			return fmt.Errorf("rank: order column %d out of range (input has %d columns)", o.Column, in.Len())
		}
	}
	if x.Window != nil {
		if x.Window.ProcTime {
			return fmt.Errorf("rank: window Top-N over a processing-time window is not supported; use an event-time (rowtime) window")
		}
		if x.WindowEnd < 0 || x.WindowEnd >= in.Len() {
			return fmt.Errorf("rank: window_end column %d out of range (input has %d columns)", x.WindowEnd, in.Len())
		}
		if x.Input.Mode() != plan.AppendOnly {
			return fmt.Errorf("rank: window Top-N %w", ErrRetraction)
		}
	}
	return nil
}

// order compares rows by a Rank's ORDER BY.
type order struct {
	keys  []plan.SortKey
	types []types.Type
}

func newOrder(x *plan.Rank) order {
	in := x.Input.Schema()
	o := order{keys: x.Order}
	for _, k := range x.Order {
		o.types = append(o.types, in.Fields[k.Column].Type)
	}
	return o
}

// compare returns -1 when a ranks before b, 0 when they tie, +1 otherwise.
func (o order) compare(a, b types.Row) int {
	for i, k := range o.keys {
		va, vb := a[k.Column], b[k.Column]
		an, bn := va.IsNull(), vb.IsNull()
		var c int
		switch {
		case an && bn:
			c = 0
		case an || bn:
			c = 1
			if an == k.NullsFirst {
				c = -1
			}
		default:
			c = types.Compare(va, vb, o.types[i])
			if k.Desc {
				c = -c
			}
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

// upper returns the index of the first row of rows (sorted) that ranks
// after r: where an arriving r goes, after its equals.
func (o order) upper(rows []types.Row, r types.Row) int {
	lo, hi := 0, len(rows)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if o.compare(rows[m], r) <= 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// lower returns the index of the first row of rows (sorted) that does not
// rank before r.
func (o order) lower(rows []types.Row, r types.Row) int {
	lo, hi := 0, len(rows)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if o.compare(rows[m], r) < 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// emitter is the output side shared by the operators, with the rank
// column appended when asked.
type emitter struct {
	operator.Emitter
	ctx      *operator.Context
	withRank bool
}

func (e *emitter) open(ctx *operator.Context, out operator.Output, withRank bool) {
	e.Emitter.Open(ctx, out)
	e.ctx, e.withRank = ctx, withRank
}

// emit appends kind[row, rank] (rank only with the rank column).
func (e *emitter) emit(kind types.RowKind, row types.Row, rank int64) error {
	n := len(row)
	if e.withRank {
		n++
	}
	r := e.Alloc(n)
	copy(r, row)
	if e.withRank {
		r[len(row)] = types.IntValue(rank)
	}
	return e.Append(kind, r)
}

func (e *emitter) countIn(n int, stateSize int) {
	e.CountIn(n)
	if e.ctx.Metrics != nil {
		e.ctx.Metrics.StateSize.Store(int64(stateSize))
	}
}

// keyedEmitter is the emitter and the state TTL of the operators keyed by
// partition (Deduplicate, TopN, ChangelogNormalize), with the operator
// methods they share: each expires partitions on a watermark and on
// processing time, and has nothing to close.
type keyedEmitter struct {
	emitter
	ttl keyTTL[*partition]
}

func (k *keyedEmitter) Watermark(wm int64) error {
	k.ttl.expire(k.ttl.clock())
	return k.Emitter.Watermark(wm)
}

// OnProcTime expires partitions whose TTL has passed.
func (k *keyedEmitter) OnProcTime(now int64) error {
	if k.ttl.ttl > 0 {
		k.ttl.expire(now)
	}
	return nil
}

func (k *keyedEmitter) Finish() error { return k.Flush() }
func (k *keyedEmitter) Close() error  { return nil }

// ttlTimes are what state TTL needs of a partition's state: the processing
// time of its last write and the expiry its timer is armed for.
type ttlTimes struct {
	touched int64
	timer   int64
}

type ttlState interface{ times() *ttlTimes }

// keyTTL expires the partitions of one store that were not written for the
// TTL (Context.StateTTL, processing time): one timer per partition, refreshed
// lazily (on firing, a partition written since is re-armed, not dropped).
type keyTTL[V ttlState] struct {
	ttl    int64 // ns; 0: no TTL
	now    func() int64
	store  state.Store[V]
	timers *state.Timers
}

// open sets up the timers: in memory for the heap backend, rebuilt from the
// store (restored state gets its timers back), or in the store called name
// for byte backends.
func (k *keyTTL[V]) open(ctx *operator.Context, store state.Store[V], name string) error {
	k.store = store
	if ctx.StateTTL <= 0 {
		return nil
	}
	if ctx.Now == nil {
		return fmt.Errorf("%s: state TTL needs a processing-time clock", ctx.Name)
	}
	k.ttl, k.now = int64(ctx.StateTTL), ctx.Now
	t, err := state.NewTimers(ctx.State, name)
	if err != nil {
		return err
	}
	k.timers = t
	if t.InMemory() {
		store.Range(0, func(key []byte, v V) bool {
			t.Register(v.times().timer, key)
			return true
		})
	}
	return nil
}

// clock returns the processing time for this call (0 without TTL).
func (k *keyTTL[V]) clock() int64 {
	if k.ttl == 0 {
		return 0
	}
	return k.now()
}

// expired reports whether v, read at now, has outlived the TTL.
func (k *keyTTL[V]) expired(v V, now int64) bool {
	return k.ttl > 0 && v.times().touched+k.ttl <= now
}

// written records a write of key's state v at now, arming its timer when
// it is new.
func (k *keyTTL[V]) written(key []byte, v V, now int64, isNew bool) {
	if k.ttl == 0 {
		return
	}
	t := v.times()
	t.touched = now
	if isNew {
		t.timer = now + k.ttl
		k.timers.Register(t.timer, key)
	}
}

// expire drops the partitions whose TTL has passed by now.
func (k *keyTTL[V]) expire(now int64) {
	if k.ttl == 0 {
		return
	}
	for {
		at, key, ok := k.timers.Peek()
		if !ok || at > now {
			return
		}
		k.timers.Pop()
		v, found := k.store.Get(0, key)
		if !found || v.times().timer != at {
			continue // dropped or re-created since
		}
		t := v.times()
		if exp := t.touched + k.ttl; exp > now {
			t.timer = exp
			k.store.Put(0, key, v)
			k.timers.Register(exp, key)
			continue
		}
		k.store.Delete(0, key)
	}
}
