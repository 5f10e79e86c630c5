package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/runtime/task"
	"github.com/sluicehq/sluice/internal/sql/analyzer"
	"github.com/sluicehq/sluice/internal/sql/ast"
	"github.com/sluicehq/sluice/internal/sql/functions"
	"github.com/sluicehq/sluice/internal/sql/optimizer"
	"github.com/sluicehq/sluice/internal/sql/parser"
	"github.com/sluicehq/sluice/internal/sql/physical"
	"github.com/sluicehq/sluice/internal/sql/plan"
	pebblestate "github.com/sluicehq/sluice/internal/state/pebble"
)

// Engine runs scripts.
type Engine struct {
	Connectors *connector.Registry
	// Out receives query results, EXPLAIN and SHOW output.
	Out io.Writer
	// Err receives warnings and the progress line.
	Err io.Writer
	// Progress, when set, is called about twice a second with each running
	// job's counters (the CLI draws a status line from it).
	Progress func([]task.Stats)
	// Now overrides the processing-time clock (tests).
	Now func() int64
	// Resume starts each job from its latest complete checkpoint under
	// 'state.checkpoints.dir', if it has one.
	Resume bool
	// FromSavepoint starts the jobs from a savepoint (as SET
	// 'execution.savepoint.path').
	FromSavepoint string
	// SavepointOnStop says Savepoint will be called (stop-with-savepoint):
	// a job without 'state.checkpoints.dir' then still gets a checkpoint
	// coordinator, with a temporary working directory removed when Run
	// returns, as Flink takes a savepoint without checkpointing set up.
	SavepointOnStop bool

	// ServeMetrics, when set, is called once with the port of SET
	// 'metrics.port' when the first job starts (the CLI serves Prometheus
	// metrics there).
	ServeMetrics func(port int) error

	mu      sync.Mutex
	active  *runner
	serving bool
}

// Savepoint takes a savepoint of every running job of the script: job n
// goes to dir/job-n. Stop-with-savepoint is Savepoint, then cancelling Run.
func (e *Engine) Savepoint(ctx context.Context, dir string) error {
	e.mu.Lock()
	r := e.active
	e.mu.Unlock()
	if r == nil {
		return errors.New("no script is running")
	}
	r.mu.Lock()
	jobs := append([]*task.Job(nil), r.jobs...)
	r.mu.Unlock()
	if len(jobs) == 0 {
		return errors.New("no job is running")
	}
	for n, j := range jobs {
		if j == nil {
			continue // being (re)started
		}
		if err := j.Savepoint(ctx, filepath.Join(dir, fmt.Sprintf("job-%d", n))); err != nil {
			return fmt.Errorf("job %d: %w", n, err)
		}
	}
	return nil
}

// ScriptError is a statement error with the script it came from, so the
// caller can render the offending line.
type ScriptError struct {
	Src string
	Err *ast.Error
}

func (e *ScriptError) Error() string { return e.Err.Error() }
func (e *ScriptError) Unwrap() error { return e.Err }

// Render shows the error with the offending line and a caret.
func (e *ScriptError) Render() string { return e.Err.Render(e.Src) }

// Run executes a script until its jobs end or ctx is cancelled. A
// cancelled run returns nil once the jobs have stopped.
func (e *Engine) Run(ctx context.Context, src string) error {
	stmts, err := parser.Parse(src)
	if err != nil {
		return wrapScript(src, err)
	}
	s := analyzer.NewSession(e.Connectors, functions.Builtins())
	r := &runner{e: e, s: s, src: src, restarts: map[int]int{}}
	e.mu.Lock()
	e.active = r
	e.mu.Unlock()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	r.cancel = cancel
	defer func() {
		if r.workDir != "" {
			os.RemoveAll(r.workDir)
		}
	}()
	for _, st := range stmts {
		if ctx.Err() != nil {
			break // stopped (Ctrl-C, or a failed job): run nothing more
		}
		if err := r.statement(ctx, st); err != nil {
			cancel(err)
			r.wait()
			return err
		}
	}
	if err := r.wait(); err != nil {
		return err
	}
	return nil
}

