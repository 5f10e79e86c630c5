package saberbench

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/types"
)

// BaseTime is the event time of the first display: 2020-01-01T00:00:00Z,
// aligned to every window size that divides a day.
const BaseTime = int64(1577836800) * int64(time.Second)

const ms = int64(time.Millisecond)

// genOptions is the 'saber-gen' connector's option spec.
var genOptions = []config.Spec{
	{Key: "stream", Type: config.Enum, Values: []string{"display", "click"}, Required: true,
		Description: "Which stream the table reads: displays (id, user_id, item_id, ts[, payload]) or clicks (display_id, ts)."},
	{Key: "displays-per-second", Type: config.Int, Default: "150000",
		Description: "Displays per second of event time (and of wall-clock time when paced)."},
	{Key: "clicks-per-second", Type: config.Int, Default: "20000",
		Description: "Clicks per second: this over displays-per-second is the fraction of displays clicked."},
	{Key: "displays", Type: config.Int, Required: true,
		Description: "Total displays of the run; both streams end after them."},
	{Key: "window", Type: config.Duration, Default: "1 min",
		Description: "The tumbling window size: a click stays in its display's window."},
	{Key: "max-click-delay", Type: config.Duration, Default: "1 s",
		Description: "A click comes up to this long after its display (within the window); the watermark delay must be at least this."},
	{Key: "paced", Type: config.Bool, Default: "true",
		Description: "Follow the wall clock (display i at start + i/rate) rather than run as fast as possible."},
	{Key: "payload", Type: config.Int, Default: "0",
		Description: "Length of the display's 'payload' string column, when the table has one."},
	{Key: "seed", Type: config.Int, Default: "1",
		Description: "Seed of the click choice and delays."},
}

// genSpec is what both streams of a run share.
type genSpec struct {
	stream      string
	rate        int64 // displays per second
	displays    int64
	window      int64 // ns
	maxDelay    int64 // ns, >= 1 ms
	paced       bool
	payload     string
	seed        uint64
	clickThresh uint64 // clicked(i) iff mix(i) % 1e6 < clickThresh
}

// displayTime is the event time of display i, in whole milliseconds.
func (g *genSpec) displayTime(i int64) int64 {
	ns := BaseTime + int64(float64(i)*1e9/float64(g.rate))
	return ns - ns%ms
}

// clickThreshold is genSpec.clickThresh for clicks of displays per second.
func clickThreshold(clicks, displays int64) uint64 {
	return uint64(float64(clicks) / float64(displays) * 1_000_000)
}

// clicked reports whether display i gets a click.
func (g *genSpec) clicked(i int64) bool {
	return mix(uint64(i)^g.seed)%1_000_000 < g.clickThresh
}

// clickTime is the event time of display i's click: a hashed delay after
// the display, kept inside the display's window.
func (g *genSpec) clickTime(i int64) int64 {
	ts := g.displayTime(i)
	t := ts + int64(mix(uint64(i)*0x9E3779B97F4A7C15^g.seed)%uint64(g.maxDelay/ms))*ms
	if end := ts - ts%g.window + g.window; t >= end {
		t = end - ms
	}
	return t
}

// mix is SplitMix64's finaliser: a cheap, well-spread hash.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// clock is the wall-clock start shared by the sources and the sink of a
// run, set when the first reader opens.
type clock struct {
	once  sync.Once
	start time.Time
}

func (c *clock) begin() time.Time {
	c.once.Do(func() { c.start = time.Now() })
	return c.start
}

// genFactory returns the 'saber-gen' connector bound to run clock c.
func genFactory(c *clock) *connector.Factory {
	return &connector.Factory{
		Name:        "saber-gen",
		Description: "The Saber benchmark's display and click streams (benchmark registry only).",
		Options:     genOptions,
		NewSource: func(ctx connector.CreateContext) (connector.Source, error) {
			return newGenSource(ctx, c)
		},
	}
}

type genSource struct {
	table string
	spec  *genSpec
	cols  []int // per emitted column: a col* constant
	clock *clock
}

const (
	colID = iota
	colUser
	colItem
	colTS
	colPayload
)

