package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/sluicehq/sluice/internal/connector/all"
	"github.com/sluicehq/sluice/internal/engine"
	"github.com/sluicehq/sluice/internal/metrics"
	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/runtime/task"
	"github.com/sluicehq/sluice/internal/types"
)

func runCmd(args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	savepointDir := fs.String("savepoint-dir", "", "on SIGINT/SIGTERM, take a savepoint of every job into this directory (job n in DIR/job-n) before stopping; on SIGUSR1, take one into DIR/savepoint-<time> and keep running")
	fromSavepoint := fs.String("from-savepoint", "", "start the jobs from this savepoint or checkpoint (as SET 'execution.savepoint.path')")
	resume := fs.Bool("resume", false, "start each job from its latest complete checkpoint under 'state.checkpoints.dir'")
	metricsPort := fs.Int("metrics-port", 0, "serve Prometheus metrics on this port at /metrics (as SET 'metrics.port')")
	progress := fs.Bool("progress", isTerminal(os.Stderr), "show a live progress line on stderr (default: when stderr is a terminal)")
	var sets multiFlag
	fs.Var(&sets, "set", "a setting, as with SET in the script: -set parallelism.default=4 (repeatable)")
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "Usage: sluice run [flags] SCRIPT.sql (or - for standard input)")
		fs.PrintDefaults()
	}
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageError{"run needs exactly one script"}
	}
	src, err := readScript(fs.Arg(0))
	if err != nil {
		return err
	}
	var prefix strings.Builder
	for _, s := range sets {
		k, v, ok := strings.Cut(s, "=")
		if !ok {
			return usageError{fmt.Sprintf("-set %q: write key=value", s)}
		}
		fmt.Fprintf(&prefix, "SET '%s' = '%s';", strings.TrimSpace(k), strings.ReplaceAll(strings.TrimSpace(v), "'", "''"))
	}
	// Settings go on the first line so the script's line numbers hold.
	if prefix.Len() > 0 {
		src = prefix.String() + " " + src
	}
	eng := &engine.Engine{
		Connectors:      all.NewRegistry(all.WithOutput(os.Stdout, os.Stderr)),
		Out:             os.Stdout,
		Err:             os.Stderr,
		Resume:          *resume,
		FromSavepoint:   *fromSavepoint,
		SavepointOnStop: *savepointDir != "",
	}
	var stopMetrics func()
	eng.ServeMetrics = func(port int) error {
		var err error
		stopMetrics, err = metrics.Serve(fmt.Sprintf(":%d", port), eng)
		return err
	}
	if *metricsPort != 0 {
		if err := eng.ServeMetrics(*metricsPort); err != nil {
			return err
		}
		eng.ServeMetrics = nil // the flag wins over SET
	}
	defer func() {
		if stopMetrics != nil {
			stopMetrics()
		}
	}()
	ctx, stop := stopOnSignal(eng, *savepointDir)
	defer stop()
	defer savepointOnSignal(ctx, eng, *savepointDir)()
	var line *progressLine
	if *progress {
		line = &progressLine{start: time.Now()}
		eng.Progress = line.update
	}
	err = eng.Run(ctx, src)
	if line != nil {
		line.clear()
	}
	if err == nil && ctx.Err() != nil {
		fmt.Fprintln(os.Stderr, "stopped")
	}
	return err
}

// stopOnSignal cancels the run on SIGINT or SIGTERM, first taking a
// savepoint into dir when one is given; a second signal stops at once.
func stopOnSignal(eng *engine.Engine, dir string) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case <-sigs:
		case <-ctx.Done():
			return
		}
		if dir != "" {
			fmt.Fprintf(os.Stderr, "\ntaking a savepoint into %s (signal again to stop without it)\n", dir)
			spCtx, spCancel := context.WithCancel(ctx)
			go func() {
				select {
				case <-sigs:
					spCancel()
				case <-spCtx.Done():
				}
			}()
			if err := eng.Savepoint(spCtx, dir); err != nil {
				fmt.Fprintln(os.Stderr, "savepoint failed:", err)
			} else {
				fmt.Fprintln(os.Stderr, "savepoint written to", dir)
			}
			spCancel()
		}
		cancel()
	}()
	return ctx, func() { signal.Stop(sigs); cancel() }
}

