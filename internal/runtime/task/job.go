package task

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log"
	"os"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/sql/functions"
	pebblestate "github.com/sluicehq/sluice/internal/state/pebble"
	"github.com/sluicehq/sluice/internal/types"
)

// Options tune a job run.
type Options struct {
	// AutoWatermarkInterval: a source emits its watermark once it has
	// advanced by more than this since the last one it emitted
	// ('pipeline.auto-watermark-interval'; the engine passes its 200 ms
	// default). Zero means every advance is emitted, so it is not defaulted.
	AutoWatermarkInterval time.Duration
	// IdleTimeout marks a split idle after this long without rows
	// ('table.exec.source.idle-timeout'; 0 = never).
	IdleTimeout time.Duration
	// BatchSize is the number of rows a source reads at a time (1024).
	BatchSize int
	// ChannelCapacity is the number of batches buffered per task input.
	ChannelCapacity int
	// Now is the processing-time clock (time.Now by default).
	Now func() int64
	// Checkpoint, when set, enables checkpoints.
	Checkpoint *CheckpointOptions
	// Restore, when set, starts the job from a checkpoint or savepoint.
	Restore *Restore
	// StateTTL is 'table.exec.state.ttl' for non-windowed stateful
	// operators (0: keep state forever).
	StateTTL time.Duration
	// Warn reports a problem the job survives (a failed partition
	// discovery); nil writes it to the standard logger.
	Warn func(msg string)
	// StateBackend is 'hashmap' (default) or 'pebble'.
	StateBackend string
	// PebbleDir is where the job's Pebble database lives (scratch; the
	// checkpoints are the durable copy); PebbleMemory bounds its memory.
	PebbleDir    string
	PebbleMemory int64
}

// Restore is a checkpoint or savepoint to start from.
type Restore struct {
	Dir  string
	Meta *Metadata
	// IgnoreUnclaimed lets a job start when the checkpoint holds state of
	// operators it does not have ('execution.savepoint.ignore-unclaimed-state').
	IgnoreUnclaimed bool
	// Restored, when set, is called once every operator instance has its
	// restored state (before any task runs), with the time that took.
	Restored func(took time.Duration)
	// Settled, when set, is called once the restored state needs no more
	// background work (a fast Pebble restore: key filters built, the
	// checkpoint's files copied into the local directory), with the time
	// since the restore began and what the work took; not called when the
	// job ends first, nor when no restore left such work.
	Settled func(took time.Duration, work pebblestate.Settled)
}

func (o *Options) defaults() {
	if o.BatchSize <= 0 {
		o.BatchSize = 1024
	}
	if o.ChannelCapacity <= 0 {
		o.ChannelCapacity = 16
	}
	if o.Now == nil {
		o.Now = func() int64 { return time.Now().UnixNano() }
	}
	if o.Warn == nil {
		o.Warn = func(msg string) { log.Print(msg) }
	}
}

// Job is a graph being run.
type Job struct {
	g    *Graph
	opts Options

	inboxes map[*Vertex][]chan message
	senders map[*Vertex]int               // number of senders into each vertex instance
	splits  map[*Vertex][]connector.Split // each source's splits, listed once

	sourceRows  atomic.Int64
	sinkRows    atomic.Int64
	lateDropped atomic.Int64
	skipped     atomic.Int64
	watermark   atomic.Int64 // minimum of the sink tasks' watermarks
	metrics     []opMetrics
	mu          sync.Mutex

	lags                 sync.Map // splitLagKey → int64, from readers that report lag
	discoveryFailures    sync.Map // source key → *atomic.Int64
	pebble               *pebblestate.DB
	coord                *coordinator
	savepoints           chan savepointRequest
	claimed              map[uint64]bool
	checkpointsCompleted atomic.Int64
	checkpointFailures   atomic.Int64
	lastCheckpoint       atomic.Int64
	lastCheckpointNanos  atomic.Int64
	lastCheckpointBytes  atomic.Int64
}

// Stats is a snapshot of a running job's counters.
type Stats struct {
	SourceRows  int64 // rows read from sources
	SinkRows    int64 // changes written to sinks
	LateDropped int64 // rows dropped as late by window operators
	Skipped     int64 // bad records skipped by sources
	Watermark   int64 // the sinks' combined watermark (operator.NoWatermark before any)
	// Checkpoints completed and failed, and the id of the last completed.
	Checkpoints, CheckpointFailures, LastCheckpoint int64
	// The last completed checkpoint's duration (trigger to complete) and
	// size on disk.
	CheckpointDuration time.Duration
	CheckpointBytes    int64
}

