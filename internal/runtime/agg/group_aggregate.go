package agg

import (
	"fmt"

	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/types"
)

// GroupAggregate is the non-windowed GROUP BY operator, emitting Flink's
// changelog without mini-batch (GroupAggFunction with generateUpdateBefore):
//
//   - the first row of a group: +I[key, results];
//   - a later row: -U[key, previous] and +U[key, results] if the results
//     changed, nothing if they did not;
//   - a retraction that empties the group (its row count reaches 0):
//     -D[key, previous], and the group's state is removed;
//   - a retraction for a group that does not exist: ignored.
//
// With state TTL (Context.StateTTL, 'table.exec.state.ttl') a group not
// updated for the TTL (processing time, Context.Now) is dropped without
// output, as Flink's idle state retention (StateTTL OnCreateAndWrite,
// NeverReturnExpired): a later row for its key starts a new group with +I,
// a retraction for it is ignored. As in Flink's GroupAggFunction, a row
// that leaves the results unchanged still emits -U/+U when TTL is on, so
// downstream state sees the key as updated. Expiry uses one timer per group
// refreshed lazily: the timer holds the expiry armed when the group was
// created or last re-armed; on firing, a group updated since is re-armed
// for its new expiry instead of dropped. A group past its expiry whose
// timer has not fired yet is treated as absent when read.
//
// With GroupOptions.MiniBatchSize (mini-batch) it buffers its input per key
// and applies each key's rows once per bundle (bundle.go), emitting one
// change per key per bundle. With GroupOptions.Global it is the global half
// of a two-phase aggregation: its input rows are [keys..., accumulators]
// from LocalGroupAggregate, merged into the key's state.
type GroupAggregate struct {
	n       *plan.Aggregate
	opts    GroupOptions
	aggs    *Aggs
	retract bool
	nk, na  int
	keys    []int // key columns of the input rows: n.Keys, or 0..nk-1 for Global
	bundle  *bundle

	ctx    *operator.Context
	out    operator.Emitter
	store  state.Store[*group]
	ttl    int64         // state TTL in ns, 0 for none
	timers *state.Timers // TTL expiry timers, nil without TTL
	key    []byte
	cur    []types.Value // results after the current row
	err    error
}

// group is one group's state: accumulators and the results last emitted;
// with TTL, the processing time of its last update and the expiry its timer
// is armed for.
type group struct {
	Accs
	prev    []types.Value
	touched int64
	timer   int64
}

var (
	_ operator.Operator         = (*GroupAggregate)(nil)
	_ operator.SnapshotPreparer = (*GroupAggregate)(nil)
)

// GroupOptions configure GroupAggregate and LocalGroupAggregate.
type GroupOptions struct {
	// MiniBatchSize > 0 enables mini-batch ('table.exec.mini-batch.size'):
	// a bundle ends after this many input rows.
	MiniBatchSize int
	// MiniBatchLatency ('table.exec.mini-batch.allow-latency', ns) ends a
	// bundle this long after its first row, in processing time; 0: only
	// size, watermarks, checkpoints and the end of input end bundles.
	MiniBatchLatency int64
	// Global makes a GroupAggregate the global half of a two-phase
	// aggregation (input: LocalGroupAggregate's partial accumulators).
	Global bool
}

// NewGroupAggregate returns the operator for n. Compilation errors (an
// aggregate over a type it does not accept) are reported by Open.
func NewGroupAggregate(n *plan.Aggregate) operator.Operator {
	return NewGroupAggregateWith(n, GroupOptions{})
}

// NewGroupAggregateWith is NewGroupAggregate with mini-batch or as the
// global half of a two-phase aggregation.
func NewGroupAggregateWith(n *plan.Aggregate, o GroupOptions) operator.Operator {
	retract := n.Input.Mode() == plan.Updates
	g := &GroupAggregate{n: n, opts: o, retract: retract, nk: len(n.Keys), na: len(n.Aggs), keys: n.Keys}
	g.aggs, g.err = Compile(n.Aggs, n.Input.Schema(), retract)
	if o.Global {
		if retract {
			g.err = fmt.Errorf("a global aggregate needs an append-only input below its local aggregate")
		}
		g.keys = make([]int, g.nk)
		for i := range g.keys {
			g.keys[i] = i
		}
	}
	if o.MiniBatchSize > 0 {
		g.bundle = newBundle(o.MiniBatchSize, o.MiniBatchLatency)
	}
	return g
}

func (g *GroupAggregate) Open(ctx *operator.Context, out operator.Output) error {
	if g.err != nil {
		return fmt.Errorf("%s: %w", ctx.Name, g.err)
	}
	st, err := state.NewStore[*group](ctx.State, "group-agg", groupCodec{g.aggs})
	if err != nil {
		return err
	}
	g.ctx, g.store = ctx, st
	g.out.Open(ctx, out)
	g.cur = make([]types.Value, g.na)
	if ctx.StateTTL > 0 {
		if ctx.Now == nil {
			return fmt.Errorf("%s: state TTL needs a processing-time clock", ctx.Name)
		}
		g.ttl = int64(ctx.StateTTL)
		if err := g.openTimers(); err != nil {
			return err
		}
	}
	return nil
}

