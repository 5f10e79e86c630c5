package nexmark

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/types"
)

// New returns the 'nexmark' connector.
func New() *connector.Factory {
	return &connector.Factory{
		Name:        "nexmark",
		Description: "Generates the Nexmark benchmark's stream of people, auctions and bids, as the reference nexmark-flink source does.",
		Options:     Options,
		NewSource:   newSource,
	}
}

var (
	_ connector.Source = (*source)(nil)
	_ connector.Split  = split{}
	_ connector.Reader = (*reader)(nil)
)

type source struct {
	table string
	set   *settings
	plan  *plan
	tabs  *tables
}

func newSource(ctx connector.CreateContext) (connector.Source, error) {
	set, err := parseSettings(ctx.Options, time.Now())
	if err != nil {
		return nil, fmt.Errorf("nexmark table '%s': %w", ctx.Table, err)
	}
	p, err := buildPlan(ctx.Table, ctx.Schema, ctx.Projection)
	if err != nil {
		return nil, err
	}
	maxExtra := max(set.gen.avgPersonSize, set.gen.avgAuctionSize, set.gen.avgBidSize)
	return &source{table: ctx.Table, set: set, plan: p, tabs: tablesFor(int(maxExtra))}, nil
}

// Bounded is true when events.num is set and keep-alive is not.
func (s *source) Bounded() bool { return s.set.limit() < 1<<63-1 && !s.set.keepAlive }

// Splits returns one split per parallel task: split k of p generates the
// events n ≡ k (mod p).
func (s *source) Splits(parallelism int) ([]connector.Split, error) {
	if parallelism < 1 {
		parallelism = 1
	}
	out := make([]connector.Split, parallelism)
	for k := range out {
		out[k] = split{index: int64(k), count: int64(parallelism)}
	}
	return out, nil
}

type split struct{ index, count int64 }

func (s split) ID() string { return fmt.Sprintf("nexmark:%d/%d", s.index, s.count) }

func (s *source) Open(_ context.Context, sp connector.Split) (connector.Reader, error) {
	sl, ok := sp.(split)
	if !ok {
		return nil, fmt.Errorf("nexmark table '%s': split %s is not a nexmark split", s.table, sp.ID())
	}
	return &reader{
		gen:   generator{cfg: &s.set.gen, t: s.tabs, plan: s.plan},
		set:   s.set,
		next:  sl.index,
		step:  sl.count,
		limit: s.set.limit(),
	}, nil
}

// reader generates one split's events.
type reader struct {
	gen   generator
	set   *settings
	next  int64 // the next event to generate
	step  int64 // the number of splits
	limit int64

	wallBase time.Time // wall-clock time of base time, when pacing
}

// maxIdleWait bounds how long Read waits when pacing or idling.
const maxIdleWait = 50 * time.Millisecond

func (r *reader) Read(ctx context.Context, b *types.Batch, max int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if r.next >= r.limit {
		if r.set.keepAlive {
			return idle(ctx, maxIdleWait)
		}
		return io.EOF
	}
	if !r.set.maxEmitSpeed {
		return r.readPaced(ctx, b, max)
	}
	n, step, limit := r.next, r.step, r.limit
	for i := 0; i < max && n < limit; i++ {
		r.gen.emit(b, n)
		n += step
	}
	r.next = n
	if n >= limit && !r.set.keepAlive {
		return io.EOF
	}
	return nil
}

// readPaced emits the events whose wall-clock time has come: an event is
// due when as much wall-clock time has passed since the first Read as event
// time has since base time (NexmarkGenerator's wallclockTimestamp).
func (r *reader) readPaced(ctx context.Context, b *types.Batch, max int) error {
	c := r.gen.cfg
	if r.wallBase.IsZero() {
		r.wallBase = time.Now()
	}
	for i := 0; i < max && r.next < r.limit; i++ {
		due := r.wallBase.Add(time.Duration(c.timestamp(r.next+firstEventNum)-c.baseTime) * time.Millisecond)
		if wait := time.Until(due); wait > 0 {
			if b.Len() > 0 {
				return nil
			}
			return idle(ctx, min(wait, maxIdleWait))
		}
		r.gen.emit(b, r.next)
		r.next += r.step
	}
	if r.next >= r.limit && !r.set.keepAlive {
		return io.EOF
	}
	return nil
}

func idle(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (r *reader) Close() error { return nil }
