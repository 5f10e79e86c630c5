package groupbybench

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/sluicehq/sluice/internal/bench/benchkit"
	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/engine"
)

// stride spreads the sequence over the keys: coprime with any key count
// that is not a multiple of it (it is prime), so id*stride % keys visits
// every key once per keys rows.
const stride = 2_654_435_761

// Config is one benchmark run.
type Config struct {
	Backend     string // "hashmap" or "pebble"
	Keys, Rows  int64  // distinct keys, input rows (Rows >= Keys)
	Memory      int64  // pebble memory budget in bytes (0: the default)
	Dir         string // pebble working directory ("": a temporary one, removed after)
	Parallelism int
	// SourceOnly runs the source and projection into the sink without the
	// GROUP BY (the source's ceiling).
	SourceOnly bool
	Connectors *connector.Registry
	// Progress, when set, receives one sample per second while running.
	Progress func(Sample)
}

// Sample is the state of a run at one moment.
type Sample struct {
	Elapsed    time.Duration
	InputRows  int64 // rows read by the source so far
	RSS, HWM   int64 // resident and peak resident memory, bytes
	DiskBytes  int64 // size of the pebble directory
	StateItems int64 // groups in state
}

// Result is one run's measurement.
type Result struct {
	Backend       string  `json:"backend"`
	SourceOnly    bool    `json:"source_only,omitempty"`
	Keys          int64   `json:"keys"`
	Rows          int64   `json:"rows"`
	Memory        int64   `json:"pebble_memory_bytes,omitempty"`
	Parallelism   int     `json:"parallelism"`
	Seconds       float64 `json:"seconds"`
	CPUSeconds    float64 `json:"cpu_seconds"`
	RowsPerSec    float64 `json:"rows_per_second"`
	RowsPerCPUSec float64 `json:"rows_per_core_second"`
	PeakRSS       int64   `json:"peak_rss_bytes"`
	PeakDiskBytes int64   `json:"peak_state_disk_bytes"`
	OutputRows    int64   `json:"output_rows"`
	WantOutput    int64   `json:"want_output_rows"`
}

// Script is the benchmark's SQL.
func Script(c Config) string {
	var b strings.Builder
	fmt.Fprintf(&b, "SET 'parallelism.default' = '%d';\n", c.Parallelism)
	b.WriteString(benchkit.StateSettings(c.Backend, c.Memory, c.Dir))
	// The divisor is cast to BIGINT so that k is a BIGINT: MOD has the
	// divisor's type.
	fmt.Fprintf(&b, `CREATE TABLE t (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '0',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '0', 'fields.id.end' = '%d');
CREATE VIEW kv AS SELECT id * %d %% CAST(%d AS BIGINT) AS k, id AS v FROM t;
`, c.Rows-1, stride, c.Keys)
	if c.SourceOnly {
		b.WriteString(`CREATE TABLE sink (k BIGINT, v BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO sink SELECT k, v FROM kv;
`)
		return b.String()
	}
	b.WriteString(`CREATE TABLE sink (k BIGINT, c BIGINT, s BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO sink SELECT k, COUNT(*), SUM(v) FROM kv GROUP BY k;
`)
	return b.String()
}

// WantOutput is the number of changes the job writes: +I for the first row
// of each key, -U and +U for each later one (its count changes); the
// source-only job writes its rows.
func (c Config) WantOutput() int64 {
	if c.SourceOnly {
		return c.Rows
	}
	return c.Keys + 2*(c.Rows-c.Keys)
}

func (c Config) check() error {
	switch {
	case c.Backend != "hashmap" && c.Backend != "pebble":
		return fmt.Errorf("groupby bench: backend must be hashmap or pebble, got %q", c.Backend)
	case c.Keys <= 0 || c.Rows < c.Keys:
		return fmt.Errorf("groupby bench: need 0 < keys <= rows, got %d keys and %d rows", c.Keys, c.Rows)
	case c.Keys%stride == 0:
		return fmt.Errorf("groupby bench: keys must not be a multiple of %d", stride)
	case c.Rows > (1<<63-1)/stride:
		return fmt.Errorf("groupby bench: at most %d rows (id * %d must fit a BIGINT)", (1<<63-1)/stride, stride)
	case c.Parallelism <= 0:
		return fmt.Errorf("groupby bench: parallelism must be positive")
	}
	return nil
}

