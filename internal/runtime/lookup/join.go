package lookup

import (
	"context"
	"fmt"
	"time"

	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/sql/functions"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

// Join is the lookup join operator: each input row joined with the rows of
// a dimension table looked up by key at processing time.
type Join struct {
	x        *plan.LookupJoin
	async    Async
	left     bool // LEFT join: unmatched rows NULL-padded
	cond     functions.Eval
	nIn      int
	nTable   int
	ctx      *operator.Context
	out      operator.Emitter
	now      func() int64
	set      settings                 // interpreted by New
	failover *connector.CreateContext // the secondary backend's, nil without a failover pair
	sources  []connector.LookupSource

	fetch   *fetcher
	partial *partialCache
	full    *fullCache

	// Asynchronous requests (dispatch.go): the dispatcher's workers send
	// the missing keys and put the answered requests on disp.done; the task
	// goroutine (Process, Watermark, OnProcTime, PrepareSnapshot, Finish)
	// receives them and emits from queue.
	runCtx   context.Context
	cancel   context.CancelFunc
	disp     *dispatcher
	inflight int // wanted keys not answered yet
	queue    []*entry
	err      error // sticky: the job has failed

	lat latencyHist // per-record latency, for Stats

	keyBuf []byte
	hits   [][]types.Row // scratch: per row of the batch, its rows when known
	known  []bool
}

var (
	_ operator.Operator         = (*Join)(nil)
	_ operator.SnapshotPreparer = (*Join)(nil)
	_ operator.ProcTimeOperator = (*Join)(nil)
)

// entry is one input batch waiting for lookups, or a watermark (isWM) that
// waits for the entries before it.
type entry struct {
	isWM    bool
	wm      int64
	arrived time.Time   // when the batch entered Process
	rows    []types.Row // copies
	kinds   []types.RowKind
	res     [][]types.Row // per row: its table rows, when known at Process
	miss    []string      // per row: the key awaiting a request ("" when res holds the answer)
	found   map[string][]types.Row
	pending int // distinct keys not answered yet
}

// New builds the lookup join operator for x.
func New(x *plan.LookupJoin, async Async) (operator.Operator, error) {
	if x.Kind != plan.InnerJoin && x.Kind != plan.LeftJoin {
		return nil, fmt.Errorf("lookup join on table '%s': join kind %s is not supported (INNER or LEFT)", x.Table.Name, x.Kind)
	}
	if x.Table.Connector == nil || x.Table.Connector.NewLookup == nil {
		name := "<none>"
		if x.Table.Connector != nil {
			name = x.Table.Connector.Name
		}
		return nil, fmt.Errorf("lookup join on table '%s': connector '%s' cannot be looked up (use a lookup connector such as jdbc or redis)", x.Table.Name, name)
	}
	if len(x.TableKeys) == 0 || len(x.TableKeys) != len(x.InputKeys) {
		return nil, fmt.Errorf("lookup join on table '%s': %d table keys for %d input keys", x.Table.Name, len(x.TableKeys), len(x.InputKeys))
	}
	if async.Capacity <= 0 {
		async.Capacity = DefaultAsync.Capacity
	}
	if async.Timeout <= 0 {
		async.Timeout = DefaultAsync.Timeout
	}
	j := &Join{x: x, async: async, left: x.Kind == plan.LeftJoin,
		nIn: x.Input.Schema().Len(), nTable: x.Table.PhysicalSchema().Len()}
	// Interpret the options now, so that the planner, which builds one
	// operator to check it, reports them before the job starts; Open
	// uses them.
	if t := x.Table; t.Resolved.Options != nil {
		set, err := parseSettings(t.Name, t.Resolved.Options, t.Connector.LookupFullCacheOnly)
		if err != nil {
			return nil, err
		}
		j.set = set
		if hasFailover(t.Options) {
			cc, err := failoverContext(t)
			if err != nil {
				return nil, err
			}
			j.failover = &cc
		}
	}
	if x.Cond != nil {
		c, err := operator.Compile(x.Cond)
		if err != nil {
			return nil, fmt.Errorf("lookup join on table '%s': condition %s: %w", x.Table.Name, x.Cond, err)
		}
		j.cond = c
	}
	return j, nil
}

// FullCache reports whether the table is cached whole (a FULL cache, set
// or implied by a LookupFullCacheOnly connector), as New interpreted the
// options: the planner then shards the cache by hashing the input on the
// lookup keys.
func (j *Join) FullCache() bool { return j.set.cache == cacheFull }

// Open creates the lookup source(s) and the cache; a FULL cache is loaded
// before Open returns.
func (j *Join) Open(ctx *operator.Context, out operator.Output) error {
	j.ctx = ctx
	j.out.Open(ctx, out)
	j.now = ctx.Now
	if j.now == nil {
		j.now = func() int64 { return time.Now().UnixNano() }
	}
	t := j.x.Table
	if t.Resolved.Options == nil {
		return fmt.Errorf("lookup join on table '%s': the table's options were not resolved", t.Name)
	}
	set := j.set
	j.runCtx, j.cancel = context.WithCancel(context.Background())
	j.disp = newDispatcher(j.runCtx, j.async.requests(), set.batchSize, j.async.Capacity, j.runRequest)

	src, err := t.Connector.NewLookup(connector.LookupContext{CreateContext: t.Resolved, Keys: j.x.TableKeys})
	if err != nil {
		return fmt.Errorf("lookup join on table '%s': %w", t.Name, err)
	}
	j.sources = append(j.sources, src)
	j.fetch = &fetcher{table: t.Name, connector: t.Connector.Name, maxRetries: set.maxRetries, timeout: j.async.Timeout,
		backoff: 10 * time.Millisecond, maxBackoff: time.Second, width: j.nTable, now: j.now}
	j.fetch.backends = append(j.fetch.backends, j.newBackend("primary", src))
	if j.failover != nil {
		src2, err := t.Connector.NewLookup(connector.LookupContext{CreateContext: *j.failover, Keys: j.x.TableKeys})
		if err != nil {
			return fmt.Errorf("lookup join on table '%s': the failover backend: %w", t.Name, err)
		}
		j.sources = append(j.sources, src2)
		j.fetch.backends = append(j.fetch.backends, j.newBackend("secondary", src2))
		j.fetch.shift = &shifter{threshold: set.latencyThreshold, step: int64(time.Second), stepFrac: 0.25, horizon: int64(5 * time.Second)}
	}

	switch set.cache {
	case cachePartial:
		j.partial = newPartialCache(set.maxRows, set.expireAfterWrite, set.expireAfterAcc, set.cacheMissing, j.now)
	case cacheFull:
		if err := j.openFull(); err != nil {
			return err
		}
	}
	j.reportCacheSize()
	return nil
}

// reportCacheSize publishes the cache's size as the operator's state size
// (rows of the FULL cache's shard, keys of the PARTIAL cache).
func (j *Join) reportCacheSize() {
	if j.ctx.Metrics == nil {
		return
	}
	switch {
	case j.full != nil:
		j.ctx.Metrics.StateSize.Store(int64(j.full.size()))
	case j.partial != nil:
		j.ctx.Metrics.StateSize.Store(int64(j.partial.len()))
	}
}

func (j *Join) newBackend(name string, src connector.LookupSource) *backend {
	return &backend{name: name, src: src, breaker: breaker{threshold: j.set.failureThreshold, openFor: int64(j.set.openDuration)}}
}

// openFull loads this instance's shard of the table and starts the reloads.
func (j *Join) openFull() error {
	t := j.x.Table
	var scanners []connector.LookupScanner
	for _, s := range j.sources {
		sc, ok := s.(connector.LookupScanner)
		if !ok {
			return fmt.Errorf("lookup table '%s': connector '%s' cannot load a whole table for 'lookup.cache' = 'FULL' (use 'PARTIAL' or 'NONE')", t.Name, t.Connector.Name)
		}
		scanners = append(scanners, sc)
	}
	shards := max(j.ctx.Parallelism, 1)
	load := func(ctx context.Context, fresh func() func(types.Row) error) error {
		// The primary, then the secondary, each up to 1+max-retries times.
		var err error
		for attempt := 0; attempt <= j.set.maxRetries; attempt++ {
			for _, sc := range scanners {
				if err = sc.Scan(ctx, fresh()); err == nil || ctx.Err() != nil {
					return err
				}
			}
		}
		return err
	}
	j.full = newFullCache(t.Name, j.x.TableKeys, j.ctx.Subtask, shards, j.set.reload, load)
	if err := j.full.reload(j.runCtx); err != nil {
		return err
	}
	j.full.start(j.runCtx)
	return nil
}

// Process joins a batch: rows whose keys are all answered by the cache (or
// have NULL keys) are joined at once when nothing is queued before them;
// otherwise the batch is copied and queued, and its missing keys requested.
func (j *Join) Process(_ int, b *types.Batch) error {
	arrived := time.Now()
	if err := j.check(); err != nil {
		return err
	}
	// Answers that came in since the last call leave first: without this
	// they would wait for the next OnProcTime tick (50 ms).
	if j.inflight > 0 {
		if err := j.poll(); err != nil {
			return err
		}
	}
	n := b.Len()
	j.out.CountIn(n)
	if cap(j.hits) < n {
		j.hits, j.known = make([][]types.Row, n), make([]bool, n)
	}
	hits, known := j.hits[:n], j.known[:n]
	misses := 0
	for i, row := range b.Rows {
		hits[i], known[i] = nil, true
		key, ok := j.key(row)
		if !ok {
			continue // a NULL key matches nothing
		}
		switch {
		case j.full != nil:
			hits[i] = j.full.get(key)
		case j.partial != nil:
			hits[i], known[i] = j.partial.get(key)
		default:
			known[i] = false
		}
		if !known[i] {
			misses++
		}
	}
	if misses == 0 && len(j.queue) == 0 {
		for i, row := range b.Rows {
			if err := j.joinRow(b.Kinds[i], row, hits[i]); err != nil {
				return err
			}
		}
		j.lat.record(time.Since(arrived), n)
		return j.out.Flush()
	}
	return j.enqueue(b, hits, known, arrived)
}

// key encodes the input row's lookup key into j.keyBuf; false when a key
// column is NULL.
func (j *Join) key(row types.Row) ([]byte, bool) {
	for _, c := range j.x.InputKeys {
		if row[c].IsNull() {
			return nil, false
		}
	}
	j.keyBuf = types.AppendKey(j.keyBuf[:0], row, j.x.InputKeys)
	return j.keyBuf, true
}

// enqueue copies the batch into an entry and hands its unknown keys to the
// dispatcher; it waits for answers while Async.Capacity entries are queued.
func (j *Join) enqueue(b *types.Batch, hits [][]types.Row, known []bool, arrived time.Time) error {
	n := b.Len()
	e := &entry{arrived: arrived, rows: make([]types.Row, n), kinds: append([]types.RowKind(nil), b.Kinds...),
		res: make([][]types.Row, n), miss: make([]string, n)}
	arena := make([]types.Value, 0, n*j.nIn)
	var keyArena []types.Value
	var ws []want
	nk := len(j.x.InputKeys)
	for i, row := range b.Rows {
		e.rows[i] = copyRow(&arena, row)
		if known[i] {
			e.res[i] = hits[i]
			continue
		}
		key, _ := j.key(row)
		if e.found == nil {
			e.found = map[string][]types.Row{}
			keyArena = make([]types.Value, 0, (n-i)*nk)
		}
		if _, ok := e.found[string(key)]; ok {
			e.miss[i] = string(key)
			continue // already wanted for an earlier row
		}
		k := string(key)
		e.found[k] = nil
		e.miss[i] = k
		start := len(keyArena)
		for _, c := range j.x.InputKeys {
			keyArena = append(keyArena, e.rows[i][c])
		}
		ws = append(ws, want{e: e, key: types.Row(keyArena[start:len(keyArena):len(keyArena)]), str: k})
	}
	e.pending = len(ws)
	j.inflight += len(ws)
	j.queue = append(j.queue, e)
	j.disp.add(ws)
	for len(j.queue) >= j.async.Capacity && j.inflight > 0 {
		if err := j.waitOne(); err != nil {
			return err
		}
	}
	return j.emitReady()
}

// copyRow copies row into the arena (one allocation per batch instead of
// one per row), detached from the batch as Row.Clone does.
func copyRow(arena *[]types.Value, row types.Row) types.Row {
	start := len(*arena)
	*arena = append(*arena, row...)
	c := types.Row((*arena)[start:len(*arena):len(*arena)])
	for i := range c {
		if c[i].K == types.KindRow {
			c[i] = types.CopyRowValue(c[i])
		}
	}
	return c
}

// runRequest sends r to the store (on a dispatcher worker) and caches
// the rows it returns.
func (j *Join) runRequest(r *request) {
	rows, err := j.fetch.fetch(j.runCtx, r.keys)
	if err == nil {
		for i, rs := range rows {
			for x := range rs {
				rs[x] = rs[x].Clone()
			}
			if j.partial != nil {
				j.partial.put(r.strs[i], rs)
			}
		}
	}
	r.rows, r.err = rows, err
}

// waitOne blocks for one answer and emits what it completes.
func (j *Join) waitOne() error {
	if j.inflight == 0 {
		return nil
	}
	return j.handle(<-j.disp.done)
}

// poll takes the answers that are ready without blocking.
func (j *Join) poll() error {
	for {
		select {
		case r := <-j.disp.done:
			if err := j.handle(r); err != nil {
				return err
			}
		default:
			return nil
		}
	}
}

func (j *Join) handle(r *request) error {
	j.inflight -= len(r.wants)
	if r.err != nil {
		if j.err == nil {
			j.err = fmt.Errorf("%s: %w", j.ctx.Name, r.err)
		}
		return j.err
	}
	for i, w := range r.wants {
		w.e.found[w.str] = r.rows[r.idx[i]]
		w.e.pending--
	}
	return j.emitReady()
}

// emitReady emits the queued entries that may leave: ORDERED, the complete
// ones at the head; unordered, every complete one before the first
// watermark still waiting. A watermark leaves once everything before it has.
func (j *Join) emitReady() error {
	i := 0
	for i < len(j.queue) {
		e := j.queue[i]
		switch {
		case e.isWM && i == 0:
			if err := j.emitWatermark(e.wm); err != nil {
				return err
			}
		case e.isWM:
			return j.out.Flush() // waits for the entries before it
		case e.pending == 0:
			if err := j.emitEntry(e); err != nil {
				return err
			}
		case j.async.Ordered:
			return j.out.Flush()
		default:
			i++
			continue
		}
		j.queue = append(j.queue[:i], j.queue[i+1:]...)
	}
	if len(j.queue) == 0 {
		j.queue = j.queue[:0:0] // let the backing array go
	}
	return j.out.Flush()
}

func (j *Join) emitEntry(e *entry) error {
	for i, row := range e.rows {
		rs := e.res[i]
		if e.miss[i] != "" {
			rs = e.found[e.miss[i]]
		}
		if err := j.joinRow(e.kinds[i], row, rs); err != nil {
			return err
		}
	}
	j.lat.record(time.Since(e.arrived), len(e.rows))
	return nil
}

// joinRow appends row joined with each of its table rows that passes the
// condition (kind kept); LEFT: NULL-padded when none does.
func (j *Join) joinRow(kind types.RowKind, row types.Row, matches []types.Row) error {
	out := &j.out
	matched := false
	for _, m := range matches {
		r := out.Alloc(j.nIn + j.nTable)
		copy(r, row)
		copy(r[j.nIn:], m)
		if j.cond != nil {
			if v := j.cond(r); v.K != types.KindBool || v.I == 0 {
				continue
			}
		}
		if err := out.Append(kind, r); err != nil {
			return err
		}
		matched = true
	}
	if !matched && j.left {
		r := out.Alloc(j.nIn + j.nTable)
		copy(r, row)
		return out.Append(kind, r)
	}
	return nil
}

func (j *Join) emitWatermark(wm int64) error {
	if err := j.out.Flush(); err != nil {
		return err
	}
	return j.out.Watermark(wm)
}

// Watermark passes wm on after every row that came before it.
func (j *Join) Watermark(wm int64) error {
	if err := j.check(); err != nil {
		return err
	}
	if len(j.queue) == 0 {
		return j.emitWatermark(wm)
	}
	j.queue = append(j.queue, &entry{isWM: true, wm: wm})
	return j.poll()
}

// OnProcTime emits the answers that arrived since the last call.
func (j *Join) OnProcTime(int64) error {
	if err := j.check(); err != nil {
		return err
	}
	j.reportCacheSize()
	return j.poll()
}

// PrepareSnapshot waits for every lookup in flight and emits its rows, so
// nothing is pending when the barrier passes (the operator has no state).
func (j *Join) PrepareSnapshot() error { return j.drain() }

// Finish waits for every lookup in flight and emits the rest.
func (j *Join) Finish() error { return j.drain() }

func (j *Join) drain() error {
	if err := j.check(); err != nil {
		return err
	}
	defer j.reportCacheSize()
	for j.inflight > 0 {
		if err := j.waitOne(); err != nil {
			return err
		}
	}
	return j.emitReady()
}

// check returns the error that failed the job, if any (a failed lookup or
// FULL cache reload).
func (j *Join) check() error {
	if j.err != nil {
		return j.err
	}
	if j.full != nil {
		if err := j.full.failed(); err != nil {
			j.err = fmt.Errorf("%s: %w", j.ctx.Name, err)
			return j.err
		}
	}
	return nil
}

// Close stops the workers and reloads and closes the sources.
func (j *Join) Close() error {
	if j.cancel != nil {
		j.cancel()
	}
	if j.full != nil {
		j.full.close()
	}
	if j.disp != nil {
		j.disp.wait()
	}
	var first error
	for _, s := range j.sources {
		if err := s.Close(); err != nil && first == nil {
			first = fmt.Errorf("lookup join on table '%s': closing the source: %w", j.x.Table.Name, err)
		}
	}
	j.sources = nil
	return first
}

// Stats are the operator's lookup counters, safe to read concurrently.
type Stats struct {
	CacheHits, CacheMisses int64 // PARTIAL cache
	CachedKeys             int   // PARTIAL: keys held
	FullRows               int   // FULL: rows of this instance's shard
	FullLoads              int64 // FULL: completed loads
	Requests, Retries      int64 // requests to the store (batches of keys), and their retries
	// Calls and Failures per backend: [0] the primary, [1] the secondary.
	Calls, Failures [2]int64
	Shifted         float64       // failover pair: fraction of requests shifted to the secondary
	RequestP99      time.Duration // over the last 128 requests, retries included
	// RequestLatency is the latency of the successful requests to the
	// store (retries included), one record per request.
	RequestLatency Latency
	// Keys is how many keys the requests asked for (Keys/Requests is the
	// mean request size).
	Keys int64
	// Latency is the per-record latency the join adds: from a row entering
	// the operator to its result being emitted (cache hits included).
	Latency Latency
}

// Stats returns the operator's counters (zero before Open).
func (j *Join) Stats() Stats {
	var s Stats
	if j.partial != nil {
		s.CacheHits, s.CacheMisses, s.CachedKeys = j.partial.hits.Load(), j.partial.misses.Load(), j.partial.len()
	}
	if j.full != nil {
		s.FullRows, s.FullLoads = j.full.size(), j.full.reloads.Load()
	}
	if f := j.fetch; f != nil {
		s.Requests, s.Retries = f.requests.Load(), f.retries.Load()
		for i, b := range f.backends {
			s.Calls[i], s.Failures[i] = b.calls.Load(), b.fails.Load()
		}
		if f.shift != nil {
			s.Shifted = f.shift.fraction()
		}
		s.RequestP99, _ = f.lat.p99(-1 << 63)
		s.RequestLatency = f.hist.snapshot()
		s.Keys = f.keys.Load()
	}
	s.Latency = j.lat.snapshot()
	return s
}
