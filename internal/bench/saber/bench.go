package saberbench

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/sluicehq/sluice/internal/bench/benchkit"
	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/engine"
)

// Config is one benchmark run.
type Config struct {
	DisplaysPerSec int64
	ClicksPerSec   int64
	Window         time.Duration // tumbling window size
	Duration       time.Duration // event time covered by the displays
	MaxClickDelay  time.Duration // also the watermark delay
	Backend        string        // "hashmap" or "pebble"
	Memory         int64         // pebble memory budget in bytes (0: default)
	Dir            string        // pebble working directory ("" : a temporary one, removed after)
	Parallelism    int
	Paced          bool
	Payload        int // length of the display's payload column (0: none)
	// Connectors is the registry the benchmark adds its generator and sink
	// to (a fresh one per run is made from it with NewRegistry).
	NewRegistry func() *connector.Registry
	// Progress, when set, receives one sample per second while running.
	Progress func(Sample)
}

// Displays is the number of displays the run generates.
func (c Config) Displays() int64 {
	return int64(c.Duration.Seconds() * float64(c.DisplaysPerSec))
}

// Sample is the state of a run at one moment.
type Sample struct {
	Elapsed      time.Duration
	InputRows    int64 // rows read by the sources so far
	OutputRows   int64 // rows written by the sink so far
	StateEntries int64 // entries in the join's state (where tracked)
	RSS, HWM     int64 // resident and peak resident memory, bytes
	DiskBytes    int64 // size of the pebble directory
	// LagSeconds is, when paced, how far the sources are behind the
	// wall clock: (due - read) / rate.
	LagSeconds float64
}

// Result is one run's measurement.
type Result struct {
	Config          Config        `json:"-"`
	Backend         string        `json:"backend"`
	Paced           bool          `json:"paced"`
	Displays        int64         `json:"displays"`
	Clicks          int64         `json:"clicks"`
	Seconds         float64       `json:"seconds"`
	CPUSeconds      float64       `json:"cpu_seconds"`
	InputPerCPUSec  float64       `json:"input_events_per_core_second"`
	InputPerSec     float64       `json:"input_events_per_second"`
	OutputRows      int64         `json:"output_rows"`
	MatchedRows     int64         `json:"matched_rows"`
	OutputPerSec    float64       `json:"output_rows_per_second"`
	LateDropped     int64         `json:"late_dropped"`
	PeakRSS         int64         `json:"peak_rss_bytes"`
	PeakStateBytes  int64         `json:"peak_state_disk_bytes"`
	PeakEntries     int64         `json:"peak_state_entries"`
	MaxLagSeconds   float64       `json:"max_lag_seconds"`
	EmitDelayP50    time.Duration `json:"emit_delay_p50_ns"`
	EmitDelayP99    time.Duration `json:"emit_delay_p99_ns"`
	Samples         []Sample      `json:"samples"`
	ExpectedClicks  int64         `json:"expected_clicks"`
	OutputIsCorrect bool          `json:"output_correct"`
}

// Script is the benchmark's SQL: the two generated streams, the counting
// sink, and the window LEFT JOIN.
func Script(c Config) string {
	var b strings.Builder
	fmt.Fprintf(&b, "SET 'parallelism.default' = '%d';\n", c.Parallelism)
	b.WriteString(benchkit.StateSettings(c.Backend, c.Memory, c.Dir))
	with := func(stream string) string {
		return fmt.Sprintf("'connector' = 'saber-gen', 'stream' = '%s', 'displays-per-second' = '%d', 'clicks-per-second' = '%d',\n"+
			"  'displays' = '%d', 'window' = '%d ms', 'max-click-delay' = '%d ms', 'paced' = '%t', 'payload' = '%d'",
			stream, c.DisplaysPerSec, c.ClicksPerSec, c.Displays(), c.Window.Milliseconds(), c.MaxClickDelay.Milliseconds(), c.Paced, c.Payload)
	}
	payloadCol, payloadSel := "", ""
	if c.Payload > 0 {
		payloadCol, payloadSel = ", payload STRING", ", d.payload"
	}
	wm := seconds(c.MaxClickDelay)
	fmt.Fprintf(&b, `CREATE TABLE display (id BIGINT, user_id BIGINT, item_id BIGINT, ts TIMESTAMP(3)%s,
  WATERMARK FOR ts AS ts - INTERVAL '%s' SECOND) WITH (
  %s);
CREATE TABLE click (display_id BIGINT, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '%s' SECOND) WITH (
  %s);
CREATE TABLE joined (window_start TIMESTAMP(3), window_end TIMESTAMP(3), id BIGINT, user_id BIGINT, item_id BIGINT%s,
  display_ts TIMESTAMP(3), click_ts TIMESTAMP(3)) WITH ('connector' = 'saber-sink');
INSERT INTO joined
SELECT d.window_start, d.window_end, d.id, d.user_id, d.item_id%s, d.ts, c.ts
FROM (SELECT * FROM TABLE(TUMBLE(TABLE display, DESCRIPTOR(ts), INTERVAL '%s' SECOND))) d
LEFT JOIN (SELECT * FROM TABLE(TUMBLE(TABLE click, DESCRIPTOR(ts), INTERVAL '%s' SECOND))) c
ON d.id = c.display_id AND d.window_start = c.window_start AND d.window_end = c.window_end;
`, payloadCol, wm, with("display"), wm, with("click"), payloadCol, payloadSel, seconds(c.Window), seconds(c.Window))
	return b.String()
}

