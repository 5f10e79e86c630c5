package temporal

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/sql/functions"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/types"
)

// ErrNullTime is wrapped by the error for a row whose time attribute (the
// probe's or the version's) is NULL.
var ErrNullTime = errors.New("temporal join time attribute is NULL")

// noTimer is keyState.timer when the key has no live timer.
const noTimer = math.MaxInt64

// Join is the event-time temporal join (see the package doc). Kinds INNER
// and LEFT; Cond, if any, is applied to the probe row joined with the valid
// version: for LEFT, a probe whose version fails it is emitted NULL-padded,
// as Flink. Output rows carry the probe row's change kind (+I for an
// append-only probe stream).
//
// Version times: a change replaces an earlier change of the same key with
// the same version time (Flink keeps one version per time), except that a
// -U never replaces a +I/+U of its own time: a -U carries the retracted
// row, so its time is the old version's, and it must not erase it; Flink's
// planner sends the versioned side as upserts, without -U, for the same
// reason. A -U at a time of its own acts as "no row from that time on",
// like -D.
type Join struct {
	x        *plan.Join
	outer    bool
	lt, rt   int // time columns of probe and version rows
	nl, nr   int
	condExpr plan.Expr
	cond     functions.Eval

	ctx    *operator.Context
	output operator.Emitter
	store  state.Store[*keyState]
	timers *state.Timers
	key    []byte
	fkey   []byte // key of the timer being fired
	join   types.Row
	nulls  types.Row
}

var (
	_ operator.Operator         = (*Join)(nil)
	_ operator.SnapshotPreparer = (*Join)(nil)
)

// keyState is the state of one join key.
type keyState struct {
	probes   []probe   // by (time, seq)
	versions []version // by time, one per time
	seq      int64     // arrival number of the next probe
	timer    int64     // the live timer, noTimer for none
}

type probe struct {
	time, seq int64
	kind      types.RowKind
	row       types.Row
}

type version struct {
	time int64
	kind types.RowKind
	row  types.Row
}

// New builds the operator for an event-time temporal join (FOR SYSTEM_TIME
// AS OF a rowtime).
func New(x *plan.Join) (operator.Operator, error) {
	if x.Strategy != plan.TemporalJoin || x.Temporal == nil {
		return nil, fmt.Errorf("temporal join: got a %s without a temporal spec; temporal.New takes Strategy TemporalJoin", x.Strategy)
	}
	if x.Kind != plan.InnerJoin && x.Kind != plan.LeftJoin {
		return nil, fmt.Errorf("temporal join: %s is not supported; an event-time temporal join is INNER or LEFT", x.Kind)
	}
	ls, rs := x.Left.Schema(), x.Right.Schema()
	if len(x.LeftKeys) != len(x.RightKeys) || len(x.RightKeys) == 0 {
		return nil, fmt.Errorf("temporal join: needs equality keys on the versioned table's primary key (got %d left, %d right)", len(x.LeftKeys), len(x.RightKeys))
	}
	for i := range x.LeftKeys {
		if x.LeftKeys[i] < 0 || x.LeftKeys[i] >= ls.Len() || x.RightKeys[i] < 0 || x.RightKeys[i] >= rs.Len() {
			return nil, fmt.Errorf("temporal join: key column out of range")
		}
	}
	t := x.Temporal
	if t.LeftTime < 0 || t.LeftTime >= ls.Len() || t.RightTime < 0 || t.RightTime >= rs.Len() {
		return nil, fmt.Errorf("temporal join: time column out of range")
	}
	j := &Join{x: x, outer: x.Kind == plan.LeftJoin, lt: t.LeftTime, rt: t.RightTime, nl: ls.Len(), nr: rs.Len()}
	if x.Cond != nil {
		ev, err := operator.Compile(x.Cond)
		if err != nil {
			return nil, fmt.Errorf("temporal join condition %s: %w", x.Cond, err)
		}
		j.cond = ev
	}
	return j, nil
}

func (j *Join) Open(ctx *operator.Context, out operator.Output) error {
	st, err := state.NewStore[*keyState](ctx.State, "temporal", keyCodec{})
	if err != nil {
		return fmt.Errorf("%s: %w", ctx.Name, err)
	}
	tm, err := state.NewTimers(ctx.State, "temporal-timers")
	if err != nil {
		return fmt.Errorf("%s: %w", ctx.Name, err)
	}
	j.ctx, j.store, j.timers = ctx, st, tm
	j.output.Open(ctx, out)
	j.join = make(types.Row, j.nl+j.nr)
	j.nulls = make(types.Row, j.nr)
	if tm.InMemory() { // rebuild the timers of restored state
		st.Range(0, func(k []byte, ks *keyState) bool {
			if ks.timer != noTimer {
				tm.Register(ks.timer, k)
			}
			return true
		})
	}
	return nil
}

// PrepareSnapshot has nothing to write back: keys live in the store, timers
// in theirs or rebuilt from the keys by Open.
func (j *Join) PrepareSnapshot() error { return nil }

func (j *Join) Process(input int, b *types.Batch) error {
	for i, row := range b.Rows {
		var err error
		if input == 0 {
			err = j.processProbe(b.Kinds[i], row)
		} else {
			err = j.processVersion(b.Kinds[i], row)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", j.ctx.Name, err)
		}
	}
	j.output.CountIn(b.Len())
	if m := j.ctx.Metrics; m != nil {
		m.StateSize.Store(int64(j.store.Len()))
	}
	return nil
}

func (j *Join) get() *keyState {
	ks, ok := j.store.Get(0, j.key)
	if !ok {
		return &keyState{timer: noTimer}
	}
	return ks
}

