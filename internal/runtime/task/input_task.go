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

// runInput drives the chain from the task's inbox.
func (t *instance) runInput(ctx context.Context) error {
	inbox := t.j.inboxes[t.v][t.subtask]
	senders := make([]senderState, t.j.senders[t.v])
	for i := range senders {
		senders[i].wm = operator.NoWatermark
	}
	current := int64(operator.NoWatermark)
	left := len(senders)
	head := t.head()
	ticker := newProcTicker(t)
	var tick <-chan time.Time
	if ticker.active() {
		tk := time.NewTicker(50 * time.Millisecond)
		defer tk.Stop()
		tick = tk.C
	}
	idleOut := false
	for left > 0 {
		var m message
		select {
		case m = <-inbox:
		case <-tick:
			if err := ticker.tick(); err != nil {
				return err
			}
			if err := t.out.Flush(); err != nil {
				return err
			}
			continue
		case <-ctx.Done():
			return context.Cause(ctx)
		}
		s := &senders[m.from]
		switch m.kind {
		case msgData:
			// Judge lateness against the sender's watermark, or the
			// combined one if it ran ahead while the sender was idle.
			t.setInputWatermark(max(s.wm, current))
			err := guard(t.v.Name, func() error {
				if len(t.ops) == 0 {
					return head.Emit(m.batch)
				}
				return t.ops[0].Process(m.input, m.batch)
			})
			putBatch(m.batch)
			if err != nil {
				return err
			}
		case msgWatermark:
			s.wm = m.wm
		case msgIdle:
			s.idle = true
		case msgActive:
			s.idle = false
		case msgEnd:
			s.ended = true
			left--
		}
		if m.kind != msgData {
			wm, allIdle := combine(senders)
			if wm > current {
				current = wm
				if err := guard(t.v.Name, func() error { return head.EmitWatermark(wm) }); err != nil {
					return err
				}
			}
			if x, ok := t.out.(*exchangeOut); ok && allIdle != idleOut && left > 0 {
				idleOut = allIdle
				if err := x.setIdle(allIdle); err != nil {
					return err
				}
			}
		}
		if err := t.out.Flush(); err != nil {
			return err
		}
	}
	if err := t.finish(); err != nil {
		return err
	}
	return t.out.End()
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
	for _, op := range t.ops {
		if pt, ok := op.(operator.ProcTimeOperator); ok {
			p.ops = append(p.ops, pt)
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
