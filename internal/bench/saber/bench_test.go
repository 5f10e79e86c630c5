package saberbench

import (
	"context"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/connector/all"
)

// Every click falls in its display's window, at or after the display, on
// a whole millisecond; the clicked share is the requested ratio.
func TestGenerator(t *testing.T) {
	g := &genSpec{rate: 1000, window: int64(time.Second), maxDelay: 300 * ms, seed: 1}
	g.clickThresh = 200_000 // 20 %
	clicks := 0
	for i := range int64(100_000) {
		ts := g.displayTime(i)
		if ts%ms != 0 || ts != BaseTime+i*ms {
			t.Fatalf("display %d at %d, want %d", i, ts, BaseTime+i*ms)
		}
		if !g.clicked(i) {
			continue
		}
		clicks++
		c := g.clickTime(i)
		end := ts - ts%g.window + g.window
		if c < ts || c >= end || c-ts >= g.maxDelay || c%ms != 0 {
			t.Fatalf("display %d at %d: click at %d, want in [%d, min(%d, +300ms))", i, ts, c, ts, end)
		}
	}
	if clicks < 19_000 || clicks > 21_000 {
		t.Errorf("%d of 100000 displays clicked, want about 20000", clicks)
	}
}

// The window LEFT JOIN emits one row per display, and every click joins
// its display (ids are unique, clicks stay in the window and are never
// late), on both backends.
func TestRun(t *testing.T) {
	for _, backend := range []string{"hashmap", "pebble"} {
		t.Run(backend, func(t *testing.T) {
			c := Config{
				DisplaysPerSec: 5000, ClicksPerSec: 1000, Window: 500 * time.Millisecond, Duration: 2 * time.Second,
				MaxClickDelay: 100 * time.Millisecond, Backend: backend, Memory: 16 << 20, Parallelism: 2, Paced: false,
				NewRegistry: func() *connector.Registry { return all.NewRegistry() },
			}
			r, err := Run(context.Background(), c)
			if err != nil {
				t.Fatal(err)
			}
			if r.Displays != 10_000 {
				t.Fatalf("%d displays, want 10000", r.Displays)
			}
			if r.OutputRows != 10_000 || r.MatchedRows != r.ExpectedClicks || !r.OutputIsCorrect {
				t.Errorf("output %d rows, %d matched; want 10000 rows, %d matched", r.OutputRows, r.MatchedRows, r.ExpectedClicks)
			}
			if r.ExpectedClicks < 1800 || r.ExpectedClicks > 2200 {
				t.Errorf("%d clicks, want about 2000", r.ExpectedClicks)
			}
		})
	}
}