func (j *Join) processProbe(kind types.RowKind, row types.Row) error {
	tv := row[j.lt]
	if tv.IsNull() {
		return fmt.Errorf("%w: probe column %q", ErrNullTime, j.x.Left.Schema().Fields[j.lt].Name)
	}
	if tv.I <= j.ctx.InputWatermark() {
		j.output.Late()
		return nil
	}
	j.key = types.AppendKey(j.key[:0], row, j.x.LeftKeys)
	ks := j.get()
	p := probe{time: tv.I, seq: ks.seq, kind: kind, row: row.Clone()}
	ks.seq++
	i, _ := slices.BinarySearchFunc(ks.probes, p, func(a, b probe) int {
		if a.time != b.time {
			return cmp.Compare(a.time, b.time)
		}
		return cmp.Compare(a.seq, b.seq)
	})
	ks.probes = slices.Insert(ks.probes, i, p)
	j.arm(ks)
	j.store.Put(0, j.key, ks)
	return nil
}

func (j *Join) processVersion(kind types.RowKind, row types.Row) error {
	tv := row[j.rt]
	if tv.IsNull() {
		return fmt.Errorf("%w: versioned table column %q", ErrNullTime, j.x.Right.Schema().Fields[j.rt].Name)
	}
	for _, c := range j.x.RightKeys {
		if row[c].IsNull() {
			return nil // joins nothing: SQL equality with NULL is never true
		}
	}
	j.key = types.AppendKey(j.key[:0], row, j.x.RightKeys)
	ks := j.get()
	v := version{time: tv.I, kind: kind, row: row.Clone()}
	i, found := slices.BinarySearchFunc(ks.versions, v.time, func(a version, t int64) int { return cmp.Compare(a.time, t) })
	switch {
	case !found:
		ks.versions = slices.Insert(ks.versions, i, v)
	case kind == types.UpdateBefore && !ks.versions[i].kind.IsRetract():
		return nil // the retracted row itself: keep it
	default:
		ks.versions[i] = v
	}
	j.arm(ks)
	j.store.Put(0, j.key, ks)
	return nil
}

// arm registers the key's timer for the earliest time the watermark has
// work for it, if that is earlier than its live timer: its first probe, or
// its second version (once the watermark passes it, the first is pruned).
func (j *Join) arm(ks *keyState) {
	next := int64(noTimer)
	if len(ks.probes) > 0 {
		next = ks.probes[0].time
	}
	if len(ks.versions) > 1 {
		next = min(next, ks.versions[1].time)
	}
	if next < ks.timer {
		ks.timer = next
		j.timers.Register(next, j.key)
	}
}

// Watermark joins and emits the probe rows the watermark has reached, prunes
// versions, and forwards the watermark.
func (j *Join) Watermark(wm int64) error {
	for {
		at, key, ok := j.timers.Peek()
		if !ok || at > wm {
			break
		}
		j.fkey = append(j.fkey[:0], key...)
		j.timers.Pop()
		ks, found := j.store.Get(0, j.fkey)
		if !found || ks.timer != at {
			continue // stale
		}
		if err := j.fire(ks, wm); err != nil {
			return err
		}
	}
	if err := j.output.Flush(); err != nil {
		return err
	}
	if j.ctx.Metrics != nil {
		j.ctx.Metrics.StateSize.Store(int64(j.store.Len()))
	}
	return j.output.Watermark(wm)
}

// fire handles the key in j.fkey at watermark wm.
func (j *Join) fire(ks *keyState, wm int64) error {
	n := 0
	for ; n < len(ks.probes) && ks.probes[n].time <= wm; n++ {
		if err := j.emit(ks, ks.probes[n]); err != nil {
			return err
		}
	}
	clear(ks.probes[:n])
	ks.probes = ks.probes[n:]
	// Keep the latest version at or below wm and all later ones.
	if keep := j.valid(ks, wm) - 1; keep > 0 {
		clear(ks.versions[:keep])
		ks.versions = ks.versions[keep:]
	}
	if len(ks.probes) == 0 && (len(ks.versions) == 0 || len(ks.versions) == 1 && ks.versions[0].kind.IsRetract()) {
		j.store.Delete(0, j.fkey) // nothing left that a later probe could see
		return nil
	}
	ks.timer = noTimer
	j.key = append(j.key[:0], j.fkey...)
	j.arm(ks)
	j.store.Put(0, j.fkey, ks)
	return nil
}

// valid returns 1 + the index of the latest version with time <= t (0 when
// none).
func (j *Join) valid(ks *keyState, t int64) int {
	i, found := slices.BinarySearchFunc(ks.versions, t, func(a version, t int64) int { return cmp.Compare(a.time, t) })
	if found {
		return i + 1
	}
	return i
}

// emit joins probe p with the version valid at its time.
func (j *Join) emit(ks *keyState, p probe) error {
	var right types.Row
	if i := j.valid(ks, p.time); i > 0 && !ks.versions[i-1].kind.IsRetract() {
		right = ks.versions[i-1].row
		if j.cond != nil {
			copy(j.join, p.row)
			copy(j.join[j.nl:], right)
			if v := j.cond(j.join); v.K != types.KindBool || v.I == 0 {
				right = nil
			}
		}
	}
	if right == nil {
		if !j.outer {
			return nil
		}
		right = j.nulls
	}
	r := j.output.Alloc(j.nl + j.nr)
	copy(r, p.row)
	copy(r[j.nl:], right)
	return j.output.Append(p.kind, r)
}

// Finish emits nothing: probe rows still buffered wait for a watermark that
// will not come (with bounded inputs the final EndOfTime watermark has
// joined them all before Finish).
func (j *Join) Finish() error { return j.output.Flush() }
func (j *Join) Close() error  { return nil }
