package lookup

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/sluicehq/sluice/internal/types"
)

// fetcher sends one request (a batch of distinct keys) to the backend(s):
// the choice between primary and secondary of a failover pair, the
// immediate retry on the other backend, and retries with exponential
// backoff. It is used by many workers at once.
type fetcher struct {
	table      string
	connector  string
	backends   []*backend // the primary, then the secondary of a failover pair
	shift      *shifter   // nil without a failover pair
	maxRetries int
	timeout    time.Duration
	backoff    time.Duration // first retry's delay; doubles up to maxBackoff
	maxBackoff time.Duration
	width      int // columns of a table row
	now        func() int64

	requests atomic.Int64
	keys     atomic.Int64 // keys of the requests
	retries  atomic.Int64
	lat      latencyWindow // whole requests, retries included
	hist     latencyHist   // whole requests, retries included, since Open
}

// fetch returns the rows for each key, or the error that fails the job
// once every retry failed. It returns ctx's error when ctx is cancelled
// (the operator is closing).
func (f *fetcher) fetch(ctx context.Context, keys []types.Row) ([][]types.Row, error) {
	f.requests.Add(1)
	f.keys.Add(int64(len(keys)))
	start := time.Now()
	var last error
	var lastB *backend
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			f.retries.Add(1)
			d := f.backoff << min(attempt-1, 20)
			if d > f.maxBackoff || d <= 0 {
				d = f.maxBackoff
			}
			t := time.NewTimer(d)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, ctx.Err()
			case <-t.C:
			}
		}
		order := f.pick()
		rows, err := f.try(ctx, order[0], keys)
		if err == nil {
			f.done(start)
			return rows, nil
		}
		last, lastB = err, order[0]
		if len(order) > 1 && ctx.Err() == nil && order[1].breaker.isClosed() {
			rows, err = f.try(ctx, order[1], keys)
			if err == nil {
				f.done(start)
				return rows, nil
			}
			last, lastB = err, order[1]
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if attempt >= f.maxRetries {
			return nil, f.failure(len(keys), attempt+1, lastB, last)
		}
	}
}

// done records a successful request's latency.
func (f *fetcher) done(start time.Time) {
	d := time.Since(start)
	f.lat.add(f.now(), d)
	f.hist.record(d, 1)
}

func (f *fetcher) failure(keys, attempts int, b *backend, err error) error {
	from := fmt.Sprintf("connector '%s'", f.connector)
	if len(f.backends) > 1 {
		from = fmt.Sprintf("the %s backend (connector '%s'; neither backend of the failover pair answered)", b.name, f.connector)
	}
	times := "once"
	if attempts != 1 {
		times = fmt.Sprintf("%d times", attempts)
	}
	return fmt.Errorf("lookup join on table '%s': a lookup of %d keys failed %s ('lookup.max-retries' = %d); last error from %s: %w (check that the store is reachable, or raise 'lookup.max-retries')",
		f.table, keys, times, f.maxRetries, from, err)
}

// pick orders the backends for the next request: the first is tried, the
// second (of a pair) taken at once if the first fails and its circuit is
// closed.
func (f *fetcher) pick() []*backend {
	if len(f.backends) == 1 {
		return f.backends
	}
	p, s := f.backends[0], f.backends[1]
	now := f.now()
	switch {
	case f.shift.toSecondary(now, &p.lat) && s.breaker.allow(now):
		return []*backend{s, p}
	case p.breaker.allow(now):
		return []*backend{p, s}
	case s.breaker.allow(now):
		return []*backend{s, p}
	}
	// Both circuits open: try the primary anyway; the retry loop backs off.
	return []*backend{p, s}
}

// try sends the request to one backend and records the outcome.
func (f *fetcher) try(ctx context.Context, b *backend, keys []types.Row) ([][]types.Row, error) {
	start := time.Now()
	rows, err := b.call(ctx, keys, f.timeout)
	b.lat.add(f.now(), time.Since(start))
	if err == nil {
		for _, rs := range rows {
			for _, r := range rs {
				if len(r) != f.width {
					err = fmt.Errorf("returned a row of %d columns, the table has %d", len(r), f.width)
				}
			}
		}
	}
	if err != nil {
		if ctx.Err() == nil || ctx.Err() == context.DeadlineExceeded {
			b.fails.Add(1)
			b.breaker.failure(f.now())
		}
		return nil, err
	}
	b.breaker.success()
	return rows, nil
}