// seconds renders d as an SQL interval's seconds, to the millisecond.
func seconds(d time.Duration) string {
	ms := d.Milliseconds()
	return fmt.Sprintf("%d.%03d", ms/1000, ms%1000)
}

// ExpectedClicks counts the displays of the run that get a click.
func ExpectedClicks(c Config) int64 {
	g := &genSpec{rate: c.DisplaysPerSec, seed: 1, clickThresh: clickThreshold(c.ClicksPerSec, c.DisplaysPerSec)}
	var n int64
	for i := range c.Displays() {
		if g.clicked(i) {
			n++
		}
	}
	return n
}

// Run runs the benchmark once.
func Run(ctx context.Context, c Config) (*Result, error) {
	if c.Backend != "hashmap" && c.Backend != "pebble" {
		return nil, fmt.Errorf("saber bench: backend must be hashmap or pebble, got %q", c.Backend)
	}
	dir, cleanup, err := benchkit.StateDir(c.Backend, c.Dir, "sluice-saber-")
	if err != nil {
		return nil, fmt.Errorf("saber bench: %w", err)
	}
	defer cleanup()
	c.Dir = dir
	clk := &clock{}
	cnt := &counter{clock: clk, paced: c.Paced}
	reg := c.NewRegistry()
	if err := reg.Register(genFactory(clk)); err != nil {
		return nil, err
	}
	if err := reg.Register(sinkFactory(cnt)); err != nil {
		return nil, err
	}
	eng := &engine.Engine{Connectors: reg, Out: io.Discard, Err: io.Discard}
	res := &Result{Config: c, Backend: c.Backend, Paced: c.Paced, Displays: c.Displays(), ExpectedClicks: ExpectedClicks(c)}
	wall, cpu, err := benchkit.RunSampled(ctx, eng, Script(c), func(elapsed time.Duration) {
		s := sample(eng, c, elapsed, clk)
		res.Samples = append(res.Samples, s)
		if c.Progress != nil {
			c.Progress(s)
		}
	})
	res.CPUSeconds = cpu
	if err != nil {
		return nil, err
	}
	res.Seconds = wall.Seconds()
	res.OutputRows, res.MatchedRows = cnt.rows.Load(), cnt.matched.Load()
	res.Clicks = res.ExpectedClicks // every click joins its display
	res.InputPerSec = float64(res.Displays+res.Clicks) / res.Seconds
	res.InputPerCPUSec = float64(res.Displays+res.Clicks) / res.CPUSeconds
	res.OutputPerSec = float64(res.OutputRows) / res.Seconds
	res.OutputIsCorrect = res.OutputRows == res.Displays && res.MatchedRows == res.ExpectedClicks
	for _, s := range res.Samples {
		res.PeakRSS = max(res.PeakRSS, s.HWM)
		res.PeakStateBytes = max(res.PeakStateBytes, s.DiskBytes)
		res.PeakEntries = max(res.PeakEntries, s.StateEntries)
		res.MaxLagSeconds = max(res.MaxLagSeconds, s.LagSeconds)
	}
	if _, hwm := benchkit.Memory(); hwm > res.PeakRSS {
		res.PeakRSS = hwm
	}
	if c.Paced {
		p := cnt.percentiles(0.5, 0.99)
		res.EmitDelayP50, res.EmitDelayP99 = p[0], p[1]
	}
	return res, nil
}

// sample reads the engine's counters, memory and the state directory.
func sample(eng *engine.Engine, c Config, elapsed time.Duration, clk *clock) Sample {
	s := Sample{Elapsed: elapsed}
	for _, j := range eng.JobStats() {
		s.InputRows += j.Stats.SourceRows
		s.OutputRows += j.Stats.SinkRows
		for _, o := range j.Operators {
			s.StateEntries += o.StateEntries
		}
	}
	s.RSS, s.HWM = benchkit.Memory()
	if c.Dir != "" {
		s.DiskBytes = benchkit.DirSize(c.Dir)
	}
	if c.Paced {
		due := time.Since(clk.begin()).Seconds() * float64(c.DisplaysPerSec+c.ClicksPerSec)
		due = min(due, float64(c.Displays())*(1+float64(c.ClicksPerSec)/float64(c.DisplaysPerSec)))
		s.LagSeconds = max(0, (due-float64(s.InputRows))/float64(c.DisplaysPerSec+c.ClicksPerSec))
	}
	return s
}
