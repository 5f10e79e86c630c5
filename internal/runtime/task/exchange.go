package task

import (
	"context"
	"fmt"
	"math"
	"sort"
	"sync"

	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/types"
)

type msgKind uint8

const (
	msgData msgKind = iota
	msgWatermark
	msgIdle   // the sender is idle: leave it out of the watermark
	msgActive // the sender is active again
	msgEnd
	msgBarrier // checkpoint barrier
)

// message travels on a task's inbox.
type message struct {
	kind  msgKind
	from  int // sender number at the receiver
	input int // consumer operator input
	batch *types.Batch
	wm    int64
	bar   barrier
}

var batchPool = sync.Pool{New: func() any { return types.NewBatch(1024) }}

func getBatch() *types.Batch { return batchPool.Get().(*types.Batch) }

func putBatch(b *types.Batch) {
	b.Reset()
	batchPool.Put(b)
}

// exchangeOut partitions a task's output over the next vertex's instances.
type exchangeOut struct {
	ctx     context.Context
	targets []chan message
	edge    *Edge
	from    []int // our sender number at each target
	bufs    []*types.Batch
	keyBuf  []byte
	rr      int
	subtask int
}

func (j *Job) newOutput(ctx context.Context, t *instance) (taskOutput, error) {
	v := t.v
	if v.Sink != nil {
		return j.newSinkOutput(ctx, t)
	}
	if len(v.Branches) > 0 {
		return &fanOut{}, nil // branches linked once all instances exist
	}
	e := v.Output
	if e == nil {
		return nil, fmt.Errorf("vertex %s has neither a sink nor an output", v.Name)
	}
	inbox := j.inboxes[e.To]
	out := &exchangeOut{ctx: ctx, edge: e, subtask: t.subtask}
	// Our sender number: edges are numbered in the consumer's input order.
	offset := 0
	for _, in := range e.To.Inputs {
		if in == e {
			break
		}
		if in.Partitioning == Forward {
			offset++
		} else {
			offset += in.From.Parallelism
		}
	}
	if e.Partitioning == Forward {
		out.targets = []chan message{inbox[t.subtask]}
		out.from = []int{offset}
	} else {
		out.targets = inbox
		out.from = make([]int, len(inbox))
		for i := range out.from {
			out.from[i] = offset + t.subtask
		}
	}
	out.bufs = make([]*types.Batch, len(out.targets))
	return out, nil
}

func (o *exchangeOut) target(row types.Row) int {
	switch o.edge.Partitioning {
	case Hash:
		// Route by key group, so keyed state can be redistributed when the
		// parallelism changes (docs/design/state-and-checkpoints.md).
		o.keyBuf = types.AppendKey(o.keyBuf[:0], row, o.edge.Keys)
		g := state.KeyGroup(o.keyBuf, state.DefaultMaxParallelism)
		return state.SubtaskFor(state.DefaultMaxParallelism, len(o.targets), g)
	case Rebalance:
		o.rr++
		return o.rr % len(o.targets)
	}
	return 0
}

func (o *exchangeOut) Emit(b *types.Batch) error {
	for i, row := range b.Rows {
		t := o.target(row)
		buf := o.bufs[t]
		if buf == nil {
			buf = getBatch()
			o.bufs[t] = buf
		}
		buf.AppendCopy(b.Kinds[i], row)
		if buf.Len() >= 1024 {
			if err := o.sendData(t); err != nil {
				return err
			}
		}
	}
	return nil
}

func (o *exchangeOut) sendData(t int) error {
	b := o.bufs[t]
	o.bufs[t] = nil
	return o.send(t, message{kind: msgData, batch: b})
}

func (o *exchangeOut) send(t int, m message) error {
	m.from, m.input = o.from[t], o.edge.Input
	select {
	case o.targets[t] <- m:
		return nil
	case <-o.ctx.Done():
		if m.batch != nil {
			putBatch(m.batch)
		}
		return context.Cause(o.ctx)
	}
}

func (o *exchangeOut) Flush() error {
	for t, b := range o.bufs {
		if b != nil && b.Len() > 0 {
			if err := o.sendData(t); err != nil {
				return err
			}
		}
	}
	return nil
}

func (o *exchangeOut) broadcast(m message) error {
	for t := range o.targets {
		if err := o.send(t, m); err != nil {
			return err
		}
	}
	return nil
}

func (o *exchangeOut) EmitWatermark(wm int64) error {
	if err := o.Flush(); err != nil {
		return err
	}
	return o.broadcast(message{kind: msgWatermark, wm: wm})
}

// setIdle tells the receivers to leave this sender out of (or back in) the
// watermark.
func (o *exchangeOut) setIdle(idle bool) error {
	if err := o.Flush(); err != nil {
		return err
	}
	k := msgActive
	if idle {
		k = msgIdle
	}
	return o.broadcast(message{kind: k})
}

func (o *exchangeOut) End() error {
	if err := o.Flush(); err != nil {
		return err
	}
	return o.broadcast(message{kind: msgEnd})
}

// barrier sends checkpoint barrier b after every row before it.
func (o *exchangeOut) barrier(b barrier) error {
	if err := o.Flush(); err != nil {
		return err
	}
	return o.broadcast(message{kind: msgBarrier, bar: b})
}

