package lookup

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/types"
)

// fullCache is 'lookup.cache' = 'FULL': this instance's shard of the whole
// table (the rows whose key connector.InShard assigns to this subtask),
// indexed by encoded key. A reload builds a new index in the background
// while lookups read the old one, then swaps it in atomically.
type fullCache struct {
	table  string
	keys   []int // key columns of the table's rows
	shard  int
	shards int
	// load scans the table, calling fresh() before each attempt for the
	// function that takes that attempt's rows (a failed attempt's rows
	// are dropped, not doubled by the retry).
	load     func(ctx context.Context, fresh func() func(types.Row) error) error
	schedule reloadSchedule

	index   atomic.Pointer[map[string][]types.Row]
	rows    atomic.Int64 // rows of the current index
	reloads atomic.Int64 // completed loads, the first included

	stop chan struct{}
	wg   sync.WaitGroup
	mu   sync.Mutex
	err  error // the last failed background reload, reported on the next lookup
}

func newFullCache(table string, keys []int, shard, shards int, sched reloadSchedule,
	load func(ctx context.Context, fresh func() func(types.Row) error) error) *fullCache {
	return &fullCache{table: table, keys: keys, shard: shard, shards: shards, load: load, schedule: sched, stop: make(chan struct{})}
}

// get returns the rows for an encoded key (nil for none).
func (c *fullCache) get(key []byte) []types.Row {
	return (*c.index.Load())[string(key)]
}

// size is the number of rows held.
func (c *fullCache) size() int { return int(c.rows.Load()) }

// reload loads the table and swaps the new index in; lookups keep reading
// the previous index until then.
func (c *fullCache) reload(ctx context.Context) error {
	var idx map[string][]types.Row
	var buf []byte
	var n int64
	err := c.load(ctx, func() func(types.Row) error {
		idx, n = map[string][]types.Row{}, 0
		return func(r types.Row) error {
			if len(r) <= maxIndex(c.keys) {
				return fmt.Errorf("scan returned a row of %d columns, the lookup key needs column %d", len(r), maxIndex(c.keys)+1)
			}
			var in bool
			in, buf = connector.InShard(r, c.keys, c.shard, c.shards, buf)
			if !in {
				return nil
			}
			k := string(buf) // InShard left the encoded key in buf
			idx[k] = append(idx[k], r.Clone())
			n++
			return nil
		}
	})
	if err != nil {
		return fmt.Errorf("lookup table '%s': loading the FULL cache: %w", c.table, err)
	}
	c.index.Store(&idx)
	c.rows.Store(n)
	c.reloads.Add(1)
	return nil
}

func maxIndex(xs []int) int {
	m := -1
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

// start runs the reload schedule in the background until close.
func (c *fullCache) start(ctx context.Context) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		last := time.Now()
		for {
			next := c.schedule.next(last, time.Now())
			t := time.NewTimer(time.Until(next))
			select {
			case <-c.stop:
				t.Stop()
				return
			case <-t.C:
			}
			start := time.Now()
			err := c.reload(ctx)
			c.mu.Lock()
			c.err = err
			c.mu.Unlock()
			last = time.Now()
			if c.schedule.fixedRate {
				last = start
			}
		}
	}()
}

// failed returns the error of the last background reload, if it failed.
// The old copy keeps serving, but the job fails rather than serve stale
// data forever.
func (c *fullCache) failed() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

func (c *fullCache) close() {
	select {
	case <-c.stop:
	default:
		close(c.stop)
	}
	c.wg.Wait()
}

// next returns when the reload after one that started (FIXED_RATE) or
// ended (FIXED_DELAY) at last is due; TIMED: the first at-time (UTC) after
// now on a day a whole number of interval-in-days after last's day.
func (s reloadSchedule) next(last, now time.Time) time.Time {
	if !s.timed {
		return last.Add(s.interval)
	}
	day := last.UTC().Truncate(24 * time.Hour)
	t := day.Add(s.atTime)
	for !t.After(now) {
		t = t.AddDate(0, 0, s.days)
	}
	return t
}
