package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	nexmarkbench "github.com/sluicehq/sluice/internal/bench/nexmark"
	restartbench "github.com/sluicehq/sluice/internal/bench/restart"
	"github.com/sluicehq/sluice/internal/config"
)

// benchRestartCmd runs `sluice bench restart`.
func benchRestartCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench restart", flag.ContinueOnError)
	backends := fs.String("backend", "pebble,hashmap", "state backends to measure, comma-separated (pebble, hashmap)")
	size := fs.String("state-size", "1gb", "checkpoint size on disk to build before the crash")
	runs := fs.Int("runs", 3, "restarts measured per backend (medians reported)")
	par := fs.Int("parallelism", 2, "parallelism of every operator")
	memory := fs.String("memory", "", "'state.backend.pebble.memory' (default: the engine's)")
	interval := fs.Duration("checkpoint-interval", 10*time.Second, "checkpoint interval while building the state")
	dir := fs.String("dir", "", "working directory (default: a temporary directory, removed after); kept when given")
	reuse := fs.Bool("reuse", false, "with --dir: restart from the checkpoint a previous run left there instead of building one")
	compare := fs.String("compare-exe", "", "another sluice binary: its restarts alternate with this one's on the same checkpoint")
	timeout := fs.Duration("timeout", 30*time.Minute, "limit for building the state and for each restart")
	asJSON := fs.Bool("json", false, "print the results as JSON")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	target, err := config.ParseMemory(*size)
	if err != nil {
		return usageError{fmt.Sprintf("--state-size: %v", err)}
	}
	if *runs < 1 || *par < 1 {
		return usageError{"--runs and --parallelism must be at least 1"}
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("bench restart: finding the sluice binary: %w", err)
	}
	base := *dir
	if base == "" {
		if base, err = os.MkdirTemp("", "sluice-restart-"); err != nil {
			return err
		}
		defer os.RemoveAll(base)
	}
	var results []restartbench.Result
	for _, b := range strings.Split(*backends, ",") {
		if b != "pebble" && b != "hashmap" {
			return usageError{fmt.Sprintf("--backend: unknown backend %q (pebble, hashmap)", b)}
		}
		cfg := restartbench.Config{Exe: exe, CompareExe: *compare, Reuse: *reuse, Backend: b, StateSize: target, Runs: *runs, Dir: filepath.Join(base, b),
			Parallelism: *par, Memory: *memory, CheckpointInterval: *interval, Timeout: *timeout}
		if !*asJSON {
			cfg.Log = os.Stderr
		}
		r, err := restartbench.Run(ctx, cfg)
		if *dir == "" {
			os.RemoveAll(cfg.Dir)
		}
		if err != nil {
			return fmt.Errorf("bench restart (%s): %w", b, err)
		}
		results = append(results, r)
	}
	if *asJSON {
		return printJSON(map[string]any{"results": results})
	}
	fmt.Printf("\nmachine: %s\n", nexmarkbench.Machine())
	fmt.Printf("GROUP BY over random keys, parallelism %d, checkpoint >= %s; %d restarts each, medians (seconds from process start)\n\n", *par, *size, *runs)
	fmt.Printf("%-8s %-14s %12s %12s %10s %12s %14s %14s %12s\n", "backend", "binary", "checkpoint", "state rows", "build", "restore", "restored at", "first record", "settled at")
	for _, r := range results {
		for _, e := range []string{exe, *compare} {
			if e == "" {
				continue
			}
			m := r.Median(e)
			settled := "-"
			if m.Settled > 0 {
				settled = fmt.Sprintf("%.2fs", m.Settled.Seconds())
			}
			fmt.Printf("%-8s %-14s %10.0fMB %12d %9.0fs %11.2fs %13.2fs %13.2fs %12s\n", r.Backend, filepath.Base(e), float64(r.CheckpointBytes)/(1<<20), r.StateRows,
				r.BuildSeconds, m.RestoreTook.Seconds(), m.Restored.Seconds(), m.FirstRecord.Seconds(), settled)
		}
	}
	fmt.Println("\nrestore: the engine's own time to give every operator instance its state; restored at / first record: wall time")
	fmt.Println("from starting `sluice run --resume` to its \"state restored\" line / to the aggregate's first row in (metrics);")
	fmt.Println("settled at: to the end of a fast Pebble restore's background work (key filters built, files copied locally), - if none")
	return nil
}
