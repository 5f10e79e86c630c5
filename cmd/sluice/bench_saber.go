package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	nexmarkbench "github.com/sluicehq/sluice/internal/bench/nexmark"
	saberbench "github.com/sluicehq/sluice/internal/bench/saber"
	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/connector/all"
)

// benchSaberCmd runs `sluice bench saber`.
func benchSaberCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench saber", flag.ContinueOnError)
	displays := fs.Int64("displays-per-sec", 150_000, "displays per second (event time; wall clock too unless --unpaced)")
	clicks := fs.Int64("clicks-per-sec", 20_000, "clicks per second: each clicks one display of the same window")
	window := fs.Duration("window", time.Minute, "tumbling window size")
	duration := fs.Duration("duration", 60*time.Second, "event time the displays cover")
	delay := fs.Duration("max-click-delay", time.Second, "a click comes up to this long after its display; also the watermark delay")
	backend := fs.String("backend", "pebble", "state backend: pebble or hashmap")
	memory := fs.String("memory", "64mb", "pebble memory budget ('state.backend.pebble.memory')")
	dir := fs.String("dir", "", "pebble working directory (default: a temporary directory, removed after)")
	par := fs.Int("parallelism", 2, "parallelism of every operator")
	unpaced := fs.Bool("unpaced", false, "generate as fast as the job takes rows (find the maximum) rather than at the rates")
	payload := fs.Int("payload", 0, "add a payload string column of this length to displays (bigger state)")
	printSQL := fs.Bool("print-sql", false, "print the SQL and exit")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	quiet := fs.Bool("quiet", false, "no per-second progress lines")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	mem, err := config.ParseMemory(*memory)
	if err != nil {
		return usageError{fmt.Sprintf("--memory: %v", err)}
	}
	if *displays <= 0 || *clicks < 0 || *clicks > *displays {
		return usageError{"--displays-per-sec must be positive and --clicks-per-sec between 0 and it"}
	}
	cfg := saberbench.Config{
		DisplaysPerSec: *displays, ClicksPerSec: *clicks, Window: *window, Duration: *duration, MaxClickDelay: *delay,
		Backend: *backend, Memory: mem, Dir: *dir, Parallelism: *par, Paced: !*unpaced, Payload: *payload,
		NewRegistry: func() *connector.Registry { return all.NewRegistry() },
	}
	if *printSQL {
		fmt.Print(saberbench.Script(cfg))
		return nil
	}
	if !*quiet && !*asJSON {
		fmt.Printf("%8s %12s %12s %12s %10s %10s %10s %8s\n", "elapsed", "input/s", "output/s", "entries", "rss", "peak rss", "disk", "lag")
		var last saberbench.Sample
		cfg.Progress = func(s saberbench.Sample) {
			dt := (s.Elapsed - last.Elapsed).Seconds()
			fmt.Printf("%7.0fs %12.0f %12.0f %12d %8.0fMB %8.0fMB %8.0fMB %7.1fs\n", s.Elapsed.Seconds(),
				float64(s.InputRows-last.InputRows)/dt, float64(s.OutputRows-last.OutputRows)/dt, s.StateEntries,
				mb(s.RSS), mb(s.HWM), mb(s.DiskBytes), s.LagSeconds)
			last = s
		}
	}
	stop, err := startCPUProfile(*cpuprofile)
	if err != nil {
		return err
	}
	defer stop()
	r, err := saberbench.Run(ctx, cfg)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(map[string]any{"result": r})
	}
	mode := "paced"
	if !cfg.Paced {
		mode = "unpaced"
	}
	fmt.Printf("\nmachine: %s\n", nexmarkbench.Machine())
	fmt.Printf("backend %s (memory %s), parallelism %d, %s, window %s, %d displays + %d clicks over %s of event time\n",
		cfg.Backend, *memory, cfg.Parallelism, mode, cfg.Window, r.Displays, r.Clicks, cfg.Duration)
	fmt.Printf("wall time        %.1f s (%.1f CPU s: %.0f input events per CPU second)\n", r.Seconds, r.CPUSeconds, r.InputPerCPUSec)
	fmt.Printf("input            %.0f events/s (target %d)\n", r.InputPerSec, cfg.DisplaysPerSec+cfg.ClicksPerSec)
	fmt.Printf("output           %d rows (%d matched), %.0f rows/s; correct: %t\n", r.OutputRows, r.MatchedRows, r.OutputPerSec, r.OutputIsCorrect)
	if cfg.Paced {
		fmt.Printf("max source lag   %.1f s\n", r.MaxLagSeconds)
		fmt.Printf("emit delay       p50 %s, p99 %s after the window end (wall clock; includes the %s watermark delay)\n",
			r.EmitDelayP50.Round(time.Millisecond), r.EmitDelayP99.Round(time.Millisecond), cfg.MaxClickDelay)
	}
	fmt.Printf("peak RSS         %.0f MB\n", mb(r.PeakRSS))
	fmt.Printf("peak state       %d entries, %.0f MB on disk\n", r.PeakEntries, mb(r.PeakStateBytes))
	if !r.OutputIsCorrect {
		return fmt.Errorf("saber bench: wrong output: %d rows (%d matched), want %d rows (%d matched)",
			r.OutputRows, r.MatchedRows, r.Displays, r.ExpectedClicks)
	}
	return nil
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }
