package restartbench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/sluicehq/sluice/internal/runtime/task"
	pebblestate "github.com/sluicehq/sluice/internal/state/pebble"
)

// Config is one benchmark.
type Config struct {
	// Exe is the sluice binary to run.
	Exe string
	// CompareExe, when set, is another sluice binary whose restarts
	// alternate with Exe's (an A/B of the restore path on one checkpoint).
	CompareExe string
	// Reuse keeps a complete checkpoint already in Dir (of a run with the
	// same settings) instead of building a new one.
	Reuse bool
	// Backend is 'state.backend.type': pebble or hashmap.
	Backend string
	// StateSize is the checkpoint size on disk to reach before the crash.
	StateSize int64
	// Runs is how many restarts are measured from the one checkpoint.
	Runs int
	// Dir holds the script, the checkpoints and the Pebble working
	// directory; it is left in place (the caller removes it).
	Dir string
	// Parallelism is 'parallelism.default'.
	Parallelism int
	// Memory is 'state.backend.pebble.memory' ("" for the default).
	Memory string
	// CheckpointInterval is the build phase's checkpoint interval.
	CheckpointInterval time.Duration
	// Timeout bounds each phase.
	Timeout time.Duration
	// Log, when set, receives progress lines.
	Log io.Writer
}

// Result is what Run measured.
type Result struct {
	Backend string `json:"backend"`
	// Checkpoint is the directory restored; CheckpointBytes its size on
	// disk (with the shared files it references).
	Checkpoint      string  `json:"checkpoint"`
	CheckpointBytes int64   `json:"checkpoint_bytes"`
	BuildSeconds    float64 `json:"build_seconds"`
	// StateRows is the aggregate's state entries once every instance has
	// reported them after the restore (the restored rows, plus the new keys
	// of its first batches).
	StateRows int64     `json:"state_rows"`
	Runs      []Restart `json:"runs"`
}

// Restart is one measured restart; times are from starting the process.
type Restart struct {
	Exe         string        `json:"exe"`
	Restored    time.Duration `json:"restored_ns"`
	FirstRecord time.Duration `json:"first_record_ns"`
	// RestoreTook is the restore's own time as the engine reports it
	// (from the job's start to every instance having its state).
	RestoreTook time.Duration `json:"restore_took_ns"`
	// Settled is when a fast Pebble restore's background work (key
	// filters, copying the files) ended; 0 when it was not seen within
	// settleWait (another restore path, or an older binary).
	Settled   time.Duration `json:"settled_ns"`
	StateRows int64         `json:"state_rows"`
}

// settleWait bounds the wait for a restore's background work to end.
const settleWait = 90 * time.Second

// Median returns the medians of the times of exe's runs.
func (r Result) Median(exe string) Restart {
	pick := func(f func(Restart) time.Duration) time.Duration {
		var xs []time.Duration
		for _, x := range r.Runs {
			if x.Exe == exe {
				xs = append(xs, f(x))
			}
		}
		if len(xs) == 0 {
			return 0
		}
		slices.Sort(xs)
		return xs[len(xs)/2]
	}
	return Restart{
		Exe:         exe,
		Restored:    pick(func(x Restart) time.Duration { return x.Restored }),
		FirstRecord: pick(func(x Restart) time.Duration { return x.FirstRecord }),
		RestoreTook: pick(func(x Restart) time.Duration { return x.RestoreTook }),
		Settled:     pick(func(x Restart) time.Duration { return x.Settled }),
	}
}

// Script is the job: a GROUP BY over keys drawn from 10^12 values, so
// nearly every row adds a group, into a blackhole.
func Script(cfg Config, interval time.Duration) string {
	mem := ""
	if cfg.Memory != "" {
		mem = fmt.Sprintf("SET 'state.backend.pebble.memory' = '%s';\n", cfg.Memory)
	}
	return fmt.Sprintf(`SET 'state.backend.type' = '%[1]s';
SET 'state.backend.pebble.local-dir' = '%[2]s/pebble';
%[5]sSET 'parallelism.default' = '%[3]d';
SET 'execution.checkpointing.interval' = '%[4]d ms';
SET 'state.checkpoints.dir' = '%[2]s/checkpoints';
SET 'state.checkpoints.num-retained' = '1';
SET 'restart-strategy.type' = 'none';
CREATE TABLE src (k BIGINT, v BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '0',
  'fields.k.min' = '0', 'fields.k.max' = '999999999999', 'fields.v.min' = '0', 'fields.v.max' = '1000');
CREATE TABLE dst (k BIGINT, c BIGINT, s BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO dst SELECT k, COUNT(*), SUM(v) FROM src GROUP BY k;
`, cfg.Backend, cfg.Dir, cfg.Parallelism, interval.Milliseconds(), mem)
}

