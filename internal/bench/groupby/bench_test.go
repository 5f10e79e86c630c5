package groupbybench

import (
	"context"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/connector/all"
)

// The job writes one +I per key and -U/+U per later row of a key on either
// backend (Run fails otherwise); the source-only job writes its rows.
func TestRun(t *testing.T) {
	for _, c := range []Config{
		{Backend: "hashmap", Keys: 1000, Rows: 2500},
		{Backend: "pebble", Keys: 1000, Rows: 2500, Memory: 16 << 20, Dir: t.TempDir()},
		{Backend: "hashmap", Keys: 1000, Rows: 1000, SourceOnly: true},
	} {
		c.Parallelism, c.Connectors = 2, all.NewRegistry()
		r, err := Run(context.Background(), c)
		if err != nil {
			t.Fatalf("%s: %v", c.Backend, err)
		}
		want := int64(1000 + 2*1500)
		if c.SourceOnly {
			want = 1000
		}
		if r.OutputRows != want || r.RowsPerSec <= 0 || r.PeakRSS <= 0 {
			t.Errorf("%s (source only %t): %d changes, %.0f rows/s, peak RSS %d; want %d changes and positive rates",
				c.Backend, c.SourceOnly, r.OutputRows, r.RowsPerSec, r.PeakRSS, want)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	for _, c := range []Config{
		{Backend: "rocks", Keys: 10, Rows: 10, Parallelism: 1},
		{Backend: "pebble", Keys: 10, Rows: 5, Parallelism: 1},
		{Backend: "pebble", Keys: 10, Rows: 10},
	} {
		if _, err := Run(context.Background(), c); err == nil || !strings.HasPrefix(err.Error(), "groupby bench:") {
			t.Errorf("%+v: got %v, want a groupby bench error", c, err)
		}
	}
}