// openTimers creates the TTL timers: in memory for the heap backend,
// rebuilt from the groups (so restored state gets its timers back), or in
// the "group-agg-ttl" store for byte backends, where they were kept.
func (g *GroupAggregate) openTimers() error {
	t, err := state.NewTimers(g.ctx.State, "group-agg-ttl")
	if err != nil {
		return err
	}
	g.timers = t
	if t.InMemory() {
		g.store.Range(0, func(k []byte, st *group) bool {
			t.Register(st.timer, k)
			return true
		})
	}
	return nil
}

// PrepareSnapshot ends the mini-batch bundle (so the checkpoint holds no
// buffered rows); otherwise nothing to write back: groups live in the store
// and TTL timers are either in their store or rebuilt from the groups on
// Open.
func (g *GroupAggregate) PrepareSnapshot() error { return g.finishBundle() }

// expire drops the groups whose TTL has passed by now and re-arms the
// timers of groups updated since their timer was set.
func (g *GroupAggregate) expire(now int64) {
	for {
		at, key, ok := g.timers.Peek()
		if !ok || at > now {
			return
		}
		g.timers.Pop()
		st, found := g.store.Get(0, key)
		if !found || st.timer != at {
			continue // the group was dropped or re-created since
		}
		if exp := st.touched + g.ttl; exp > now {
			st.timer = exp
			g.store.Put(0, key, st)
			g.timers.Register(exp, key)
			continue
		}
		g.store.Delete(0, key)
	}
}

func (g *GroupAggregate) Process(_ int, b *types.Batch) error {
	if g.bundle != nil {
		return g.processBundled(b)
	}
	var now int64
	if g.ttl > 0 {
		now = g.ctx.Now()
		g.expire(now)
	}
	for i, row := range b.Rows {
		g.processRow(b.Kinds[i], row, now)
		if g.err != nil {
			return g.err
		}
	}
	g.out.CountIn(b.Len())
	if g.ctx.Metrics != nil {
		g.ctx.Metrics.StateSize.Store(int64(g.store.Len()))
	}
	return g.out.Flush()
}

func (g *GroupAggregate) processRow(kind types.RowKind, row types.Row, now int64) {
	g.key = types.AppendKey(g.key[:0], row, g.keys)
	if g.err != nil {
		return
	}
	st, ok := g.store.Get(0, g.key)
	if ok && g.ttl > 0 && st.touched+g.ttl <= now {
		g.store.Delete(0, g.key) // expired; its timer finds nothing
		ok = false
	}
	if kind.IsRetract() {
		if !ok {
			return // Flink ignores a retraction for an unknown group
		}
		g.aggs.Retract(&st.Accs, row)
		if st.Rows <= 0 {
			g.emit(types.Delete, row, st.prev)
			g.store.Delete(0, g.key)
			return
		}
	} else {
		if !ok {
			st = &group{prev: make([]types.Value, g.na)}
			g.aggs.Init(&st.Accs)
			if g.ttl > 0 {
				st.timer = now + g.ttl
				g.timers.Register(st.timer, g.key)
			}
		}
		if err := g.add(&st.Accs, row); err != nil {
			g.err = err
			return
		}
	}
	st.touched = now
	g.aggs.Results(&st.Accs, g.cur)
	switch {
	case !ok:
		g.emit(types.Insert, row, g.cur)
	case g.ttl > 0 || !sameValues(st.prev, g.cur):
		g.emit(types.UpdateBefore, row, st.prev)
		g.emit(types.UpdateAfter, row, g.cur)
	}
	copy(st.prev, g.cur)
	g.store.Put(0, g.key, st)
}

// add accumulates an input row, or merges a partial accumulator (Global).
func (g *GroupAggregate) add(s *Accs, row types.Row) error {
	if !g.opts.Global {
		g.aggs.Accumulate(s, row)
		return nil
	}
	part, err := PartialAccs(row[g.nk])
	if err != nil {
		return fmt.Errorf("%s: %w", g.ctx.Name, err)
	}
	g.aggs.Merge(s, part)
	return nil
}

// emit appends kind[key columns of row, results]; a failed pass-on of a
// full batch is kept in g.err.
func (g *GroupAggregate) emit(kind types.RowKind, row types.Row, results []types.Value) {
	r := g.out.Alloc(g.nk + g.na)
	for j, c := range g.keys {
		r[j] = row[c]
	}
	copy(r[g.nk:], results)
	if err := g.out.Append(kind, r); err != nil && g.err == nil {
		g.err = err
	}
}

func sameValues(a, b []types.Value) bool {
	for i := range a {
		if !types.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

func (g *GroupAggregate) Watermark(wm int64) error {
	if err := g.finishBundle(); err != nil {
		return err
	}
	if g.ttl > 0 {
		g.expire(g.ctx.Now())
	}
	return g.out.Watermark(wm)
}

func (g *GroupAggregate) Finish() error {
	if err := g.finishBundle(); err != nil {
		return err
	}
	return g.out.Flush()
}
func (g *GroupAggregate) Close() error { return nil }
