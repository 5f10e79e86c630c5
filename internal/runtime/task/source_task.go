package task

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/sql/functions"
	"github.com/sluicehq/sluice/internal/types"
)

const msNanos = int64(1e6)

// floorMs truncates to whole milliseconds, as Flink's watermarks are.
func floorMs(ns int64) int64 {
	if ns >= 0 {
		return ns - ns%msNanos
	}
	return ns - (msNanos+ns%msNanos)%msNanos
}

// wmStage assigns watermarks per split between the operators that compute
// a source's columns (Pre) and the rest of the chain. See the package doc of
// runtime/operator and docs/design/engine.md "Time".
type wmStage struct {
	next     operator.Output
	eval     functions.Eval // nil: the source has no watermark
	interval int64
	split    []int64 // candidate watermark per split
	done     []bool
	idle     []bool
	waiting  []bool // not started yet (sequential sources)
	cur      int
	emitted  int64
	sub      *types.Batch
}

func newWMStage(next operator.Output, eval functions.Eval, interval int64, splits int) *wmStage {
	s := &wmStage{next: next, eval: eval, interval: interval, emitted: operator.NoWatermark,
		split: make([]int64, splits), done: make([]bool, splits), idle: make([]bool, splits),
		waiting: make([]bool, splits), sub: types.NewBatch(1024)}
	for i := range s.split {
		s.split[i] = operator.NoWatermark
	}
	return s
}

// addSplit makes room for a split discovered while running; it has no
// watermark yet, so it holds the watermark back until it has rows (or is
// idle), as a new Kafka partition does in Flink.
func (s *wmStage) addSplit() {
	s.split = append(s.split, operator.NoWatermark)
	s.done = append(s.done, false)
	s.idle = append(s.idle, false)
	s.waiting = append(s.waiting, false)
}

// combined is the minimum over splits that are neither done, idle nor
// waiting to start;
// EndOfTime when there are none left (all done) and NoWatermark when all
// remaining ones are idle.
func (s *wmStage) combined() int64 {
	min := int64(operator.EndOfTime)
	any := false
	for i, w := range s.split {
		if s.done[i] || s.idle[i] || s.waiting[i] {
			continue
		}
		any = true
		if w < min {
			min = w
		}
	}
	if !any {
		return operator.NoWatermark
	}
	return min
}

func (s *wmStage) due(c int64) bool {
	return c > s.emitted && (s.emitted == operator.NoWatermark || c-s.emitted > s.interval)
}

func (s *wmStage) Emit(b *types.Batch) error {
	if s.eval == nil {
		return s.next.Emit(b)
	}
	sub := s.sub
	sub.Rows, sub.Kinds = sub.Rows[:0], sub.Kinds[:0]
	single := len(s.split) == 1
	for i, row := range b.Rows {
		if v := s.eval(row); v.K != types.KindNull {
			if w := floorMs(v.I); w > s.split[s.cur] {
				s.split[s.cur] = w
			}
		}
		sub.Append(b.Kinds[i], row)
		c := s.split[0]
		if !single {
			c = s.combined()
		}
		if s.due(c) {
			if err := s.next.Emit(sub); err != nil {
				return err
			}
			sub.Rows, sub.Kinds = sub.Rows[:0], sub.Kinds[:0]
			s.emitted = c
			if err := s.next.EmitWatermark(c); err != nil {
				return err
			}
		}
	}
	if sub.Len() > 0 {
		return s.next.Emit(sub)
	}
	return nil
}

func (s *wmStage) EmitWatermark(int64) error { return nil } // sources make their own

// catchUp emits the current watermark if it advanced at all: the source
// has read everything available, so waiting for the interval gains nothing.
func (s *wmStage) catchUp() error {
	if s.eval == nil {
		return nil
	}
	if c := s.combined(); c > s.emitted && c != operator.EndOfTime {
		s.emitted = c
		return s.next.EmitWatermark(c)
	}
	return nil
}

type splitReader struct {
	split      connector.Split
	r          connector.Reader
	lastRows   int64 // processing time of the last row
	skipped    int64
	restoredWM int64
}

