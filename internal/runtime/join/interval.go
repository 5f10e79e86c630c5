package join

import (
	"fmt"

	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/types"
)

// IntervalJoin is Flink's TimeIntervalJoin on event time: a left row l and
// a right row r join when their keys are equal, the condition holds and
//
//	l.t + Lower <= r.t <= l.t + Upper.
//
// Both inputs are append-only; so is the output (+I), with the time
// attributes of both sides passed through. Each side's rows are buffered
// per join key with their cleanup time: a left row can meet no future right
// row once the watermark reaches l.t + Upper (every right row still to come
// is later than the watermark), a right row none once it reaches
// r.t - Lower. A row probes the other side's buffer when it arrives; when
// the watermark reaches a row's cleanup time the row is dropped and, on an
// outer side, emitted NULL-padded if it never matched.
//
// A row whose time is at or before its sender's watermark
// (Context.InputWatermark) is late: dropped and counted (Flink would still
// join it with what its buffers hold, which depends on timing; dropping
// keeps results the same at any parallelism). Rows with a NULL key match
// nothing; on an outer side they are emitted NULL-padded at their cleanup
// time, on an inner side dropped at once.
type IntervalJoin struct {
	joiner
	keys         [2][]int
	timeCol      [2]int
	timeName     [2]string
	lower, upper int64
	outer        [2]bool

	sides  [2]*rowStore
	timers *state.Timers
	key    []byte
	tkey   []byte
}

var (
	_ operator.Operator         = (*IntervalJoin)(nil)
	_ operator.SnapshotPreparer = (*IntervalJoin)(nil)
)

func newInterval(x *plan.Join, j joiner) (*IntervalJoin, error) {
	iv := x.Interval
	switch {
	case iv == nil:
		return nil, fmt.Errorf("IntervalJoin: no interval bounds in the plan")
	case x.Kind == plan.SemiJoin || x.Kind == plan.AntiJoin:
		return nil, fmt.Errorf("IntervalJoin: %s is not supported (INNER, LEFT, RIGHT and FULL are); plan it as a regular join", x.Kind)
	case iv.Lower > iv.Upper:
		return nil, fmt.Errorf("IntervalJoin: lower bound %d ns is above upper bound %d ns", iv.Lower, iv.Upper)
	case iv.LeftTime < 0 || iv.LeftTime >= j.nl || iv.RightTime < 0 || iv.RightTime >= j.nr:
		return nil, fmt.Errorf("IntervalJoin: time column out of range (left %d of %d, right %d of %d)", iv.LeftTime, j.nl, iv.RightTime, j.nr)
	}
	if err := appendOnly(x); err != nil {
		return nil, err
	}
	return &IntervalJoin{
		joiner:   j,
		keys:     [2][]int{x.LeftKeys, x.RightKeys},
		timeCol:  [2]int{iv.LeftTime, iv.RightTime},
		timeName: [2]string{x.Left.Schema().Fields[iv.LeftTime].Name, x.Right.Schema().Fields[iv.RightTime].Name},
		lower:    iv.Lower,
		upper:    iv.Upper,
		outer:    [2]bool{x.Kind.LeftOuter(), x.Kind.RightOuter()},
	}, nil
}

func (v *IntervalJoin) Open(ctx *operator.Context, out operator.Output) error {
	v.joiner.open(ctx, out)
	for side, name := range [2]string{"interval-join-left", "interval-join-right"} {
		s, err := openRowStore(ctx.State, name)
		if err != nil {
			return fmt.Errorf("%s: %w", ctx.Name, err)
		}
		v.sides[side] = s
	}
	t, err := openTimers(ctx.State, "interval-join-cleanup", "interval-join-timers", v.sides)
	if err != nil {
		return fmt.Errorf("%s: %w", ctx.Name, err)
	}
	v.timers = t
	return nil
}

// PrepareSnapshot has nothing to write back: rows live in their stores and
// cleanup timers are in their store or rebuilt from the buckets on Open.
func (v *IntervalJoin) PrepareSnapshot() error { return nil }