func wrapScript(src string, err error) error {
	var ae *ast.Error
	if errors.As(err, &ae) {
		return &ScriptError{Src: src, Err: ae}
	}
	return err
}

// JobStats is one job of the running script, for metrics.
type JobStats struct {
	Index     int // the job's place in the script
	Restarts  int
	Stats     task.Stats
	Operators []task.OperatorStats
	Lags      []task.SplitLag
	// DiscoveryFailures counts failed split discoveries per source.
	DiscoveryFailures []task.SourceCount
}

// JobStats reports the running script's jobs.
func (e *Engine) JobStats() []JobStats {
	e.mu.Lock()
	r := e.active
	e.mu.Unlock()
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]JobStats, 0, len(r.jobs))
	for n, j := range r.jobs {
		if j == nil {
			continue
		}
		out = append(out, JobStats{Index: n, Restarts: r.restarts[n], Stats: j.Stats(), Operators: j.OperatorStats(), Lags: j.SplitLags(),
			DiscoveryFailures: j.DiscoveryFailures()})
	}
	return out
}

type runner struct {
	e        *Engine
	s        *analyzer.Session
	src      string
	cancel   context.CancelCauseFunc
	wg       sync.WaitGroup
	mu       sync.Mutex
	jobs     []*task.Job
	restarts map[int]int // job index → restarts so far
	workDir  string      // SavepointOnStop's coordinator directory, made on first use
	errs     []error
	warnMu   sync.Mutex // serialises the jobs' warnings on Engine.Err
}

func (r *runner) statement(ctx context.Context, st ast.Statement) error {
	a, err := r.s.Analyze(st)
	if err != nil {
		return wrapScript(r.src, err)
	}
	switch x := a.(type) {
	case analyzer.Done:
		return nil
	case *analyzer.Show:
		printShow(r.e.Out, x)
		return nil
	case *analyzer.Explain:
		g, sinks, err := r.plan(x.Run, nil)
		if err != nil {
			return err
		}
		fmt.Fprint(r.e.Out, physical.Explain(sinks, g))
		return nil
	case *analyzer.Run:
		if x.Query {
			return r.query(ctx, x)
		}
		return r.start(ctx, x)
	}
	return fmt.Errorf("unexpected action %T", a)
}

func (r *runner) settings() (Settings, error) {
	return settings(r.s.Config, func(w string) { fmt.Fprintln(r.e.Err, "warning:", w) })
}

// plan optimizes the sinks and builds the job graph.
func (r *runner) plan(run *analyzer.Run, collect chan<- task.Change) (*task.Graph, []*plan.Sink, error) {
	set, err := r.settings()
	if err != nil {
		return nil, nil, err
	}
	sinks := make([]*plan.Sink, len(run.Sinks))
	for i, s := range run.Sinks {
		sinks[i] = optimizer.OptimizeWith(s, set.Optimizer)
	}
	g, err := physical.Build(sinks, physical.Options{Parallelism: set.Parallelism, Collect: collect, Lookup: set.Lookup, Agg: set.Agg, NoSourceReuse: !set.ReuseSource})
	if err != nil {
		return nil, nil, err
	}
	return g, sinks, nil
}

func (r *runner) newJob(g *task.Graph) (*task.Job, error) {
	if err := r.serveMetrics(); err != nil {
		return nil, err
	}
	r.mu.Lock()
	n := len(r.jobs)
	r.jobs = append(r.jobs, nil)
	r.mu.Unlock()
	return r.jobAt(g, n, false)
}

