package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/sluicehq/sluice/internal/bench/benchkit"
	groupbybench "github.com/sluicehq/sluice/internal/bench/groupby"
	nexmarkbench "github.com/sluicehq/sluice/internal/bench/nexmark"
	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/connector/all"
)

// benchGroupByCmd runs `sluice bench groupby`.
func benchGroupByCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench groupby", flag.ContinueOnError)
	backend := fs.String("backend", "both", "state backend: pebble, hashmap, or both (alternating runs, with the ratio)")
	keys := fs.Int64("keys", 10_000_000, "distinct BIGINT keys")
	rows := fs.Int64("rows", 0, "input rows (default: one per key, every row a new group; more repeat keys in the same order)")
	memory := fs.String("memory", "256mb", "pebble memory budget ('state.backend.pebble.memory')")
	dir := fs.String("dir", "", "pebble working directory (default: a temporary directory, removed after)")
	par := fs.Int("parallelism", 1, "parallelism of every operator")
	runs := fs.Int("runs", 1, "runs of each backend")
	sourceOnly := fs.Bool("source-ceiling", false, "first run the source and projection alone (no GROUP BY) and report its rate")
	printSQL := fs.Bool("print-sql", false, "print the SQL and exit")
	asJSON := fs.Bool("json", false, "print the results as JSON")
	quiet := fs.Bool("quiet", false, "no per-second progress lines")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the runs to this file")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	mem, err := config.ParseMemory(*memory)
	if err != nil {
		return usageError{fmt.Sprintf("--memory: %v", err)}
	}
	if *rows == 0 {
		*rows = *keys
	}
	if *backend != "both" && *backend != "pebble" && *backend != "hashmap" {
		return usageError{fmt.Sprintf("--backend must be pebble, hashmap or both, got %q", *backend)}
	}
	if *runs <= 0 {
		return usageError{"--runs must be positive"}
	}
	cfg := groupbybench.Config{Backend: *backend, Keys: *keys, Rows: *rows, Memory: mem, Dir: *dir,
		Parallelism: *par, Connectors: all.NewRegistry()}
	if *printSQL {
		if cfg.Backend == "both" {
			cfg.Backend = "pebble"
		}
		fmt.Print(groupbybench.Script(cfg))
		return nil
	}
	if !*quiet && !*asJSON {
		var last groupbybench.Sample
		cfg.Progress = func(s groupbybench.Sample) {
			if s.Elapsed < last.Elapsed {
				last = groupbybench.Sample{} // a new run
			}
			dt := (s.Elapsed - last.Elapsed).Seconds()
			fmt.Fprintf(os.Stderr, "%7.0fs %12.0f rows/s %12d groups %8.0fMB rss %8.0fMB peak %8.0fMB disk\n", s.Elapsed.Seconds(),
				float64(s.InputRows-last.InputRows)/dt, s.StateItems, mb(s.RSS), mb(s.HWM), mb(s.DiskBytes))
			last = s
		}
	}
	stop, err := startCPUProfile(*cpuprofile)
	if err != nil {
		return err
	}
	defer stop()

	var results []groupbybench.Result
	report := func(r *groupbybench.Result) {
		results = append(results, *r)
		if *asJSON {
			return
		}
		name := r.Backend
		if r.SourceOnly {
			name = "source only"
		}
		fmt.Printf("%-12s %8.1f s %12.0f rows/s %12.0f rows/s/core %8.0f MB peak RSS %8.0f MB peak disk\n", name,
			r.Seconds, r.RowsPerSec, r.RowsPerCPUSec, mb(r.PeakRSS), mb(r.PeakDiskBytes))
	}
	if !*asJSON {
		fmt.Printf("machine: %s\n", nexmarkbench.Machine())
		fmt.Printf("%d rows over %d keys, parallelism %d, pebble memory %s\n", cfg.Rows, cfg.Keys, cfg.Parallelism, *memory)
	}
	if *sourceOnly {
		c := cfg
		c.SourceOnly, c.Backend = true, "hashmap"
		r, err := groupbybench.Run(ctx, c)
		if err != nil {
			return err
		}
		report(r)
	}
	var cmp *groupbybench.Comparison
	if cfg.Backend == "both" {
		cmp, err = groupbybench.Compare(ctx, cfg, *runs, report)
	} else {
		for range *runs {
			var r *groupbybench.Result
			if r, err = groupbybench.Run(ctx, cfg); err != nil {
				break
			}
			report(r)
		}
	}
	if *asJSON {
		if jerr := printJSON(map[string]any{"results": results, "comparison": cmp}); jerr != nil {
			return jerr
		}
		return err
	}
	if err != nil {
		return err
	}
	perSec := func(r groupbybench.Result) float64 { return r.RowsPerSec }
	if cmp != nil {
		fmt.Printf("\nmedians of %d alternating runs: hashmap %.0f rows/s (%.0f/core), pebble %.0f rows/s (%.0f/core)\n",
			*runs, cmp.HashmapPerSec, cmp.HashmapPerCore, cmp.PebblePerSec, cmp.PebblePerCore)
		fmt.Printf("pebble/hashmap: %.1f%% of rows/s, %.1f%% of rows/s per core\n", 100*cmp.Ratio, 100*cmp.RatioPerCore)
	} else if *runs > 1 {
		fmt.Printf("\nmedian of %d runs: %.0f rows/s\n", *runs, benchkit.Median(results, perSec))
	}
	return nil
}