// NewJob prepares g for running.
func NewJob(g *Graph, opts Options) *Job {
	opts.defaults()
	j := &Job{g: g, opts: opts, inboxes: map[*Vertex][]chan message{}, senders: map[*Vertex]int{},
		splits: map[*Vertex][]connector.Split{}, claimed: map[uint64]bool{}, savepoints: make(chan savepointRequest)}
	j.watermark.Store(operator.NoWatermark)
	for _, v := range g.Vertices {
		if v.Source != nil || isBranch(v) {
			continue
		}
		chans := make([]chan message, v.Parallelism)
		for i := range chans {
			chans[i] = make(chan message, opts.ChannelCapacity)
		}
		j.inboxes[v] = chans
		n := 0
		for _, e := range v.Inputs {
			if e.Partitioning == Forward {
				n++
			} else {
				n += e.From.Parallelism
			}
		}
		j.senders[v] = n
	}
	return j
}

// Stats returns the current counters.
func (j *Job) Stats() Stats {
	j.mu.Lock()
	var late int64
	for _, om := range j.metrics {
		late += om.m.LateDropped.Load()
	}
	j.mu.Unlock()
	return Stats{
		SourceRows:  j.sourceRows.Load(),
		SinkRows:    j.sinkRows.Load(),
		LateDropped: late,
		Skipped:     j.skipped.Load(),
		Watermark:   j.watermark.Load(),

		Checkpoints:        j.checkpointsCompleted.Load(),
		CheckpointFailures: j.checkpointFailures.Load(),
		LastCheckpoint:     j.lastCheckpoint.Load(),
		CheckpointDuration: time.Duration(j.lastCheckpointNanos.Load()),
		CheckpointBytes:    j.lastCheckpointBytes.Load(),
	}
}

// opMetrics is an operator instance's counters with its labels.
type opMetrics struct {
	vertex, name string
	subtask      int
	m            *operator.Metrics
}

// OperatorStats is one operator instance's counters.
type OperatorStats struct {
	Vertex, Operator string
	Subtask          int
	RowsIn, RowsOut  int64
	LateDropped      int64
	Watermark        int64 // operator.NoWatermark before any
	StateEntries     int64 // where the operator tracks it
}

type splitLagKey struct{ source, split string }

// SplitLag is how far a source split is behind the end of its input
// (records; Kafka consumer lag).
type SplitLag struct {
	Source, Split string
	Lag           int64
}

// SplitLags returns the lag of every split whose reader reports one.
func (j *Job) SplitLags() []SplitLag {
	var out []SplitLag
	j.lags.Range(func(k, v any) bool {
		key := k.(splitLagKey)
		if lag := v.(int64); lag >= 0 {
			out = append(out, SplitLag{Source: key.source, Split: key.split, Lag: lag})
		}
		return true
	})
	sort.Slice(out, func(a, b int) bool {
		if out[a].Source != out[b].Source {
			return out[a].Source < out[b].Source
		}
		return out[a].Split < out[b].Split
	})
	return out
}

// SourceCount is a per-source counter.
type SourceCount struct {
	Source string
	Count  int64
}

// DiscoveryFailures returns, per source that discovers splits and has
// failed to, how many of its discoveries failed.
func (j *Job) DiscoveryFailures() []SourceCount {
	var out []SourceCount
	j.discoveryFailures.Range(func(k, v any) bool {
		out = append(out, SourceCount{Source: k.(string), Count: v.(*atomic.Int64).Load()})
		return true
	})
	sort.Slice(out, func(a, b int) bool { return out[a].Source < out[b].Source })
	return out
}

// OperatorStats returns every operator instance's counters.
func (j *Job) OperatorStats() []OperatorStats {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make([]OperatorStats, len(j.metrics))
	for i, om := range j.metrics {
		out[i] = OperatorStats{Vertex: om.vertex, Operator: om.name, Subtask: om.subtask,
			RowsIn: om.m.RowsIn.Load(), RowsOut: om.m.RowsOut.Load(), LateDropped: om.m.LateDropped.Load(),
			Watermark: om.m.Watermark.Load(), StateEntries: om.m.StateSize.Load()}
	}
	return out
}

