package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	nexmarkbench "github.com/sluicehq/sluice/internal/bench/nexmark"
	"github.com/sluicehq/sluice/internal/bench/nexmark/queries"
	"github.com/sluicehq/sluice/internal/connector/all"
)

const benchUsage = "usage: sluice bench nexmark|lookup|saber|groupby|restart [flags]"

func benchCmd(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usageError{benchUsage}
	}
	switch args[0] {
	case "nexmark":
	case "lookup":
		return benchLookupCmd(ctx, args[1:])
	case "saber":
		return benchSaberCmd(ctx, args[1:])
	case "groupby":
		return benchGroupByCmd(ctx, args[1:])
	case "restart":
		return benchRestartCmd(ctx, args[1:])
	default:
		return usageError{benchUsage}
	}
	fs := flag.NewFlagSet("bench nexmark", flag.ContinueOnError)
	qs := fs.String("queries", "q0,q1,q2,q3,q4,q5,q7,q8,q9,q11,q12,q13,q15,q16,q17,q18,q19,q20,q21,q22", "comma-separated queries ("+strings.Join(queries.Names(), ",")+")")
	events := fs.Int64("events", 10_000_000, "events per query")
	rate := fs.Int64("rate", 100_000, "the generator's first-event.rate (events per second of event time)")
	par := fs.Int("parallelism", runtime.NumCPU(), "parallelism of every operator")
	asJSON := fs.Bool("json", false, "print results as JSON")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	ckpt := fs.Duration("checkpoint-interval", 0, "checkpoint every query at this interval into a temporary directory (0: no checkpoints)")
	compare := fs.Bool("compare-checkpointing", false, "run each query with checkpointing off and on (--checkpoint-interval, default 10s), alternating, and report the medians and the cost")
	runs := fs.Int("runs", 3, "runs of each setting with --compare-checkpointing")
	if help, err := parseFlags(fs, args[1:]); help || err != nil {
		return err
	}
	cfg := nexmarkbench.Config{
		Queries: strings.Split(*qs, ","), Events: *events, Rate: *rate, Parallelism: *par,
		Connectors: all.NewRegistry(), CheckpointInterval: *ckpt,
	}
	if *compare && cfg.CheckpointInterval == 0 {
		cfg.CheckpointInterval = 10 * time.Second
	}
	if cfg.CheckpointInterval < 0 {
		return usageError{"--checkpoint-interval must not be negative"}
	}
	stop, err := startCPUProfile(*cpuprofile)
	if err != nil {
		return err
	}
	defer stop()
	if *compare {
		return compareCheckpointing(ctx, cfg, *runs, *asJSON)
	}
	results, err := nexmarkbench.Run(ctx, cfg)
	if *asJSON {
		if jerr := printJSON(map[string]any{"results": results}); jerr != nil {
			return jerr
		}
		return err
	}
	fmt.Printf("machine: %s\n", nexmarkbench.Machine())
	fmt.Printf("events: %d per query, first-event.rate %d, parallelism %d\n\n", *events, *rate, *par)
	if cfg.CheckpointInterval > 0 {
		fmt.Printf("checkpointing every %s\n", cfg.CheckpointInterval)
	}
	fmt.Printf("%-6s %12s %12s %16s %12s", "query", "seconds", "events/s", "events/s/core", "peak heap")
	if cfg.CheckpointInterval > 0 {
		fmt.Printf(" %12s %9s", "checkpoints", "failures")
	}
	fmt.Println()
	for _, r := range results {
		fmt.Printf("%-6s %12.2f %12.0f %16.0f %10.0fMB", r.Query, r.Seconds, r.EventsPerSecond, r.EventsPerCPUSec, float64(r.PeakHeapBytes)/(1<<20))
		if cfg.CheckpointInterval > 0 {
			fmt.Printf(" %12d %9d", r.Checkpoints, r.CheckpointFailures)
		}
		fmt.Println()
	}
	return err
}

// compareCheckpointing runs each query with checkpointing off and on,
// alternating, and prints the medians and the cost of checkpointing.
func compareCheckpointing(ctx context.Context, cfg nexmarkbench.Config, runs int, asJSON bool) error {
	cmp, err := nexmarkbench.Compare(ctx, cfg, runs)
	if asJSON {
		if jerr := printJSON(map[string]any{"comparisons": cmp}); jerr != nil {
			return jerr
		}
		return err
	}
	fmt.Printf("machine: %s\n", nexmarkbench.Machine())
	fmt.Printf("events: %d per query, first-event.rate %d, parallelism %d\n", cfg.Events, cfg.Rate, cfg.Parallelism)
	fmt.Printf("checkpointing every %s against none, %d alternating runs each; medians\n\n", cfg.CheckpointInterval, runs)
	fmt.Printf("%-6s %8s %14s %14s %7s %12s %12s %7s %12s %9s\n", "query", "seconds", "off ev/s/core", "on ev/s/core", "cost",
		"off ev/s", "on ev/s", "cost", "checkpoints", "failures")
	for _, c := range cmp {
		var secs float64
		var n, fails []string
		for _, r := range c.On {
			secs += r.Seconds
			n = append(n, strconv.FormatInt(r.Checkpoints, 10))
			fails = append(fails, strconv.FormatInt(r.CheckpointFailures, 10))
		}
		fmt.Printf("%-6s %8.1f %14.0f %14.0f %6.1f%% %12.0f %12.0f %6.1f%% %12s %9s\n", c.Query, secs/float64(len(c.On)),
			c.OffPerCore, c.OnPerCore, 100*c.Cost, c.OffPerSec, c.OnPerSec, 100*c.WallCost,
			strings.Join(n, ","), strings.Join(fails, ","))
	}
	fmt.Println("\ncost = 1 - on/off; seconds = mean wall time of the checkpointed runs; checkpoints and failures per checkpointed run")
	fmt.Println("\nevents/s/core of each run, in order:")
	for _, c := range cmp {
		fmt.Printf("%-6s off %s\n%-6s on  %s\n", c.Query, perCore(c.Off), "", perCore(c.On))
	}
	return err
}

func perCore(rs []nexmarkbench.Result) string {
	var s []string
	for _, r := range rs {
		s = append(s, strconv.FormatFloat(r.EventsPerCPUSec, 'f', 0, 64))
	}
	return strings.Join(s, " ")
}

// startCPUProfile writes a CPU profile to path (none for "") until stop.
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// printJSON prints fields, with this machine's description under
// "machine", as indented JSON on stdout (the benches' --json output).
func printJSON(fields map[string]any) error {
	fields["machine"] = nexmarkbench.Machine()
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(fields)
}
