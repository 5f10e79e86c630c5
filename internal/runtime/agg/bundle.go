package agg

import (
	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/types"
)

// Mini-batch ('table.exec.mini-batch.*', Flink's MiniBatchGroupAggFunction):
// GroupAggregate buffers its input per key, in order of first arrival, and
// applies a key's rows together when the bundle ends, emitting at most one
// change per key per bundle (+I, -U/+U, or -D) instead of one per row. A
// bundle ends after MiniBatchSize rows, MiniBatchLatency after its first
// row (processing time, OnProcTime), at a watermark, before a checkpoint
// (PrepareSnapshot) and at Finish, so buffered rows never outlive a
// checkpoint and the final results equal the per-row operator's.

// bundle holds the rows of one mini-batch, copied, per key.
type bundle struct {
	size    int
	latency int64
	rows    int   // rows buffered
	started int64 // processing time of the first row, 0 when empty
	order   []*bundleKey
	byKey   map[string]*bundleKey
}

type bundleKey struct {
	key   string
	kinds []types.RowKind
	rows  []types.Row
}

func newBundle(size int, latency int64) *bundle {
	return &bundle{size: size, latency: latency, byKey: map[string]*bundleKey{}}
}

var _ operator.ProcTimeOperator = (*GroupAggregate)(nil)

// processBundled buffers b and ends the bundle when it is full.
func (g *GroupAggregate) processBundled(b *types.Batch) error {
	bu := g.bundle
	if bu.rows == 0 && len(b.Rows) > 0 && g.ctx.Now != nil {
		bu.started = g.ctx.Now()
	}
	for i, row := range b.Rows {
		g.key = types.AppendKey(g.key[:0], row, g.keys)
		e := bu.byKey[string(g.key)]
		if e == nil {
			e = &bundleKey{key: string(g.key)}
			bu.byKey[e.key] = e
			bu.order = append(bu.order, e)
		}
		e.kinds = append(e.kinds, b.Kinds[i])
		e.rows = append(e.rows, row.Clone())
		bu.rows++
		if bu.rows >= bu.size {
			if err := g.finishBundle(); err != nil {
				return err
			}
		}
	}
	g.out.CountIn(b.Len())
	return nil
}

// OnProcTime ends the bundle once it is older than the allowed latency.
func (g *GroupAggregate) OnProcTime(now int64) error {
	bu := g.bundle
	if bu == nil || bu.rows == 0 || bu.latency <= 0 || now-bu.started < bu.latency {
		return nil
	}
	return g.finishBundle()
}

// finishBundle applies the buffered rows key by key and emits the changes.
func (g *GroupAggregate) finishBundle() error {
	bu := g.bundle
	if bu == nil || bu.rows == 0 {
		return nil
	}
	var now int64
	if g.ttl > 0 {
		now = g.ctx.Now()
		g.expire(now)
	}
	for _, e := range bu.order {
		if err := g.applyKey(e, now); err != nil {
			return err
		}
		if g.err != nil {
			return g.err
		}
	}
	clear(bu.byKey)
	clear(bu.order)
	bu.order, bu.rows, bu.started = bu.order[:0], 0, 0
	if g.ctx.Metrics != nil {
		g.ctx.Metrics.StateSize.Store(int64(g.store.Len()))
	}
	return g.out.Flush()
}

// applyKey applies one key's buffered rows, as Flink's mini-batch group
// aggregate: retractions before the key has a group are dropped; the group
// is emitted once, compared with what was emitted before the bundle, and
// deleted (-D) if its row count ends at 0.
func (g *GroupAggregate) applyKey(e *bundleKey, now int64) error {
	key := []byte(e.key)
	st, existed := g.store.Get(0, key)
	if existed && g.ttl > 0 && st.touched+g.ttl <= now {
		g.store.Delete(0, key)
		existed = false
	}
	kinds, rows := e.kinds, e.rows
	if !existed {
		for len(kinds) > 0 && kinds[0].IsRetract() {
			kinds, rows = kinds[1:], rows[1:]
		}
		if len(rows) == 0 {
			return nil
		}
		st = &group{prev: make([]types.Value, g.na)}
		g.aggs.Init(&st.Accs)
		if g.ttl > 0 {
			st.timer = now + g.ttl
			g.timers.Register(st.timer, key)
		}
	}
	for i, row := range rows {
		if kinds[i].IsRetract() {
			g.aggs.Retract(&st.Accs, row)
			continue
		}
		if err := g.add(&st.Accs, row); err != nil {
			return err
		}
	}
	row := rows[0]
	if st.Rows <= 0 {
		if existed {
			g.emit(types.Delete, row, st.prev)
		}
		g.store.Delete(0, key)
		return nil
	}
	st.touched = now
	g.aggs.Results(&st.Accs, g.cur)
	switch {
	case !existed:
		g.emit(types.Insert, row, g.cur)
	case g.ttl > 0 || !sameValues(st.prev, g.cur):
		g.emit(types.UpdateBefore, row, st.prev)
		g.emit(types.UpdateAfter, row, g.cur)
	}
	copy(st.prev, g.cur)
	g.store.Put(0, key, st)
	return nil
}
