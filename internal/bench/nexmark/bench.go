package nexmarkbench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

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

// Run measures each query once.
func Run(ctx context.Context, cfg Config) ([]Result, error) {
	var out []Result
	for _, q := range cfg.Queries {
		src, err := Script(q, cfg.Events, cfg.Rate, cfg.Parallelism)
		if err != nil {
			return out, err
		}
		runtime.GC()
		eng := &engine.Engine{Connectors: cfg.Connectors, Out: io.Discard, Err: io.Discard}
		peak := startPeakSampler()
		cpu0 := cpuTime()
		t0 := time.Now()
		err = eng.Run(ctx, src)
		wall := time.Since(t0).Seconds()
		cpu := cpuTime() - cpu0
		heap := peak()
		if err != nil {
			return out, fmt.Errorf("%s: %w", q, err)
		}
		out = append(out, Result{
			Query: q, Events: cfg.Events, Seconds: wall, CPUSeconds: cpu,
			EventsPerSecond: float64(cfg.Events) / wall, EventsPerCPUSec: float64(cfg.Events) / cpu,
			Parallelism: cfg.Parallelism, FirstEventRate: cfg.Rate, PeakHeapBytes: heap, CompletedNormally: ctx.Err() == nil,
		})
	}
	return out, nil
}

// cpuTime is the process's user + system CPU time in seconds.
func cpuTime() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
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
