package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"

	nexmarkbench "github.com/sluicehq/sluice/internal/bench/nexmark"
	"github.com/sluicehq/sluice/internal/bench/nexmark/queries"
	"github.com/sluicehq/sluice/internal/connector/all"
)

func benchCmd(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "nexmark" {
		return usageError{"usage: sluice bench nexmark [flags]"}
	}
	fs := flag.NewFlagSet("bench nexmark", flag.ContinueOnError)
	qs := fs.String("queries", "q0,q1,q2,q11,q12,q15,q16,q17,q21,q22", "comma-separated queries ("+strings.Join(queries.Names(), ",")+")")
	events := fs.Int64("events", 10_000_000, "events per query")
	rate := fs.Int64("rate", 100_000, "the generator's first-event.rate (events per second of event time)")
	par := fs.Int("parallelism", runtime.NumCPU(), "parallelism of every operator")
	asJSON := fs.Bool("json", false, "print results as JSON")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usageError{err.Error()}
	}
	cfg := nexmarkbench.Config{
		Queries: strings.Split(*qs, ","), Events: *events, Rate: *rate, Parallelism: *par,
		Connectors: all.NewRegistry(),
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	results, err := nexmarkbench.Run(ctx, cfg)
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if jerr := enc.Encode(map[string]any{"machine": nexmarkbench.Machine(), "results": results}); jerr != nil {
			return jerr
		}
		return err
	}
	fmt.Printf("machine: %s\n", nexmarkbench.Machine())
	fmt.Printf("events: %d per query, first-event.rate %d, parallelism %d\n\n", *events, *rate, *par)
	fmt.Printf("%-6s %12s %12s %16s %12s\n", "query", "seconds", "events/s", "events/s/core", "peak heap")
	for _, r := range results {
		fmt.Printf("%-6s %12.2f %12.0f %16.0f %10.0fMB\n", r.Query, r.Seconds, r.EventsPerSecond, r.EventsPerCPUSec, float64(r.PeakHeapBytes)/(1<<20))
	}
	return err
}