func (t *instance) runSource(ctx context.Context) error {
	j, src := t.j, t.v.Source
	splits := j.splits[t.v]
	saved, err := j.restoredSourceSplits(src)
	if err != nil {
		return err
	}
	var mine []*splitReader
	for i, s := range splits {
		if i%t.v.Parallelism != t.subtask {
			continue
		}
		sv, restored := saved[s.ID()]
		if restored && sv.Done {
			t.doneSplits = append(t.doneSplits, sv) // finished before the checkpoint
			continue
		}
		r, err := openSplit(ctx, src, s, sv, restored)
		if err != nil {
			return fmt.Errorf("source '%s': opening %s: %w", src.Table, s.ID(), err)
		}
		defer r.Close()
		sr := &splitReader{split: s, r: r, lastRows: j.opts.Now(), restoredWM: operator.NoWatermark}
		if restored {
			sr.restoredWM = sv.Watermark
		}
		mine = append(mine, sr)
	}
	pre, preNames, err := t.buildPre()
	if err != nil {
		return err
	}
	var eval functions.Eval
	if src.Watermark != nil {
		if eval, err = operator.Compile(src.Watermark.Expr); err != nil {
			return fmt.Errorf("source '%s': watermark: %w", src.Table, err)
		}
	}
	wm := newWMStage(t.head(), eval, int64(j.opts.AutoWatermarkInterval), len(mine))
	for i, sr := range mine {
		wm.split[i] = sr.restoredWM
	}
	entry, err := openPre(pre, preNames, wm, t)
	if err != nil {
		return err
	}
	if err := t.readSplits(ctx, mine, entry, wm); err != nil {
		return err
	}
	// Every split is done: the final watermark fires every window.
	if err := guard(t.v.Name, func() error { return t.head().EmitWatermark(operator.EndOfTime) }); err != nil {
		return err
	}
	for i, op := range pre {
		if err := guard(preNames[i], op.Finish); err != nil {
			return err
		}
	}
	if err := t.finish(); err != nil {
		return err
	}
	if err := t.out.End(); err != nil {
		return err
	}
	t.finished(t.splitSnapshots(mine, wm))
	return nil
}

// openSplit opens a split, at its restored position when the source can
// resume; a source that cannot starts the split over.
func openSplit(ctx context.Context, src *SourceSpec, s connector.Split, sv SplitSnapshot, restored bool) (connector.Reader, error) {
	if restored && sv.Position != nil {
		if rs, ok := src.Source.(connector.ResumableSource); ok {
			return rs.OpenAt(ctx, s, sv.Position)
		}
	}
	return src.Source.Open(ctx, s)
}

// splitSnapshots records the task's splits for a checkpoint: positions of
// readers that can report them, per-split watermarks, and finished splits.
func (t *instance) splitSnapshots(mine []*splitReader, wm *wmStage) []SplitSnapshot {
	out := append([]SplitSnapshot(nil), t.doneSplits...)
	for i, sr := range mine {
		sp := SplitSnapshot{Source: t.v.Source.Key, ID: sr.split.ID(), Watermark: wm.split[i], Done: wm.done[i]}
		if cr, ok := sr.r.(connector.CheckpointedReader); ok && !wm.done[i] {
			if pos, err := cr.Position(); err == nil {
				sp.Position = pos
			}
		}
		out = append(out, sp)
	}
	return aliasSplits(t.v.Source, out)
}

// readSplits reads the task's splits round robin until all are done.
func (t *instance) readSplits(ctx context.Context, mine []*splitReader, entry operator.Output, wm *wmStage) error {
	j, src := t.j, t.v.Source
	b := types.NewBatch(j.opts.BatchSize)
	left := len(mine)
	taskIdle := false
	// A sequential source reads its splits in order, one at a time.
	seq, _ := src.Source.(connector.SequentialSource)
	sequential := seq != nil && seq.SequentialSplits()
	for i := range mine {
		wm.waiting[i] = sequential && i > 0
	}
	ticker := newProcTicker(t)
	n0 := len(mine)
	defer func() { // readers of discovered splits
		for _, sr := range mine[n0:] {
			sr.r.Close()
		}
	}()
	// An unbounded source that discovers splits keeps its task running
	// (idle) while it has none.
	ds, _ := src.Source.(connector.DynamicSource)
	dynamic := ds != nil && ds.DiscoveryInterval() > 0 && !src.Source.Bounded()
	for left > 0 || dynamic {
		if err := ctx.Err(); err != nil {
			return context.Cause(ctx)
		}
		if left == 0 {
			if err := t.waitForSplits(ctx, &taskIdle); err != nil {
				return err
			}
		}
		caughtUp := false
		for i, sr := range mine {
			if wm.done[i] || wm.waiting[i] {
				continue
			}
			if err := ctx.Err(); err != nil {
				return context.Cause(ctx)
			}
			b.Reset()
			// A reader may evaluate expressions (VALUES rows): an
			// evaluator's panic fails the job rather than the process.
			var err error
			if perr := guard(t.v.Name, func() error {
				err = sr.r.Read(ctx, b, j.opts.BatchSize)
				return nil
			}); perr != nil {
				return perr
			}
			n := b.Len()
			if n > 0 {
				j.sourceRows.Add(int64(n))
				sr.lastRows = j.opts.Now()
				if wm.idle[i] {
					wm.idle[i] = false
				}
				wm.cur = i
				if ferr := guard(t.v.Name, func() error { return entry.Emit(b) }); ferr != nil {
					return ferr
				}
			}
			if lr, ok := sr.r.(connector.LagReporter); ok {
				j.lags.Store(splitLagKey{src.Key, sr.split.ID()}, lr.Lag())
			}
			if sc, ok := sr.r.(connector.SkipCounter); ok {
				s := sc.Skipped()
				j.skipped.Add(s - sr.skipped)
				sr.skipped = s
			}
			switch {
			case errors.Is(err, io.EOF):
				wm.done[i] = true
				left--
				caughtUp = true
				if sequential && i+1 < len(mine) {
					wm.waiting[i+1] = false
				}
			case err != nil:
				if errors.Is(err, context.Canceled) {
					return context.Cause(ctx)
				}
				var bad *connector.BadRecordError
				if errors.As(err, &bad) {
					return err // it names the table, file and line already
				}
				return fmt.Errorf("source '%s', split %s: %w", src.Table, sr.split.ID(), err)
			case n < j.opts.BatchSize:
				caughtUp = true
				if j.opts.IdleTimeout > 0 && j.opts.Now()-sr.lastRows > int64(j.opts.IdleTimeout) {
					wm.idle[i] = true
				}
			}
		}
		if caughtUp {
			if err := guard(t.v.Name, wm.catchUp); err != nil {
				return err
			}
		}
		if err := t.updateIdle(wm, &taskIdle); err != nil {
			return err
		}
		if err := ticker.tick(); err != nil {
			return err
		}
		if err := t.out.Flush(); err != nil {
			return err
		}
		if err := t.pollControl(mine, wm); err != nil {
			return err
		}
		added, err := t.takeNewSplits(ctx, wm)
		if err != nil {
			return err
		}
		mine = append(mine, added...)
		left += len(added)
	}
	return nil
}

