package saberbench

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/types"
)

// counter is the 'saber-sink' connector's shared tally for one run.
type counter struct {
	clock   *clock
	paced   bool
	rows    atomic.Int64
	matched atomic.Int64

	mu     sync.Mutex
	delays []delay // per written batch, when paced
}

// delay is the emit delay of n rows of one window.
type delay struct {
	d time.Duration
	n int64
}

// sinkFactory returns the 'saber-sink' connector writing into c. The table
// needs a 'window_end' column and a nullable 'click_ts' (NULL: unmatched).
func sinkFactory(c *counter) *connector.Factory {
	return &connector.Factory{
		Name:        "saber-sink",
		Description: "Counts the Saber benchmark's joined rows and their emit delays (benchmark registry only).",
		Options:     []config.Spec{},
		NewSink: func(ctx connector.CreateContext) (connector.Sink, error) {
			s := &sink{c: c, end: -1, click: -1}
			for i, f := range ctx.Schema.Fields {
				switch strings.ToLower(f.Name) {
				case "window_end":
					s.end = i
				case "click_ts":
					s.click = i
				}
			}
			if s.end < 0 || s.click < 0 {
				return nil, fmt.Errorf("saber-sink table '%s' needs columns window_end and click_ts", ctx.Table)
			}
			return s, nil
		},
	}
}

type sink struct {
	c          *counter
	end, click int
}

func (s *sink) Accepts() connector.ChangelogMode { return connector.AppendOnly }

func (s *sink) Open(context.Context, int, int) (connector.Writer, error) {
	return &sinkWriter{s: s}, nil
}

type sinkWriter struct{ s *sink }

func (w *sinkWriter) Write(b *types.Batch) error {
	c := w.s.c
	var matched int64
	for _, r := range b.Rows {
		if !r[w.s.click].IsNull() {
			matched++
		}
	}
	c.rows.Add(int64(b.Len()))
	c.matched.Add(matched)
	if !c.paced || b.Len() == 0 {
		return nil
	}
	// The wall-clock time of a window's end is start + (end - BaseTime):
	// rows of one batch come from one or a few windows; take each row's.
	now := time.Now()
	start := c.clock.begin()
	c.mu.Lock()
	defer c.mu.Unlock()
	var last int64 = -1
	for _, r := range b.Rows {
		end := r[w.s.end].I
		if end == last {
			c.delays[len(c.delays)-1].n++
			continue
		}
		last = end
		c.delays = append(c.delays, delay{d: now.Sub(start.Add(time.Duration(end - BaseTime))), n: 1})
	}
	return nil
}

func (w *sinkWriter) Close() error { return nil }

// percentiles returns the emit delays at the given quantiles (0..1), by
// rows.
func (c *counter) percentiles(qs ...float64) []time.Duration {
	c.mu.Lock()
	ds := slices.Clone(c.delays)
	c.mu.Unlock()
	out := make([]time.Duration, len(qs))
	if len(ds) == 0 {
		return out
	}
	slices.SortFunc(ds, func(a, b delay) int { return cmp.Compare(a.d, b.d) })
	var total int64
	for _, d := range ds {
		total += d.n
	}
	for i, q := range qs {
		want := int64(q * float64(total))
		var seen int64
		for _, d := range ds {
			seen += d.n
			if seen > want {
				out[i] = d.d
				break
			}
		}
		if seen <= want {
			out[i] = ds[len(ds)-1].d
		}
	}
	return out
}
