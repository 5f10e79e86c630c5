package nexmarkbench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/internal/bench/benchkit"
	"github.com/sluicehq/sluice/internal/bench/nexmark/queries"
	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/connector/nexmark"
	"github.com/sluicehq/sluice/internal/engine"
)

// Config is one benchmark run.
type Config struct {
	Queries     []string
	Events      int64
	Rate        int64 // first-event.rate
	Parallelism int
	Connectors  *connector.Registry
	// CheckpointInterval, when positive, checkpoints every query at this
	// interval into a temporary directory deleted after the run.
	CheckpointInterval time.Duration
}

// Result is one query's measurement.
type Result struct {
	Query             string  `json:"query"`
	Events            int64   `json:"events"`
	Seconds           float64 `json:"seconds"`
	CPUSeconds        float64 `json:"cpu_seconds"`
	EventsPerSecond   float64 `json:"events_per_second"`
	EventsPerCPUSec   float64 `json:"events_per_core_second"`
	Parallelism       int     `json:"parallelism"`
	FirstEventRate    int64   `json:"first_event_rate"`
	PeakHeapBytes     uint64  `json:"peak_heap_bytes"`
	CompletedNormally bool    `json:"completed"`
	// With checkpointing: the interval, and the checkpoints the job
	// completed and those that failed or were aborted (one in progress
	// when the job ends counts as aborted).
	CheckpointInterval string `json:"checkpoint_interval,omitempty"`
	Checkpoints        int64  `json:"checkpoints"`
	CheckpointFailures int64  `json:"checkpoint_failures"`
}

// Script builds the SQL a query runs: the nexmark table, its views and the
// query's sink and INSERT.
func Script(query string, events, rate int64, parallelism int) (string, error) {
	q, err := queries.Query(query)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "SET 'parallelism.default' = '%d';\n", parallelism)
	b.WriteString(nexmark.TableDDL("datagen", map[string]string{
		"events.num":       strconv.FormatInt(events, 10),
		"first-event.rate": strconv.FormatInt(rate, 10),
		"base-time":        "1577836800000", // 2020-01-01: identical runs
	}))
	b.WriteString(nexmark.ViewsDDL("datagen"))
	b.WriteString(q)
	return b.String(), nil
}

// WithSideInput writes q13's side input (queries.SideInputCSV) into a new
// temporary directory and replaces queries.SideInputPath in script with its
// path; scripts without the placeholder are returned as they are. cleanup
// removes the directory.
func WithSideInput(script string) (string, func(), error) {
	if !strings.Contains(script, queries.SideInputPath) {
		return script, func() {}, nil
	}
	dir, err := os.MkdirTemp("", "sluice-bench-side-input-")
	if err != nil {
		return "", nil, fmt.Errorf("the side input: %w", err)
	}
	cleanup := func() { os.RemoveAll(dir) }
	path := filepath.Join(dir, "side_input.csv")
	if err := os.WriteFile(path, []byte(queries.SideInputCSV()), 0o644); err != nil {
		cleanup()
		return "", nil, fmt.Errorf("the side input: %w", err)
	}
	return strings.ReplaceAll(script, queries.SideInputPath, strings.ReplaceAll(path, "'", "''")), cleanup, nil
}

// Run measures each query once.
func Run(ctx context.Context, cfg Config) ([]Result, error) {
	var out []Result
	for _, q := range cfg.Queries {
		r, err := runOne(ctx, cfg, q, cfg.CheckpointInterval)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

// checkpointSettings are the SET statements that checkpoint every interval
// into dir. A failure fails the run rather than restarting the job, which
// would distort the measurement.
func checkpointSettings(interval time.Duration, dir string) string {
	return fmt.Sprintf("SET 'execution.checkpointing.interval' = '%d ms';\n"+
		"SET 'state.checkpoints.dir' = '%s';\n"+
		"SET 'restart-strategy.type' = 'none';\n", interval.Milliseconds(), strings.ReplaceAll(dir, "'", "''"))
}

// runOne measures query q once, checkpointing every interval if positive.
func runOne(ctx context.Context, cfg Config, q string, interval time.Duration) (Result, error) {
	src, err := Script(q, cfg.Events, cfg.Rate, cfg.Parallelism)
	if err != nil {
		return Result{}, err
	}
	src, cleanup, err := WithSideInput(src)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", q, err)
	}
	defer cleanup()
	if interval > 0 {
		dir, err := os.MkdirTemp("", "sluice-bench-checkpoints-")
		if err != nil {
			return Result{}, err
		}
		defer os.RemoveAll(dir)
		src = checkpointSettings(interval, dir) + src
	}
	runtime.GC()
	eng := &engine.Engine{Connectors: cfg.Connectors, Out: io.Discard, Err: io.Discard}
	peak := startPeakSampler()
	cpu0 := benchkit.CPUTime()
	t0 := time.Now()
	err = eng.Run(ctx, src)
	wall := time.Since(t0).Seconds()
	cpu := benchkit.CPUTime() - cpu0
	heap := peak()
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", q, err)
	}
	r := Result{
		Query: q, Events: cfg.Events, Seconds: wall, CPUSeconds: cpu,
		EventsPerSecond: float64(cfg.Events) / wall, EventsPerCPUSec: float64(cfg.Events) / cpu,
		Parallelism: cfg.Parallelism, FirstEventRate: cfg.Rate, PeakHeapBytes: heap, CompletedNormally: ctx.Err() == nil,
	}
	if interval > 0 {
		r.CheckpointInterval = interval.String()
		for _, s := range eng.Stats() {
			r.Checkpoints += s.Checkpoints
			r.CheckpointFailures += s.CheckpointFailures
		}
	}
	return r, nil
}

// startPeakSampler samples the heap in use until the returned function is
// called, which returns the peak.
func startPeakSampler() func() uint64 {
	done := make(chan struct{})
	res := make(chan uint64, 1)
	go func() {
		var peak uint64
		var ms runtime.MemStats
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-done:
				res <- peak
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { close(done); return <-res }
}

// Machine describes this machine for the report.
func Machine() string {
	model := "unknown CPU"
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	return fmt.Sprintf("%s, %d cores, %s %s/%s", model, runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