// Savepoint takes a savepoint into dir (which must not exist) and waits
// for it. It needs checkpointing to be configured (a directory for the
// coordinator's work) and a running job.
func (j *Job) Savepoint(ctx context.Context, dir string) error {
	if j.coord == nil {
		return errors.New("savepoints need checkpointing: set 'state.checkpoints.dir'")
	}
	if _, err := os.Stat(dir); err == nil {
		return fmt.Errorf("savepoint directory %s already exists", dir)
	}
	req := savepointRequest{dir: dir, done: make(chan error, 1)}
	select {
	case j.savepoints <- req:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Run runs the job until every sink has finished, ctx is cancelled or a
// task fails. It returns the first failure, or ctx's error on cancellation.
func (j *Job) Run(ctx context.Context) error {
	for _, v := range j.g.Vertices {
		if v.Source == nil {
			continue
		}
		splits, err := j.sourceSplits(v)
		if err != nil {
			return fmt.Errorf("source '%s': %w", v.Source.Table, err)
		}
		j.splits[v] = splits
	}
	if j.opts.StateBackend == "pebble" {
		closeDB, err := j.openPebble()
		if err != nil {
			return err
		}
		defer closeDB()
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg, tasks sync.WaitGroup
	// The sink instances' watermarks; the job's is their minimum, updated
	// under the lock so that a slower update cannot overwrite a newer one.
	var sinkMu sync.Mutex
	sinkWM := map[string]int64{}
	for _, v := range j.g.Vertices {
		if v.Sink != nil {
			for i := 0; i < v.Parallelism; i++ {
				sinkWM[fmt.Sprintf("%d/%d", v.ID, i)] = operator.NoWatermark
			}
		}
	}
	var instances []*instance
	restoreStart := time.Now()
	for _, v := range j.g.Vertices {
		for i := 0; i < v.Parallelism; i++ {
			t, err := j.newInstance(ctx, v, i)
			if err != nil {
				for _, o := range instances {
					o.closeAll()
				}
				return err
			}
			instances = append(instances, t)
		}
	}
	err := j.checkSharedSources()
	if err == nil {
		err = j.checkClaims()
	}
	if err != nil {
		for _, o := range instances {
			o.closeAll()
		}
		return err
	}
	if r := j.opts.Restore; r != nil && r.Restored != nil {
		r.Restored(time.Since(restoreStart))
	}
	if r := j.opts.Restore; r != nil && r.Settled != nil && j.pebble != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if work, err := j.pebble.WaitRestored(ctx); err == nil && work.Restores > 0 {
				r.Settled(time.Since(restoreStart), work)
			}
		}()
	}
	linkBranches(instances)
	if j.opts.Checkpoint != nil {
		j.startCoordinator(ctx, instances, &wg)
	}
	j.startDiscovery(ctx, instances, &wg, cancel)
	for _, t := range instances {
		{
			v, i := t.v, t.subtask
			if v.Sink != nil {
				key := fmt.Sprintf("%d/%d", v.ID, i)
				t.onWatermark = func(wm int64) {
					sinkMu.Lock()
					defer sinkMu.Unlock()
					sinkWM[key] = wm
					low := int64(operator.EndOfTime)
					for _, w := range sinkWM {
						low = min(low, w)
					}
					j.watermark.Store(low)
				}
			}
			if isBranch(v) {
				continue // run by its source's task
			}
			tasks.Add(1)
			go func() {
				defer tasks.Done()
				if err := t.run(ctx); err != nil && !errors.Is(err, context.Canceled) {
					cancel(err)
				}
			}()
		}
	}
	tasks.Wait()
	err = context.Cause(ctx)
	if err == nil {
		cancel(errJobDone) // stops the coordinator
	}
	wg.Wait()
	if err == nil && j.opts.Checkpoint != nil {
		// A finished job's checkpoints would only replay its tail on a
		// later --resume: they are deleted, as Flink deletes a finished
		// job's checkpoints (a cancelled or failed job keeps them).
		os.RemoveAll(j.opts.Checkpoint.Dir)
	}
	return err
}

// openPebble opens the job's Pebble database in a fresh directory and
// returns how to close and remove it.
func (j *Job) openPebble() (func(), error) {
	base := j.opts.PebbleDir
	if base == "" {
		base = os.TempDir()
	}
	if err := os.MkdirAll(base, 0o755); err != nil {
		return nil, fmt.Errorf("state.backend.pebble.local-dir: %w", err)
	}
	dir, err := os.MkdirTemp(base, "sluice-pebble-")
	if err != nil {
		return nil, fmt.Errorf("state.backend.pebble.local-dir: %w", err)
	}
	db, err := pebblestate.Open(pebblestate.Options{Dir: dir, Memory: j.opts.PebbleMemory})
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("opening the pebble state backend in %s: %w", dir, err)
	}
	j.pebble = db
	return func() { db.Close(); os.RemoveAll(dir) }, nil
}

