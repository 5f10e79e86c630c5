package lookup

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/types"
)

// backend is one lookup source with its circuit breaker and latency record.
type backend struct {
	name    string // "primary" or "secondary", for errors and stats
	src     connector.LookupSource
	breaker breaker
	lat     latencyWindow
	calls   atomic.Int64 // requests sent (attempts)
	fails   atomic.Int64
}

// call runs one request against the backend, bounded by timeout. A source
// that ignores its context is abandoned when the timeout passes (its result
// is dropped), so a stalled store cannot stall the job.
func (b *backend) call(ctx context.Context, keys []types.Row, timeout time.Duration) ([][]types.Row, error) {
	b.calls.Add(1)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	type result struct {
		rows [][]types.Row
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		rows, err := b.src.Lookup(ctx, keys)
		ch <- result{rows, err}
	}()
	select {
	case r := <-ch:
		if r.err == nil && len(r.rows) != len(keys) {
			r.err = fmt.Errorf("returned %d results for %d keys", len(r.rows), len(keys))
		}
		if r.err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			r.err = fmt.Errorf("%w (timeout %s, 'table.exec.async-lookup.timeout')", r.err, timeout)
		}
		return r.rows, r.err
	case <-ctx.Done():
		return nil, fmt.Errorf("no answer within %s ('table.exec.async-lookup.timeout'): %w", timeout, ctx.Err())
	}
}

// breaker is a circuit breaker: closed until threshold consecutive failures,
// then open for openFor; then half-open, letting one probe through, whose
// success closes it and whose failure opens it again. Times come from the
// operator's clock (ns).
type breaker struct {
	mu        sync.Mutex
	threshold int
	openFor   int64
	fails     int
	state     breakerState
	openedAt  int64
	probing   bool
}

type breakerState uint8

const (
	closed breakerState = iota
	open
	halfOpen
)

// allow reports whether a request may go to the backend now.
func (b *breaker) allow(now int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state {
	case closed:
		return true
	case open:
		if now-b.openedAt < b.openFor {
			return false
		}
		b.state = halfOpen
		b.probing = true
		return true
	default: // half-open: one probe at a time
		if b.probing {
			return false
		}
		b.probing = true
		return true
	}
}

// isClosed reports whether the breaker is closed (for failing over
// immediately to the other backend).
func (b *breaker) isClosed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.state == closed
}

func (b *breaker) success() {
	b.mu.Lock()
	b.state, b.fails, b.probing = closed, 0, false
	b.mu.Unlock()
}

func (b *breaker) failure(now int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.fails++
	if b.state == halfOpen || b.state == closed && b.fails >= b.threshold {
		b.state, b.openedAt, b.probing = open, now, false
	}
}

// latencyWindow keeps a backend's most recent request latencies (wall
// time) stamped with the operator's clock; p99 is over the samples younger
// than the horizon.
type latencyWindow struct {
	mu      sync.Mutex
	samples [128]latencySample
	n, next int
}

type latencySample struct {
	at  int64 // operator clock
	lat time.Duration
}

func (w *latencyWindow) add(at int64, lat time.Duration) {
	w.mu.Lock()
	w.samples[w.next] = latencySample{at, lat}
	w.next = (w.next + 1) % len(w.samples)
	w.n = min(w.n+1, len(w.samples))
	w.mu.Unlock()
}

// p99 returns the 99th percentile of the samples taken after since, and
// whether there were any.
func (w *latencyWindow) p99(since int64) (time.Duration, bool) {
	w.mu.Lock()
	var buf [128]time.Duration
	lats := buf[:0]
	for _, s := range w.samples[:w.n] {
		if s.at >= since {
			lats = append(lats, s.lat)
		}
	}
	w.mu.Unlock()
	if len(lats) == 0 {
		return 0, false
	}
	slices.Sort(lats)
	return lats[(len(lats)*99+99)/100-1], true
}

// shifter decides, per request, whether a healthy primary's request goes to
// the secondary: every step it raises the shifted fraction by stepFrac while
// the primary's p99 exceeds the threshold and lowers it otherwise. A primary
// that gets no traffic has no recent samples and counts as recovered, so a
// fully shifted pair keeps probing the primary a step at a time.
type shifter struct {
	mu        sync.Mutex
	threshold time.Duration
	step      int64 // ns of the operator clock between steps
	stepFrac  float64
	horizon   int64 // ns: latency samples older than this are ignored
	lastStep  int64
	frac      float64 // fraction of requests sent to the secondary
	credit    float64 // deterministic spreading of frac over requests
}

// toSecondary reports whether the next request should go to the secondary.
func (s *shifter) toSecondary(now int64, primary *latencyWindow) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lastStep == 0 {
		s.lastStep = now
	}
	for now-s.lastStep >= s.step {
		s.lastStep += s.step
		if p, ok := primary.p99(now - s.horizon); ok && p > s.threshold {
			s.frac = min(1, s.frac+s.stepFrac)
		} else {
			s.frac = max(0, s.frac-s.stepFrac)
		}
		if now-s.lastStep > 10*s.step { // idle for long: one step is enough
			s.lastStep = now
		}
	}
	s.credit += s.frac
	if s.credit >= 1 {
		s.credit--
		return true
	}
	return false
}

func (s *shifter) fraction() float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.frac
}