func (o *exchangeOut) Close() error {
	for i, b := range o.bufs {
		if b != nil {
			putBatch(b)
			o.bufs[i] = nil
		}
	}
	return nil
}

// sinkOut writes a task's output to a connector writer or a collect channel.
type sinkOut struct {
	ctx     context.Context
	j       *Job
	w       connector.Writer
	collect chan<- Change
	table   string
	closed  bool
	// twoPhase is w when it commits with checkpoints; pending holds its
	// pre-committed checkpoints not yet known complete.
	twoPhase connector.TwoPhaseCommitWriter
	pending  map[int64][]byte
}

func (j *Job) newSinkOutput(ctx context.Context, t *instance) (taskOutput, error) {
	s := t.v.Sink
	out := &sinkOut{ctx: ctx, j: j, collect: s.Collect, table: s.Table, pending: map[int64][]byte{}}
	if s.Sink != nil {
		w, err := s.Sink.Open(ctx, t.subtask, t.v.Parallelism)
		if err != nil {
			return nil, fmt.Errorf("sink '%s': %w", s.Table, err)
		}
		out.w = w
		// A two-phase writer commits at checkpoints, and at the end of the
		// input in any case, so a job without checkpoints still delivers.
		if tp, ok := w.(connector.TwoPhaseCommitWriter); ok {
			out.twoPhase = tp
		}
		if tp, ok := w.(connector.TwoPhaseCommitWriter); ok && j.opts.Restore != nil {
			cs := j.restoredCommittables(s.Key, t.v.Parallelism, t.subtask)
			recover := tp.Recover
			if rr, ok := w.(connector.RescaledRecoverer); ok {
				if old := j.takenOverSubtasks(s.Key, t.v.Parallelism, t.subtask); old != nil {
					recover = func(cs [][]byte) error { return rr.RecoverRescaled(cs, old) }
				}
			}
			if err := recover(cs); err != nil {
				w.Close()
				return nil, fmt.Errorf("sink '%s': recovering transactions of %s: %w", s.Table, j.opts.Restore.Dir, err)
			}
		}
	}
	return out, nil
}

// preCommit prepares what was written since the last checkpoint and
// returns the committables to record in checkpoint id: its own and every
// earlier one not committed yet (a completed checkpoint whose notification
// the sink has not acted on), so recovering from id commits them all.
func (s *sinkOut) preCommit(id int64) ([][]byte, error) {
	if s.twoPhase == nil {
		return nil, nil
	}
	c, err := s.twoPhase.PreCommit(id)
	if err != nil {
		return nil, fmt.Errorf("sink '%s': pre-commit of checkpoint %d: %w", s.table, id, err)
	}
	s.pending[id] = c
	ids := make([]int64, 0, len(s.pending))
	for p := range s.pending {
		ids = append(ids, p)
	}
	sort.Slice(ids, func(a, b int) bool { return ids[a] < ids[b] })
	out := make([][]byte, len(ids))
	for i, p := range ids {
		out[i] = s.pending[p]
	}
	return out, nil
}

// commitUpTo commits every pre-committed checkpoint up to id, oldest
// first: id is complete, so all before it are too.
func (s *sinkOut) commitUpTo(id int64) error {
	ids := make([]int64, 0, len(s.pending))
	for p := range s.pending {
		if p <= id {
			ids = append(ids, p)
		}
	}
	sort.Slice(ids, func(a, b int) bool { return ids[a] < ids[b] })
	for _, p := range ids {
		if err := s.twoPhase.Commit(p, [][]byte{s.pending[p]}); err != nil {
			return fmt.Errorf("sink '%s': commit of checkpoint %d: %w", s.table, p, err)
		}
		delete(s.pending, p)
	}
	return nil
}

func (s *sinkOut) Emit(b *types.Batch) error {
	s.j.sinkRows.Add(int64(b.Len()))
	if s.w != nil {
		if err := s.w.Write(b); err != nil {
			return fmt.Errorf("sink '%s': %w", s.table, err)
		}
		return nil
	}
	for i, r := range b.Rows {
		select {
		case s.collect <- Change{Kind: b.Kinds[i], Row: r.Clone()}:
		case <-s.ctx.Done():
			return context.Cause(s.ctx)
		}
	}
	return nil
}

func (s *sinkOut) EmitWatermark(int64) error { return nil }
func (s *sinkOut) Flush() error              { return nil }

func (s *sinkOut) End() error {
	if s.twoPhase != nil {
		// The input is complete: what is pending and what was written
		// since the last checkpoint is final (Flink's final checkpoint).
		if _, err := s.preCommit(math.MaxInt64); err != nil {
			return err
		}
		if err := s.commitUpTo(math.MaxInt64); err != nil {
			return err
		}
	}
	if s.w != nil && !s.closed {
		s.closed = true
		if err := s.w.Close(); err != nil {
			return fmt.Errorf("sink '%s': %w", s.table, err)
		}
	}
	return nil
}

func (s *sinkOut) Close() error {
	if s.twoPhase != nil && !s.closed {
		// Stopped (cancelled or after a savepoint): commit what a completed
		// checkpoint covers, as Flink's stop-with-savepoint does. Best
		// effort: what fails here is committed on restore (Recover).
		_ = s.commitUpTo(s.j.lastCheckpoint.Load())
	}
	if s.w != nil && !s.closed {
		s.closed = true
		return s.w.Close()
	}
	return nil
}