// Run builds the state, crashes the job and measures cfg.Runs restarts.
func Run(ctx context.Context, cfg Config) (Result, error) {
	res := Result{Backend: cfg.Backend}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Minute
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return res, err
	}
	build := filepath.Join(cfg.Dir, "build.sql")
	resume := filepath.Join(cfg.Dir, "resume.sql")
	if err := os.WriteFile(build, []byte(Script(cfg, cfg.CheckpointInterval)), 0o644); err != nil {
		return res, err
	}
	// The restarted runs must not replace the checkpoint the next one
	// restores: their first checkpoint is an hour away.
	if err := os.WriteFile(resume, []byte(Script(cfg, time.Hour)), 0o644); err != nil {
		return res, err
	}
	jobDir := filepath.Join(cfg.Dir, "checkpoints", "job-0")
	start := time.Now()
	if cp, _ := task.LatestCheckpoint(jobDir); !cfg.Reuse || cp == "" {
		if err := buildState(ctx, cfg, build, jobDir); err != nil {
			return res, err
		}
		res.BuildSeconds = time.Since(start).Seconds()
	}
	cp, err := task.LatestCheckpoint(jobDir)
	if err != nil || cp == "" {
		return res, fmt.Errorf("restart bench: no complete checkpoint in %s: %v", jobDir, err)
	}
	res.Checkpoint = cp
	if res.CheckpointBytes, err = CheckpointSize(cp); err != nil {
		return res, err
	}
	exes := []string{cfg.Exe}
	if cfg.CompareExe != "" {
		exes = append(exes, cfg.CompareExe)
	}
	for i := 0; i < cfg.Runs*len(exes); i++ {
		exe := exes[i%len(exes)]
		r, err := restartOnce(ctx, cfg, exe, resume)
		if err != nil {
			return res, fmt.Errorf("restart bench: run %d of %s: %w", i/len(exes)+1, exe, err)
		}
		logf(cfg, "run %d (%s): restored at %.2fs (restore %.2fs), first record at %.2fs, settled at %.2fs, %d state rows",
			i/len(exes)+1, filepath.Base(exe), r.Restored.Seconds(), r.RestoreTook.Seconds(), r.FirstRecord.Seconds(), r.Settled.Seconds(), r.StateRows)
		res.Runs = append(res.Runs, r)
		res.StateRows = r.StateRows
		if after, _ := task.LatestCheckpoint(jobDir); after != cp {
			return res, fmt.Errorf("restart bench: the restarted job replaced checkpoint %s with %s", cp, after)
		}
	}
	return res, nil
}

func logf(cfg Config, format string, args ...any) {
	if cfg.Log != nil {
		fmt.Fprintf(cfg.Log, format+"\n", args...)
	}
}

// proc is a running sluice.
type proc struct {
	cmd     *exec.Cmd
	port    int
	started time.Time
	exited  chan struct{}
	waitErr error

	mu       sync.Mutex
	stderr   []string
	restored time.Time
	took     time.Duration
	settled  time.Time
}

var (
	restoredLine = regexp.MustCompile(`^job 0: state restored in (\S+)$`)
	settledLine  = regexp.MustCompile(`^job 0: restored state settled in `)
)

func start(exe string, args ...string) (*proc, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	args = append([]string{"run", "--progress=false", "--metrics-port", strconv.Itoa(port)}, args...)
	p := &proc{cmd: exec.Command(exe, args...), port: port, exited: make(chan struct{})}
	errPipe, err := p.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	p.cmd.Stdout = io.Discard
	p.started = time.Now()
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", exe, err)
	}
	go func() {
		sc := bufio.NewScanner(errPipe)
		for sc.Scan() {
			line := sc.Text()
			now := time.Now()
			p.mu.Lock()
			p.stderr = append(p.stderr, line)
			if m := restoredLine.FindStringSubmatch(line); m != nil && p.restored.IsZero() {
				p.restored = now
				p.took, _ = time.ParseDuration(m[1])
			}
			if settledLine.MatchString(line) {
				p.settled = now
			}
			p.mu.Unlock()
		}
		p.waitErr = p.cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// kill sends SIGKILL and waits for the process to end.
func (p *proc) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
}

// failure describes an early exit, with the end of its stderr.
func (p *proc) failure() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	tail := p.stderr[max(0, len(p.stderr)-10):]
	return fmt.Errorf("sluice exited early (%v):\n%s", p.waitErr, strings.Join(tail, "\n"))
}

// cleanPebble removes the Pebble working directories a killed run left.
func cleanPebble(cfg Config) {
	dirs, _ := filepath.Glob(filepath.Join(cfg.Dir, "pebble", "sluice-pebble-*"))
	for _, d := range dirs {
		os.RemoveAll(d)
	}
}

