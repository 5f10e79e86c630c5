package task

import (
	"context"
	"time"

	"github.com/sluicehq/sluice/internal/runtime/operator"
)

func (t *instance) run(ctx context.Context) error {
	defer t.closeAll()
	if err := t.open(); err != nil {
		return err
	}
	if t.v.Source != nil {
		return t.runSource(ctx)
	}
	return t.runInput(ctx)
}

// senderState is what a receiver knows about one sender.
type senderState struct {
	wm    int64
	idle  bool
	ended bool
}

// inputState is a receiving task's view of its senders.
type inputState struct {
	t       *instance
	senders []senderState
	current int64
	left    int
	idleOut bool
	// Checkpoint alignment: while aligning bar, messages from senders
	// that delivered it are held until every running sender has.
	aligning bool
	bar      barrier
	blocked  []bool
	held     [][]message
}

// runInput drives the chain from the task's inbox.
func (t *instance) runInput(ctx context.Context) error {
	inbox := t.j.inboxes[t.v][t.subtask]
	n := t.j.senders[t.v]
	st := &inputState{t: t, senders: make([]senderState, n), current: operator.NoWatermark, left: n,
		blocked: make([]bool, n), held: make([][]message, n)}
	for i := range st.senders {
		st.senders[i].wm = operator.NoWatermark
	}
	ticker := newProcTicker(t)
	var tick <-chan time.Time
	if ticker.active() {
		tk := time.NewTicker(50 * time.Millisecond)
		defer tk.Stop()
		tick = tk.C
	}
	for st.left > 0 {
		select {
		case m := <-inbox:
			if err := st.handle(m); err != nil {
				return err
			}
		case <-tick:
			if err := ticker.tick(); err != nil {
				return err
			}
		case id := <-t.notify:
			if err := t.out.(*sinkOut).commitUpTo(id); err != nil {
				return err
			}
		case <-ctx.Done():
			return context.Cause(ctx)
		}
		if err := t.out.Flush(); err != nil {
			return err
		}
	}
	if err := t.finish(); err != nil {
		return err
	}
	if err := t.out.End(); err != nil {
		return err
	}
	t.finished(nil)
	return nil
}

// handle processes one message from a sender.
func (st *inputState) handle(m message) error {
	t := st.t
	if st.aligning && st.blocked[m.from] {
		st.held[m.from] = append(st.held[m.from], m)
		return nil
	}
	s := &st.senders[m.from]
	switch m.kind {
	case msgData:
		// Judge lateness against the sender's watermark, or the combined
		// one if it ran ahead while the sender was idle.
		t.setInputWatermark(max(s.wm, st.current))
		err := guard(t.v.Name, func() error {
			if len(t.ops) == 0 {
				return t.head().Emit(m.batch)
			}
			return t.ops[0].Process(m.input, m.batch)
		})
		putBatch(m.batch)
		return err
	case msgBarrier:
		if st.aligning && m.bar.id != st.bar.id {
			// A newer checkpoint while an older (aborted) one aligns:
			// give up the older one first.
			if err := st.release(); err != nil {
				return err
			}
		}
		if !st.aligning {
			st.aligning, st.bar = true, m.bar
		}
		st.blocked[m.from] = true
		return st.tryAlign()
	case msgWatermark:
		s.wm = m.wm
	case msgIdle:
		s.idle = true
	case msgActive:
		s.idle = false
	case msgEnd:
		s.ended = true
		st.left--
		if st.aligning {
			if err := st.tryAlign(); err != nil {
				return err
			}
		}
	}
	return st.advance()
}

// advance forwards a new combined watermark and idleness.
func (st *inputState) advance() error {
	t := st.t
	wm, allIdle := combine(st.senders)
	if wm > st.current {
		st.current = wm
		if err := guard(t.v.Name, func() error { return t.head().EmitWatermark(wm) }); err != nil {
			return err
		}
	}
	if x, ok := t.out.(*exchangeOut); ok && allIdle != st.idleOut && st.left > 0 {
		st.idleOut = allIdle
		return x.setIdle(allIdle)
	}
	return nil
}

// tryAlign completes the checkpoint once every running sender has
// delivered its barrier: snapshot, pass the barrier on, then take the held
// messages in order.
func (st *inputState) tryAlign() error {
	for i, s := range st.senders {
		if !s.ended && !st.blocked[i] {
			return nil
		}
	}
	if err := st.t.checkpoint(st.bar, nil); err != nil {
		return err
	}
	return st.release()
}

// release ends the alignment and replays the held messages.
func (st *inputState) release() error {
	st.aligning = false
	held := st.held
	st.held = make([][]message, len(held))
	for i := range st.blocked {
		st.blocked[i] = false
	}
	for _, ms := range held {
		for k, m := range ms {
			if err := st.handle(m); err != nil {
				return err
			}
			if st.aligning && st.blocked[m.from] {
				// A later barrier blocked the sender again: hold the rest.
				st.held[m.from] = append(st.held[m.from], ms[k+1:]...)
				break
			}
		}
	}
	return nil
}

// combine is the minimum watermark over active senders, and whether every
// sender still running is idle.
func combine(ss []senderState) (int64, bool) {
	min := int64(operator.EndOfTime)
	active, running := 0, 0
	for _, s := range ss {
		if s.ended {
			continue
		}
		running++
		if s.idle {
			continue
		}
		active++
		if s.wm < min {
			min = s.wm
		}
	}
	if active == 0 {
		return operator.NoWatermark, running > 0
	}
	return min, false
}

// procTicker drives processing-time operators.
type procTicker struct {
	t    *instance
	ops  []operator.ProcTimeOperator
	last int64
}

func newProcTicker(t *instance) *procTicker {
	p := &procTicker{t: t}
	ts := []*instance{t}
	if f, ok := t.out.(*fanOut); ok {
		ts = append(ts, f.branches...)
	}
	for _, t := range ts {
		for _, op := range t.ops {
			if pt, ok := op.(operator.ProcTimeOperator); ok {
				p.ops = append(p.ops, pt)
			}
		}
	}
	return p
}

func (p *procTicker) active() bool { return len(p.ops) > 0 }

func (p *procTicker) tick() error {
	if len(p.ops) == 0 {
		return nil
	}
	now := p.t.j.opts.Now()
	if now-p.last < int64(50*time.Millisecond) {
		return nil
	}
	p.last = now
	for _, op := range p.ops {
		if err := guard(p.t.v.Name, func() error { return op.OnProcTime(now) }); err != nil {
			return err
		}
	}
	return nil
}