func (v *IntervalJoin) Process(input int, b *types.Batch) error {
	if input != 0 && input != 1 {
		return fmt.Errorf("%s: input %d of a two-input join", v.ctx.Name, input)
	}
	v.CountIn(b.Len())
	for i, row := range b.Rows {
		if k := b.Kinds[i]; k != types.Insert && k != types.UpdateAfter {
			return fmt.Errorf("%s: %w, got %s on the %s input", v.ctx.Name, ErrUpdatingInput, k, [...]string{"left", "right"}[input])
		}
		if err := v.processRow(input, row); err != nil {
			return fmt.Errorf("%s: %w", v.ctx.Name, err)
		}
		if v.joiner.err != nil {
			break
		}
	}
	if v.ctx.Metrics != nil {
		v.ctx.Metrics.StateSize.Store(int64(v.sides[0].st.Len() + v.sides[1].st.Len()))
	}
	return v.done()
}

// within reports whether left time lt and right time rt are in the
// interval.
func (v *IntervalJoin) within(lt, rt int64) bool {
	return lt+v.lower <= rt && rt <= lt+v.upper
}

func (v *IntervalJoin) processRow(s int, row types.Row) error {
	t, err := timeOf(row, v.timeCol[s], v.timeName[s])
	if err != nil {
		return err
	}
	if t <= v.ctx.InputWatermark() {
		v.Late()
		return nil
	}
	o := 1 - s
	var matched int64
	if hasNull(row, v.keys[s]) {
		if !v.outer[s] {
			return nil // matches nothing, emitted never
		}
		v.key = types.AppendKey(v.key[:0], row, v.keys[s])
	} else {
		v.key = types.AppendKey(v.key[:0], row, v.keys[s])
		if ob, ok := v.sides[o].st.Get(0, v.key); ok {
			changed := false
			for i := range ob.rows {
				e := &ob.rows[i]
				ot := e.row[v.timeCol[o]].I
				l, r, lt, rt := row, e.row, t, ot
				if s == 1 {
					l, r, lt, rt = e.row, row, ot, t
				}
				if !v.within(lt, rt) || !v.matches(l, r) {
					continue
				}
				v.emit(types.Insert, l, r)
				matched++
				if v.outer[o] && e.assoc == 0 {
					e.assoc, changed = 1, true
				}
			}
			if changed {
				v.sides[o].st.Put(0, v.key, ob)
			}
		}
	}
	// Buffer the row until no row of the other side can match it.
	cleanup := t + v.upper
	if s == 1 {
		cleanup = t - v.lower
	}
	rs := v.sides[s]
	b, ok := rs.st.Get(0, v.key)
	if !ok {
		b = newBucket()
	}
	b.rows = append(b.rows, entry{row: rs.clone(row), count: 1, assoc: min(matched, 1), time: cleanup})
	if b.timer == noTimer || cleanup < b.timer {
		b.timer = cleanup
		v.timers.Register(cleanup, v.key)
	}
	rs.st.Put(0, v.key, b)
	return nil
}

// cleanup handles the timer at of key on one side: it drops the bucket's
// rows the watermark has passed, emitting the never-matched ones of an
// outer side, and re-arms the timer for the rows kept. A bucket whose
// timer is not at (the other side's, or re-armed since) is left alone.
func (v *IntervalJoin) cleanup(side int, key []byte, at, wm int64) {
	st := v.sides[side].st
	b, found := st.Get(0, key)
	if !found || b.timer != at {
		return
	}
	kept := b.rows[:0]
	next := noTimer
	for _, e := range b.rows {
		if e.time > wm {
			kept = append(kept, e)
			if next == noTimer || e.time < next {
				next = e.time
			}
			continue
		}
		if v.outer[side] && e.assoc == 0 {
			v.emitSide(types.Insert, side, e.row)
		}
	}
	clear(b.rows[len(kept):])
	b.rows = kept
	if len(kept) == 0 {
		st.Delete(0, key)
		return
	}
	b.timer = next
	st.Put(0, key, b)
	v.timers.Register(next, key)
}

// Watermark drops the rows that can no longer match, emitting the
// never-matched rows of outer sides NULL-padded, then forwards wm.
func (v *IntervalJoin) Watermark(wm int64) error {
	for {
		at, k, ok := v.timers.Peek()
		if !ok || at > wm {
			break
		}
		v.tkey = append(v.tkey[:0], k...)
		v.timers.Pop()
		for side := range v.sides {
			v.cleanup(side, v.tkey, at, wm)
		}
	}
	if err := v.done(); err != nil {
		return err
	}
	return v.Emitter.Watermark(wm)
}

// Finish flushes: the final watermark (operator.EndOfTime) has emptied the
// buffers of a bounded input.
func (v *IntervalJoin) Finish() error { return v.done() }
func (v *IntervalJoin) Close() error  { return nil }