// pollControl takes a pending checkpoint trigger (between two reads, so
// positions and state describe the same cut) and a pending commit
// notification for a chained sink.
func (t *instance) pollControl(mine []*splitReader, wm *wmStage) error {
	select {
	case b := <-t.ctrl:
		if err := t.checkpoint(b, t.splitSnapshots(mine, wm)); err != nil {
			return err
		}
	default:
	}
	return t.pollNotify()
}

// waitForSplits idles a task without splits until discovery hands it one
// (or a checkpoint trigger or a commit notification arrives), telling
// downstream not to wait for its watermark.
func (t *instance) waitForSplits(ctx context.Context, taskIdle *bool) error {
	if !*taskIdle {
		*taskIdle = true
		if x, ok := t.out.(idler); ok {
			if err := x.setIdle(true); err != nil {
				return err
			}
		}
	}
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-time.After(50 * time.Millisecond):
		return nil
	}
}

// takeNewSplits opens the splits partition discovery handed this task.
func (t *instance) takeNewSplits(ctx context.Context, wm *wmStage) ([]*splitReader, error) {
	var added []*splitReader
	for {
		select {
		case s := <-t.newSplits:
			r, err := t.v.Source.Source.Open(ctx, s)
			if err != nil {
				return nil, fmt.Errorf("source '%s': opening discovered split %s: %w", t.v.Source.Table, s.ID(), err)
			}
			wm.addSplit()
			added = append(added, &splitReader{split: s, r: r, lastRows: t.j.opts.Now(), restoredWM: operator.NoWatermark})
		default:
			return added, nil
		}
	}
}

// pollNotify commits what a completed checkpoint covers, if one arrived
// (for the task's sink, or its branches' sinks).
func (t *instance) pollNotify() error {
	select {
	case id := <-t.notify:
		if err := t.out.(*sinkOut).commitUpTo(id); err != nil {
			return err
		}
	default:
	}
	if f, ok := t.out.(*fanOut); ok {
		for _, br := range f.branches {
			if err := br.pollNotify(); err != nil {
				return err
			}
		}
	}
	return nil
}

// updateIdle tells downstream when every remaining split is idle.
func (t *instance) updateIdle(wm *wmStage, taskIdle *bool) error {
	allIdle := false
	for i := range wm.idle {
		if wm.done[i] {
			continue
		}
		allIdle = wm.idle[i]
		if !allIdle {
			break
		}
	}
	if allIdle == *taskIdle {
		return nil
	}
	*taskIdle = allIdle
	if x, ok := t.out.(idler); ok {
		return x.setIdle(allIdle)
	}
	return nil
}

// buildPre instantiates the source's Pre operators.
func (t *instance) buildPre() ([]operator.Operator, []string, error) {
	var ops []operator.Operator
	var names []string
	for _, spec := range t.v.Source.Pre {
		op, err := spec.New()
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", spec.Name, err)
		}
		ops = append(ops, op)
		names = append(names, spec.Name)
	}
	return ops, names, nil
}

// openPre links the Pre operators in front of the watermark stage and
// returns what the reader feeds.
func openPre(pre []operator.Operator, names []string, wm *wmStage, t *instance) (operator.Output, error) {
	var next operator.Output = wm
	for i := len(pre) - 1; i >= 0; i-- {
		ctx := &operator.Context{Name: names[i], Subtask: t.subtask, Parallelism: t.v.Parallelism, Metrics: operator.NewMetrics(), Now: t.j.opts.Now}
		if err := pre[i].Open(ctx, next); err != nil {
			return nil, err
		}
		next = &link{op: pre[i]}
	}
	return next, nil
}
