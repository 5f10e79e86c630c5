package lookup

import (
	"context"
	"sync"

	"github.com/sluicehq/sluice/internal/types"
)

// Smart batching. The input rarely arrives in big batches: a paced source
// hands the operator a few rows at a time, and a request per input batch
// would mean thousands of tiny requests per second, queued behind each
// other. Instead the keys every input batch misses go into one FIFO, and
// at most 'limit' requests are in flight: while they are, the keys of all
// batches that arrive wait in the FIFO, and the worker whose request
// completes takes all of them (up to 'lookup.batch-size') as its next
// request at once, without waiting for the task goroutine. So requests grow
// with the load and a key waits about one round trip for the request before
// it plus its own, whatever the rate.
//
// The task goroutine adds keys (add) and receives answered requests on
// done; workers are goroutines started by add when fewer than limit run,
// each looping over the FIFO until it is empty. Keys leave the FIFO in
// arrival order, so answers come roughly in input order, which keeps the
// head-of-line wait of ORDERED output short.

// want is one distinct missing key of a queued entry.
type want struct {
	e   *entry
	key types.Row // the key's values (in the entry's copied rows' arena)
	str string    // the encoded key
}

// request is one call to the store: the wants it answers, and their
// distinct keys.
type request struct {
	wants []want
	idx   []int // per want: its key's index in keys
	keys  []types.Row
	strs  []string      // encoded keys
	rows  [][]types.Row // per key, once answered
	err   error
}

// dispatcher queues wanted keys and runs requests, at most limit at once.
type dispatcher struct {
	ctx     context.Context // cancelled when the operator closes
	limit   int             // requests in flight at most
	maxKeys int             // distinct keys per request at most ('lookup.batch-size')
	run     func(*request)  // sends the request and fills rows, err (called by workers)
	done    chan *request   // answered requests, to the task goroutine
	wg      sync.WaitGroup

	mu      sync.Mutex
	pending []want // not in a request yet, oldest first, from head on
	head    int
	busy    int   // workers running (each has a request in flight)
	sent    int64 // requests taken, for tests and stats
}

func newDispatcher(ctx context.Context, limit, maxKeys, doneCap int, run func(*request)) *dispatcher {
	return &dispatcher{ctx: ctx, limit: max(limit, 1), maxKeys: max(maxKeys, 1), run: run,
		done: make(chan *request, max(doneCap, 1))}
}

// add queues ws (in order) and starts workers while fewer than limit run
// and keys wait. It never blocks.
func (d *dispatcher) add(ws []want) {
	d.mu.Lock()
	d.pending = append(d.pending, ws...)
	var start []*request
	for d.busy < d.limit && d.head < len(d.pending) {
		start = append(start, d.takeLocked())
		d.busy++
	}
	d.mu.Unlock()
	for _, r := range start {
		d.wg.Add(1)
		go d.work(r)
	}
}

// work runs r, hands it to the task goroutine, and goes on with the keys
// that queued meanwhile until there are none (or the operator closes).
func (d *dispatcher) work(r *request) {
	defer d.wg.Done()
	for r != nil {
		d.run(r)
		select {
		case d.done <- r:
		case <-d.ctx.Done():
			d.mu.Lock()
			d.busy--
			d.mu.Unlock()
			return
		}
		d.mu.Lock()
		r = nil
		if d.head < len(d.pending) && d.ctx.Err() == nil {
			r = d.takeLocked()
		} else {
			d.busy--
		}
		d.mu.Unlock()
	}
}

// takeLocked moves the oldest pending wants, up to maxKeys distinct keys,
// into a new request. d.mu is held and wants are pending.
func (d *dispatcher) takeLocked() *request {
	r := &request{}
	var seen map[string]int
	q := d.pending[d.head:]
	n := 0
	for ; n < len(q); n++ {
		w := q[n]
		x, dup := seen[w.str]
		if !dup {
			if len(r.keys) == d.maxKeys {
				break
			}
			if seen == nil {
				seen = make(map[string]int, min(len(q), d.maxKeys))
			}
			x = len(r.keys)
			seen[w.str] = x
			r.keys = append(r.keys, w.key)
			r.strs = append(r.strs, w.str)
		}
		r.idx = append(r.idx, x)
	}
	r.wants = append([]want(nil), q[:n]...)
	clear(q[:n]) // let the entries go
	d.head += n
	if d.head == len(d.pending) {
		d.pending, d.head = d.pending[:0], 0 // reuse the backing array
	} else if d.head >= 1024 && d.head*2 >= len(d.pending) {
		rest := copy(d.pending, d.pending[d.head:])
		clear(d.pending[rest:])
		d.pending, d.head = d.pending[:rest], 0
	}
	d.sent++
	return r
}

// wait stops the workers (after the context is cancelled).
func (d *dispatcher) wait() { d.wg.Wait() }