// serveMetrics starts the metrics endpoint the script asks for, once.
func (r *runner) serveMetrics() error {
	set, err := r.settings()
	if err != nil || set.MetricsPort == 0 || r.e.ServeMetrics == nil {
		return err
	}
	r.e.mu.Lock()
	defer r.e.mu.Unlock()
	if r.e.serving {
		return nil
	}
	r.e.serving = true
	return r.e.ServeMetrics(set.MetricsPort)
}

// jobAt builds job n of the script. A restart resumes from the job's latest
// checkpoint when it has one.
func (r *runner) jobAt(g *task.Graph, n int, restart bool) (*task.Job, error) {
	set, err := r.settings()
	if err != nil {
		return nil, err
	}
	opts := task.Options{
		AutoWatermarkInterval: set.AutoWatermarkInterval,
		IdleTimeout:           set.IdleTimeout,
		Now:                   r.e.Now,
		StateTTL:              set.StateTTL,
		StateBackend:          set.StateBackend,
		PebbleDir:             set.PebbleDir,
		PebbleMemory:          set.PebbleMemory,
		Warn: func(msg string) {
			r.warnMu.Lock()
			defer r.warnMu.Unlock()
			fmt.Fprintf(r.e.Err, "warning: job %d: %s\n", n, msg)
		},
	}
	jobDir := ""
	if set.CheckpointDir != "" {
		// Each job of the script has its own directory, by its place in
		// the script, so a rerun of the same script finds its checkpoints.
		jobDir = filepath.Join(set.CheckpointDir, fmt.Sprintf("job-%d", n))
		opts.Checkpoint = &task.CheckpointOptions{Interval: set.CheckpointInterval, Dir: jobDir,
			Retained: set.RetainedCheckpoints, Timeout: set.CheckpointTimeout}
	} else if r.e.SavepointOnStop {
		// Savepoints only: the coordinator's directory holds no
		// checkpoint (there is no interval), so a temporary one will do.
		r.mu.Lock()
		if r.workDir == "" {
			d, err := os.MkdirTemp("", "sluice-savepoint-work-")
			if err != nil {
				r.mu.Unlock()
				return nil, fmt.Errorf("job %d: a working directory for savepoints: %w", n, err)
			}
			r.workDir = d
		}
		work := r.workDir
		r.mu.Unlock()
		opts.Checkpoint = &task.CheckpointOptions{Dir: filepath.Join(work, fmt.Sprintf("job-%d", n)),
			Retained: set.RetainedCheckpoints, Timeout: set.CheckpointTimeout}
	}
	restore, err := r.restorePoint(set, jobDir, n)
	if err != nil {
		return nil, err
	}
	if restart && jobDir != "" {
		if latest, err := task.LatestCheckpoint(jobDir); err == nil && latest != "" {
			restore = latest
		}
	}
	if restore != "" {
		meta, err := task.ReadMetadata(restore)
		if err != nil {
			return nil, err
		}
		opts.Restore = &task.Restore{Dir: restore, Meta: meta, IgnoreUnclaimed: set.IgnoreUnclaimed,
			Restored: func(took time.Duration) {
				fmt.Fprintf(r.e.Err, "job %d: state restored in %s\n", n, took.Round(time.Millisecond))
			},
			Settled: func(took time.Duration, work pebblestate.Settled) {
				fmt.Fprintf(r.e.Err, "job %d: restored state settled in %s (key filters built in %s, files copied locally in %s)\n",
					n, took.Round(time.Millisecond), work.Filters.Round(time.Millisecond), work.Files.Round(time.Millisecond))
			}}
		fmt.Fprintf(r.e.Err, "job %d: restoring from %s\n", n, restore)
	}
	j := task.NewJob(g, opts)
	r.mu.Lock()
	r.jobs[n] = j
	r.mu.Unlock()
	return j, nil
}