func newGenSource(ctx connector.CreateContext, c *clock) (*genSource, error) {
	o := ctx.Options
	g := &genSpec{
		stream: o.String("stream"), rate: o.Int("displays-per-second"), displays: o.Int("displays"),
		window: int64(o.Duration("window")), maxDelay: int64(o.Duration("max-click-delay")),
		paced: o.Bool("paced"), seed: uint64(o.Int("seed")),
	}
	clicks := o.Int("clicks-per-second")
	switch {
	case g.rate <= 0:
		return nil, fmt.Errorf("saber-gen table '%s': 'displays-per-second' must be positive, got %d", ctx.Table, g.rate)
	case clicks < 0 || clicks > g.rate:
		return nil, fmt.Errorf("saber-gen table '%s': 'clicks-per-second' must be between 0 and 'displays-per-second' (%d), got %d", ctx.Table, g.rate, clicks)
	case g.displays < 0:
		return nil, fmt.Errorf("saber-gen table '%s': 'displays' must not be negative", ctx.Table)
	case g.window < ms || g.window%ms != 0:
		return nil, fmt.Errorf("saber-gen table '%s': 'window' must be a positive whole number of milliseconds", ctx.Table)
	case g.maxDelay < ms:
		return nil, fmt.Errorf("saber-gen table '%s': 'max-click-delay' must be at least 1 ms", ctx.Table)
	}
	g.clickThresh = clickThreshold(clicks, g.rate)
	g.payload = strings.Repeat("x", int(o.Int("payload")))
	names := map[string]int{"ts": colTS}
	if g.stream == "display" {
		names["id"], names["user_id"], names["item_id"], names["payload"] = colID, colUser, colItem, colPayload
	} else {
		names["display_id"] = colID
	}
	s := &genSource{table: ctx.Table, spec: g, clock: c}
	for _, f := range ctx.ProjectedSchema().Fields {
		col, ok := names[strings.ToLower(f.Name)]
		if !ok {
			return nil, fmt.Errorf("saber-gen table '%s': the %s stream has no column %q", ctx.Table, g.stream, f.Name)
		}
		s.cols = append(s.cols, col)
	}
	return s, nil
}

func (s *genSource) Bounded() bool { return true }

type genSplit struct{ index, count int }

func (sp genSplit) ID() string { return fmt.Sprintf("saber:%d/%d", sp.index, sp.count) }

func (s *genSource) Splits(parallelism int) ([]connector.Split, error) {
	out := make([]connector.Split, max(parallelism, 1))
	for i := range out {
		out[i] = genSplit{i, len(out)}
	}
	return out, nil
}

func (s *genSource) Open(_ context.Context, spl connector.Split) (connector.Reader, error) {
	sp, ok := spl.(genSplit)
	if !ok {
		return nil, fmt.Errorf("saber-gen table '%s': split %s is not a saber split", s.table, spl.ID())
	}
	return &genReader{src: s, next: int64(sp.index), step: int64(sp.count)}, nil
}

// genReader produces the displays (or the clicks of the displays) whose
// index is next, next+step, ...
type genReader struct {
	src   *genSource
	next  int64 // the next display index
	step  int64
	start time.Time
}

const maxWait = 50 * time.Millisecond

func (r *genReader) Read(ctx context.Context, b *types.Batch, max int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	g := r.src.spec
	if r.next >= g.displays {
		return io.EOF
	}
	limit := g.displays // first index not to produce in this call
	if g.paced {
		if r.start.IsZero() {
			r.start = r.src.clock.begin()
		}
		due := int64(time.Since(r.start).Seconds()*float64(g.rate)) + 1
		if due <= r.next {
			wait := time.Duration(float64(r.next+1-due) / float64(g.rate) * float64(time.Second))
			t := time.NewTimer(min(wait, maxWait))
			defer t.Stop()
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-t.C:
			}
			return nil
		}
		limit = min(limit, due)
	}
	click := g.stream == "click"
	// A click reader scans displays to find the clicked ones: bound the
	// scan so that Read returns often.
	for n, scanned := 0, 0; n < max && r.next < limit && scanned < 64*max; r.next += r.step {
		i := r.next
		scanned++
		if click && !g.clicked(i) {
			continue
		}
		row := b.Alloc(len(r.src.cols))
		for j, c := range r.src.cols {
			switch c {
			case colID:
				row[j] = types.IntValue(i)
			case colUser:
				row[j] = types.IntValue(int64(mix(uint64(i)) % 1_000_000))
			case colItem:
				row[j] = types.IntValue(int64(mix(uint64(i)*31+7) % 100_000))
			case colTS:
				if click {
					row[j] = types.IntValue(g.clickTime(i))
				} else {
					row[j] = types.IntValue(g.displayTime(i))
				}
			case colPayload:
				row[j] = types.StringValue(g.payload)
			}
		}
		b.Append(types.Insert, row)
		n++
	}
	if r.next >= g.displays {
		return io.EOF
	}
	return nil
}

func (r *genReader) Close() error { return nil }