// savepointOnSignal takes a savepoint into a new directory under dir on
// each SIGUSR1 and lets the jobs run on (Flink's `flink savepoint`, while
// SIGINT/SIGTERM is its stop-with-savepoint).
func savepointOnSignal(ctx context.Context, eng *engine.Engine, dir string) func() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGUSR1)
	go func() {
		for {
			select {
			case <-sigs:
			case <-ctx.Done():
				return
			}
			if dir == "" {
				fmt.Fprintln(os.Stderr, "warning: SIGUSR1 ignored: run with --savepoint-dir DIR to take savepoints")
				continue
			}
			sp := filepath.Join(dir, "savepoint-"+time.Now().UTC().Format("20060102-150405.000"))
			fmt.Fprintf(os.Stderr, "\ntaking a savepoint into %s\n", sp)
			if err := eng.Savepoint(ctx, sp); err != nil {
				fmt.Fprintln(os.Stderr, "savepoint failed:", err)
			} else {
				fmt.Fprintln(os.Stderr, "savepoint written to", sp)
			}
		}
	}()
	return func() { signal.Stop(sigs) }
}

func readScript(path string) (string, error) {
	var b []byte
	var err error
	if path == "-" {
		b, err = io.ReadAll(os.Stdin)
	} else {
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return "", fmt.Errorf("reading the script: %w", err)
	}
	return string(b), nil
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// renderError shows script errors with the offending line.
func renderError(err error) string {
	var se *engine.ScriptError
	if errors.As(err, &se) {
		return "error: " + se.Render()
	}
	return "error: " + err.Error()
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressLine draws "rows in/out per second, watermark" on stderr.
type progressLine struct {
	start   time.Time
	last    time.Time
	lastIn  int64
	lastOut int64
	drawn   bool
}

func (p *progressLine) update(stats []task.Stats) {
	var in, out, late, skipped int64
	wm := int64(operator.EndOfTime)
	for _, s := range stats {
		in += s.SourceRows
		out += s.SinkRows
		late += s.LateDropped
		skipped += s.Skipped
		wm = min(wm, s.Watermark)
	}
	now := time.Now()
	dt := now.Sub(p.last).Seconds()
	if p.last.IsZero() {
		dt = now.Sub(p.start).Seconds()
	}
	rin, rout := float64(in-p.lastIn)/dt, float64(out-p.lastOut)/dt
	p.last, p.lastIn, p.lastOut = now, in, out
	w := "-"
	if wm != operator.NoWatermark && wm != operator.EndOfTime {
		w = types.FormatSQL(types.IntValue(wm), types.TimestampType(3))
	}
	msg := fmt.Sprintf("%s  in %s/s (%d)  out %s/s (%d)  watermark %s", time.Since(p.start).Truncate(time.Second), human(rin), in, human(rout), out, w)
	if late > 0 {
		msg += fmt.Sprintf("  late %d", late)
	}
	if skipped > 0 {
		msg += fmt.Sprintf("  bad records skipped %d", skipped)
	}
	fmt.Fprintf(os.Stderr, "\r\033[K%s", msg)
	p.drawn = true
}

func (p *progressLine) clear() {
	if p.drawn {
		fmt.Fprint(os.Stderr, "\r\033[K")
	}
}

func human(x float64) string {
	switch {
	case x >= 1e6:
		return fmt.Sprintf("%.2fM", x/1e6)
	case x >= 1e3:
		return fmt.Sprintf("%.1fk", x/1e3)
	}
	return fmt.Sprintf("%.0f", x)
}