// errJobDone ends the job's context once every task has finished.
var errJobDone = errors.New("job finished")

// checkClaims refuses a restore whose state no operator takes, unless told
// to ignore it.
func (j *Job) checkClaims() error {
	if j.opts.Restore == nil || j.opts.Restore.IgnoreUnclaimed {
		return nil
	}
	un := j.unclaimed()
	if len(un) == 0 {
		return nil
	}
	var b strings.Builder
	for _, op := range un {
		fmt.Fprintf(&b, "\n  %s (uid %016x): %s", op.Name, op.UID, op.Describe)
	}
	return fmt.Errorf("%s holds state that no operator of this job can take:%s\nthe script's stateful operators changed; set 'execution.savepoint.ignore-unclaimed-state' = 'true' to start without that state",
		j.opts.Restore.Dir, b.String())
}

// startDiscovery runs split discovery for every dynamic source: one
// goroutine per source asks for new splits at its interval and gives each
// to the task its split ID hashes to.
func (j *Job) startDiscovery(ctx context.Context, instances []*instance, wg *sync.WaitGroup, fail func(error)) {
	tasks := map[*Vertex][]*instance{}
	for _, t := range instances {
		if t.v.Source != nil {
			t.newSplits = make(chan connector.Split, 64)
			tasks[t.v] = append(tasks[t.v], t)
		}
	}
	for v, ts := range tasks {
		ds, ok := v.Source.Source.(connector.DynamicSource)
		if !ok || ds.DiscoveryInterval() <= 0 || v.Source.Source.Bounded() {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			tick := time.NewTicker(ds.DiscoveryInterval())
			defer tick.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
				splits, err := ds.NewSplits(ctx)
				if err != nil {
					if ctx.Err() != nil {
						return
					}
					if !j.discoveryFailed(v.Source, ds, err, fail) {
						return
					}
					continue
				}
				for _, s := range splits {
					h := fnv.New32a()
					h.Write([]byte(s.ID()))
					select {
					case ts[int(h.Sum32())%len(ts)].newSplits <- s:
					case <-ctx.Done():
						return
					}
				}
			}
		}()
	}
}

// discoveryFailed counts and reports a failed split discovery of source s
// and fails the job when the source says retrying is pointless
// (connector.ErrDiscoveryFailed), returning whether discovery goes on.
func (j *Job) discoveryFailed(s *SourceSpec, ds connector.DynamicSource, err error, fail func(error)) bool {
	c, _ := j.discoveryFailures.LoadOrStore(s.Key, new(atomic.Int64))
	n := c.(*atomic.Int64).Add(1)
	if errors.Is(err, connector.ErrDiscoveryFailed) {
		fail(fmt.Errorf("source '%s': %w", s.Table, err))
		return false
	}
	j.opts.Warn(fmt.Sprintf("source '%s': %v (%d failed discoveries; next in %s)", s.Table, err, n, ds.DiscoveryInterval()))
	return true
}

// startCoordinator wires control channels into the instances and starts
// the checkpoint coordinator.
func (j *Job) startCoordinator(ctx context.Context, instances []*instance, wg *sync.WaitGroup) {
	opts := *j.opts.Checkpoint
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Minute
	}
	c := &coordinator{j: j, opts: opts, acks: make(chan ack, len(instances)), total: len(instances),
		finished: map[string]TaskSnapshot{}}
	if r := j.opts.Restore; r != nil {
		c.next = r.Meta.ID // ids keep growing across restores
	}
	c.prepareDir()
	for _, t := range instances {
		if t.v.Source != nil {
			t.ctrl = make(chan barrier, 1)
			c.sources = append(c.sources, sourceCtrl{key: taskKey(vertexKey(t.v), t.subtask), ch: t.ctrl})
		}
		if so, ok := t.out.(*sinkOut); ok && so.twoPhase != nil {
			t.notify = make(chan int64, 1)
			c.sinks = append(c.sinks, t.notify)
		}
	}
	j.coord = c
	wg.Add(1)
	go func() {
		defer wg.Done()
		c.run(ctx, j.savepoints)
	}()
}