func buildState(ctx context.Context, cfg Config, script, jobDir string) error {
	os.RemoveAll(filepath.Join(cfg.Dir, "checkpoints"))
	cleanPebble(cfg)
	p, err := start(cfg.Exe, script)
	if err != nil {
		return err
	}
	defer cleanPebble(cfg)
	defer p.kill()
	deadline := time.After(cfg.Timeout)
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	lastLog := time.Now()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline:
			return fmt.Errorf("restart bench: state did not reach %d bytes within %s", cfg.StateSize, cfg.Timeout)
		case <-p.exited:
			return p.failure()
		case <-tick.C:
		}
		cp, err := task.LatestCheckpoint(jobDir)
		if err != nil || cp == "" {
			continue
		}
		size, err := CheckpointSize(cp)
		if err != nil {
			continue // retention may have deleted it meanwhile
		}
		if time.Since(lastLog) > 10*time.Second {
			logf(cfg, "build: %.0fs, %s: %.0f MB", time.Since(p.started).Seconds(), filepath.Base(cp), float64(size)/(1<<20))
			lastLog = time.Now()
		}
		if size >= cfg.StateSize {
			logf(cfg, "build: %s is %.0f MB after %.0fs; SIGKILL", filepath.Base(cp), float64(size)/(1<<20), time.Since(p.started).Seconds())
			return nil // the deferred kill
		}
	}
}

func restartOnce(ctx context.Context, cfg Config, exe, script string) (Restart, error) {
	r := Restart{Exe: exe}
	cleanPebble(cfg)
	p, err := start(exe, "--resume", script)
	if err != nil {
		return r, err
	}
	defer cleanPebble(cfg)
	defer p.kill()
	deadline := time.Now().Add(cfg.Timeout)
	client := &http.Client{Timeout: time.Second}
	for {
		select {
		case <-ctx.Done():
			return r, ctx.Err()
		case <-p.exited:
			return r, p.failure()
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return r, fmt.Errorf("no record processed within %s", cfg.Timeout)
		}
		m, err := scrape(client, p.port)
		if err != nil {
			continue // not serving yet
		}
		if m.aggRowsIn > 0 {
			r.FirstRecord = time.Since(p.started)
			break
		}
	}
	// An instance reports its entries once it has processed a batch: wait
	// (a little) until every one has.
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if m, err := scrape(client, p.port); err == nil && m.aggInstances > 0 && m.aggReported == m.aggInstances {
			r.StateRows = m.aggState
			break
		}
	}
	// A fast Pebble restore goes on in the background (key filters, the
	// files' copy): wait a while for its end.
	if cfg.Backend == "pebble" {
		for end := time.Now().Add(settleWait); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
			p.mu.Lock()
			done := !p.settled.IsZero()
			p.mu.Unlock()
			if done {
				break
			}
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.settled.IsZero() {
		r.Settled = p.settled.Sub(p.started)
	}
	if p.restored.IsZero() {
		return r, errors.New(`the job processed records without printing "job 0: state restored in": did it restore?`)
	}
	r.Restored = p.restored.Sub(p.started)
	r.RestoreTook = p.took
	return r, nil
}

type sample struct {
	aggRowsIn, aggState       int64
	aggInstances, aggReported int // aggregate instances, and those with state entries
}

// scrape reads the aggregate's rows in and state entries from the
// metrics endpoint.
func scrape(c *http.Client, port int) (sample, error) {
	var s sample
	resp, err := c.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", port))
	if err != nil {
		return s, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, `operator="GroupAggregate`) {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			continue
		}
		switch {
		case strings.HasPrefix(line, "sluice_operator_rows_in_total{"):
			s.aggRowsIn += int64(v)
		case strings.HasPrefix(line, "sluice_operator_state_entries{"):
			s.aggState += int64(v)
			s.aggInstances++
			if v > 0 {
				s.aggReported++
			}
		}
	}
	return s, sc.Err()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// CheckpointSize is the size on disk of checkpoint directory cp: its
// files plus the shared Pebble SSTs its manifests reference.
func CheckpointSize(cp string) (int64, error) {
	var n int64
	err := filepath.WalkDir(cp, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		st, err := e.Info()
		if err != nil {
			return err
		}
		n += st.Size()
		if e.Name() != pebblestate.ManifestFile {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var m pebblestate.Manifest
		if err := json.Unmarshal(data, &m); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		for _, sh := range m.SSTs {
			st, err := os.Stat(filepath.Join(filepath.Dir(path), m.Shared, sh))
			if err != nil {
				return err
			}
			n += st.Size()
		}
		return nil
	})
	return n, err
}