// restorePoint is where job n starts from: a savepoint given by flag or
// SET (its job-n subdirectory when it holds several jobs), or with Resume
// the job's latest checkpoint; "" for a fresh start.
func (r *runner) restorePoint(set Settings, jobDir string, n int) (string, error) {
	sp := r.e.FromSavepoint
	if sp == "" {
		sp = set.SavepointPath
	}
	if sp != "" {
		if sub := filepath.Join(sp, fmt.Sprintf("job-%d", n)); dirExists(sub) {
			return sub, nil
		}
		if n > 0 {
			return "", fmt.Errorf("savepoint %s has no job-%d: it was taken of a script with fewer jobs", sp, n)
		}
		return sp, nil
	}
	if r.e.Resume {
		if jobDir == "" {
			return "", errors.New("resuming needs 'state.checkpoints.dir'")
		}
		return task.LatestCheckpoint(jobDir)
	}
	return "", nil
}

func dirExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// start runs an INSERT job in the background.
func (r *runner) start(ctx context.Context, run *analyzer.Run) error {
	g, _, err := r.plan(run, nil)
	if err != nil {
		return err
	}
	set, err := r.settings()
	if err != nil {
		return err
	}
	j, err := r.newJob(g)
	if err != nil {
		return err
	}
	r.mu.Lock()
	n := len(r.jobs) - 1
	r.mu.Unlock()
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		if err := r.runRestarting(ctx, run, j, n, set.Restart); err != nil && !errors.Is(err, context.Canceled) {
			r.mu.Lock()
			r.errs = append(r.errs, err)
			r.mu.Unlock()
			r.cancel(err)
		}
	}()
	return nil
}

// runRestarting runs job n, and after a failure replans and restarts it
// from its latest checkpoint as the restart strategy allows.
func (r *runner) runRestarting(ctx context.Context, run *analyzer.Run, j *task.Job, n int, rs RestartStrategy) error {
	for attempt := 1; ; attempt++ {
		err := j.Run(ctx)
		if err == nil || errors.Is(err, context.Canceled) || ctx.Err() != nil {
			return err
		}
		delay, ok := rs.next(attempt)
		if !ok {
			if rs.Type != "none" {
				return fmt.Errorf("%w (restart strategy %s gave up after %d attempts)", err, rs.Type, attempt-1)
			}
			return err
		}
		fmt.Fprintf(r.e.Err, "job %d failed: %v\nrestarting in %s (attempt %d, restart strategy %s)\n", n, err, delay, attempt, rs.Type)
		r.mu.Lock()
		r.restarts[n]++
		r.mu.Unlock()
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return ctx.Err()
		}
		g, _, perr := r.plan(run, nil)
		if perr != nil {
			return perr
		}
		if j, perr = r.jobAt(g, n, true); perr != nil {
			return perr
		}
	}
}

// query runs a bare SELECT in the foreground, printing its changelog.
func (r *runner) query(ctx context.Context, run *analyzer.Run) error {
	ch := make(chan task.Change, 1024)
	g, sinks, err := r.plan(run, ch)
	if err != nil {
		return err
	}
	j, err := r.newJob(g)
	if err != nil {
		return err
	}
	stop := r.progress(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() {
		done <- j.Run(ctx)
		close(ch)
	}()
	tp := newTablePrinter(r.e.Out, sinks[0].Schema())
	for c := range ch {
		tp.row(c)
	}
	tp.end()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// progress reports running jobs' counters until stopped.
func (r *runner) progress(ctx context.Context) func() {
	if r.e.Progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				r.mu.Lock()
				stats := make([]task.Stats, 0, len(r.jobs))
				for _, j := range r.jobs {
					if j != nil { // nil while a job is (re)started
						stats = append(stats, j.Stats())
					}
				}
				r.mu.Unlock()
				r.e.Progress(stats)
			case <-done:
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	return func() { close(done) }
}

// wait waits for the background jobs and returns the first failure.
func (r *runner) wait() error {
	stop := r.progress(context.Background())
	r.wg.Wait()
	stop()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.errs) > 0 {
		return r.errs[0]
	}
	return nil
}