// instance is one parallel task of a vertex.
type instance struct {
	j       *Job
	v       *Vertex
	subtask int
	ops     []operator.Operator
	ctxs    []*operator.Context
	names   []string
	out     taskOutput
	// onWatermark observes the watermarks reaching a sink.
	onWatermark func(int64)
	// ctrl delivers checkpoint triggers to a source task; notify delivers
	// completed checkpoint ids to a sink task with a two-phase writer.
	ctrl   chan barrier
	notify chan int64
	// doneSplits are splits a restored checkpoint had finished.
	doneSplits []SplitSnapshot
	// newSplits delivers splits discovered while running to a source task.
	newSplits chan connector.Split
}

// taskOutput is where a chain's last operator writes.
type taskOutput interface {
	operator.Output
	// Flush sends buffered rows.
	Flush() error
	// End flushes and signals the end of the stream.
	End() error
	// Close releases resources after the task stops.
	Close() error
}

func (j *Job) newInstance(ctx context.Context, v *Vertex, subtask int) (*instance, error) {
	t := &instance{j: j, v: v, subtask: subtask}
	specs := v.Ops
	for _, spec := range specs {
		op, err := spec.New()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", spec.Name, err)
		}
		m := operator.NewMetrics()
		j.mu.Lock()
		j.metrics = append(j.metrics, opMetrics{vertex: vertexKey(v), name: spec.Name, subtask: subtask, m: m})
		j.mu.Unlock()
		t.ops = append(t.ops, op)
		t.names = append(t.names, spec.Name)
		st, err := j.restoredState(spec, v.Parallelism, subtask)
		if err != nil {
			return nil, err
		}
		t.ctxs = append(t.ctxs, &operator.Context{
			Name: spec.Name, Subtask: subtask, Parallelism: v.Parallelism, UID: spec.UID,
			State: st, Metrics: m, Now: j.opts.Now, StateTTL: j.opts.StateTTL,
		})
	}
	out, err := j.newOutput(ctx, t)
	if err != nil {
		return nil, err
	}
	t.out = out
	return t, nil
}

// open opens the chain, last operator first, linking each to the next.
func (t *instance) open() error {
	var next operator.Output = t.out
	if t.onWatermark != nil {
		next = &watermarkTap{Output: next, fn: t.onWatermark}
	}
	for i := len(t.ops) - 1; i >= 0; i-- {
		if err := t.ops[i].Open(t.ctxs[i], next); err != nil {
			return fmt.Errorf("%s: %w", t.names[i], err)
		}
		next = &link{op: t.ops[i]}
	}
	if f, ok := t.out.(*fanOut); ok {
		return f.open()
	}
	return nil
}

// head is what the task feeds: the first operator, or the output itself
// for an empty chain.
func (t *instance) head() operator.Output {
	if len(t.ops) == 0 {
		if t.onWatermark != nil {
			return &watermarkTap{Output: t.out, fn: t.onWatermark}
		}
		return t.out
	}
	return &link{op: t.ops[0]}
}

func (t *instance) closeAll() {
	for i, op := range t.ops {
		op.Close()
		t.ctxs[i].State.Close()
	}
	t.out.Close()
}

func (t *instance) setInputWatermark(wm int64) {
	for _, c := range t.ctxs {
		c.SetInputWatermark(wm)
	}
}

// finish tells the operators, in order, that the input has ended.
func (t *instance) finish() error {
	for i, op := range t.ops {
		if err := guard(t.names[i], op.Finish); err != nil {
			return err
		}
	}
	return nil
}

// link feeds an operator as the previous operator's output.
type link struct{ op operator.Operator }

func (l *link) Emit(b *types.Batch) error    { return l.op.Process(0, b) }
func (l *link) EmitWatermark(wm int64) error { return l.op.Watermark(wm) }

type watermarkTap struct {
	operator.Output
	fn func(int64)
}

func (w *watermarkTap) EmitWatermark(wm int64) error {
	w.fn(wm)
	return w.Output.EmitWatermark(wm)
}

// guard runs fn, turning an evaluator's panic into an error naming where it
// happened. Any other panic is a bug: it is reported with its stack.
func guard(where string, fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			var ee *functions.EvalError
			if e, ok := r.(error); ok && errors.As(e, &ee) {
				err = fmt.Errorf("%s: %w", where, ee)
				return
			}
			err = fmt.Errorf("%s: internal error (please report): %v\n%s", where, r, debug.Stack())
		}
	}()
	return fn()
}