// Run runs the benchmark once.
func Run(ctx context.Context, c Config) (*Result, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	dir, cleanup, err := benchkit.StateDir(c.Backend, c.Dir, "sluice-groupby-")
	if err != nil {
		return nil, fmt.Errorf("groupby bench: %w", err)
	}
	defer cleanup()
	c.Dir = dir
	resetPeak()
	eng := &engine.Engine{Connectors: c.Connectors, Out: io.Discard, Err: io.Discard}
	res := &Result{Backend: c.Backend, SourceOnly: c.SourceOnly, Keys: c.Keys, Rows: c.Rows, Parallelism: c.Parallelism,
		WantOutput: c.WantOutput()}
	if c.Backend == "pebble" {
		res.Memory = c.Memory
	}
	wall, cpu, err := benchkit.RunSampled(ctx, eng, Script(c), func(elapsed time.Duration) {
		s := sample(eng, c, elapsed)
		res.PeakDiskBytes = max(res.PeakDiskBytes, s.DiskBytes)
		if c.Progress != nil {
			c.Progress(s)
		}
	})
	res.CPUSeconds = cpu
	if err != nil {
		return nil, err
	}
	for _, s := range eng.Stats() {
		res.OutputRows += s.SinkRows
	}
	res.Seconds = wall.Seconds()
	res.RowsPerSec = float64(c.Rows) / res.Seconds
	res.RowsPerCPUSec = float64(c.Rows) / res.CPUSeconds
	_, res.PeakRSS = benchkit.Memory()
	if res.OutputRows != res.WantOutput {
		return res, fmt.Errorf("groupby bench: %s wrote %d changes, want %d", c.Backend, res.OutputRows, res.WantOutput)
	}
	return res, nil
}

// resetPeak returns freed memory to the OS and resets VmHWM to the current
// resident size (Linux: writing 5 to clear_refs), so a run's peak is its
// own, not an earlier run's in the same process.
func resetPeak() {
	runtime.GC()
	debug.FreeOSMemory()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// sample reads the engine's counters, memory and the state directory.
func sample(eng *engine.Engine, c Config, elapsed time.Duration) Sample {
	s := Sample{Elapsed: elapsed}
	for _, j := range eng.JobStats() {
		s.InputRows += j.Stats.SourceRows
		for _, o := range j.Operators {
			s.StateItems += o.StateEntries
		}
	}
	s.RSS, s.HWM = benchkit.Memory()
	if c.Dir != "" {
		s.DiskBytes = benchkit.DirSize(c.Dir)
	}
	return s
}

// Comparison is the runs of Compare and their medians.
type Comparison struct {
	Hashmap, Pebble []Result
	// Medians of rows/s and rows per CPU second, and Pebble's share of
	// the hashmap backend's (median of rows/s over median of rows/s).
	HashmapPerSec, PebblePerSec   float64
	HashmapPerCore, PebblePerCore float64
	Ratio, RatioPerCore           float64
}

// Compare runs the job on the hashmap and the Pebble backend, alternating,
// runs times each (c.Backend is ignored), and reports the medians.
func Compare(ctx context.Context, c Config, runs int, each func(*Result)) (*Comparison, error) {
	var cmp Comparison
	for range runs {
		for _, be := range []string{"hashmap", "pebble"} {
			c.Backend = be
			r, err := Run(ctx, c)
			if err != nil {
				return &cmp, err
			}
			if each != nil {
				each(r)
			}
			if be == "hashmap" {
				cmp.Hashmap = append(cmp.Hashmap, *r)
			} else {
				cmp.Pebble = append(cmp.Pebble, *r)
			}
		}
	}
	perSec := func(r Result) float64 { return r.RowsPerSec }
	perCore := func(r Result) float64 { return r.RowsPerCPUSec }
	cmp.HashmapPerSec, cmp.PebblePerSec = benchkit.Median(cmp.Hashmap, perSec), benchkit.Median(cmp.Pebble, perSec)
	cmp.HashmapPerCore, cmp.PebblePerCore = benchkit.Median(cmp.Hashmap, perCore), benchkit.Median(cmp.Pebble, perCore)
	cmp.Ratio = cmp.PebblePerSec / cmp.HashmapPerSec
	cmp.RatioPerCore = cmp.PebblePerCore / cmp.HashmapPerCore
	return &cmp, nil
}
