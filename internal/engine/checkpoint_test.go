package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/connector/all"
	"github.com/sluicehq/sluice/internal/connector/nexmark"
	"github.com/sluicehq/sluice/internal/runtime/task"
	"github.com/sluicehq/sluice/internal/types"
)

// txnStore models a transactional broker: rows become visible only when
// their transaction commits; committing twice is harmless; a transaction
// never committed is lost when a writer recovers without it.
type txnStore struct {
	mu        sync.Mutex
	open      map[string][]string // transaction id → rows
	committed []string
	done      map[string]bool
}

func newTxnStore() *txnStore {
	return &txnStore{open: map[string][]string{}, done: map[string]bool{}}
}

func (s *txnStore) commit(id string) {
	if s.done[id] {
		return
	}
	s.done[id] = true
	s.committed = append(s.committed, s.open[id]...)
	delete(s.open, id)
}

func (s *txnStore) rows() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append([]string(nil), s.committed...)
	sort.Strings(out)
	return out
}

// txnFactory is a two-phase-commit sink over a txnStore, for tests.
func txnFactory(store *txnStore, run string) *connector.Factory {
	return &connector.Factory{
		Name: "txn", Description: "test two-phase sink",
		NewSink: func(ctx connector.CreateContext) (connector.Sink, error) {
			return &txnSink{store: store, schema: ctx.Schema, run: run + "-" + ctx.Table}, nil
		},
	}
}

type txnSink struct {
	store  *txnStore
	schema types.Schema
	run    string
}

func (s *txnSink) Accepts() connector.ChangelogMode { return connector.All }
func (s *txnSink) Open(_ context.Context, subtask, _ int) (connector.Writer, error) {
	return &txnWriter{s: s, subtask: subtask}, nil
}

type txnWriter struct {
	s       *txnSink
	subtask int
	buf     []string
}

func (w *txnWriter) Write(b *types.Batch) error {
	for i, r := range b.Rows {
		w.buf = append(w.buf, types.FormatRowPrint(b.Kinds[i], r, w.s.schema))
	}
	return nil
}

func (w *txnWriter) PreCommit(id int64) ([]byte, error) {
	txn := fmt.Sprintf("%s-%d-%d", w.s.run, w.subtask, id)
	w.s.store.mu.Lock()
	w.s.store.open[txn] = append(w.s.store.open[txn], w.buf...)
	w.s.store.mu.Unlock()
	w.buf = nil
	return []byte(txn), nil
}

func (w *txnWriter) Commit(_ int64, cs [][]byte) error {
	w.s.store.mu.Lock()
	defer w.s.store.mu.Unlock()
	for _, c := range cs {
		w.s.store.commit(string(c))
	}
	return nil
}

func (w *txnWriter) Recover(cs [][]byte) error { return w.Commit(0, cs) }
func (w *txnWriter) Close() error              { return nil }

var _ connector.TwoPhaseCommitWriter = (*txnWriter)(nil)

func checkpointScript(dir string) string { return checkpointScriptN(dir, 4000) }

// checkpointScriptN is checkpointScript over n events: every n reads the
// same event stream, so a first run with a large n can be stopped at any
// time and restored into a run with a small one.
func checkpointScriptN(dir string, n int) string {
	return fmt.Sprintf(`
SET 'parallelism.default' = '2';
SET 'execution.checkpointing.interval' = '30 ms';
SET 'state.checkpoints.dir' = '%s';
CREATE TABLE nexmark (event_type INT, bid ROW<auction BIGINT, bidder BIGINT, price BIGINT>)
  WITH ('connector' = 'nexmark', 'events.num' = '%[2]d', 'first-event.rate' = '4000',
        'max-emit-speed' = 'false', 'base-time' = '1577836800000');
CREATE TABLE sink1 (auction BIGINT, bidder BIGINT, price BIGINT) WITH ('connector' = 'txn');
INSERT INTO sink1 SELECT bid.auction, bid.bidder, bid.price * 2 FROM nexmark WHERE event_type = 2;
`, dir, n)
}

func runWith(t *testing.T, store *txnStore, run string, e *Engine, ctx context.Context, src string) error {
	t.Helper()
	reg := all.NewRegistry()
	if err := reg.Register(txnFactory(store, run)); err != nil {
		t.Fatal(err)
	}
	e.Connectors = reg
	var errw bytes.Buffer
	e.Out, e.Err = &bytes.Buffer{}, &errw
	return e.Run(ctx, src)
}

// A job stopped with a savepoint and restored from it commits every row
// exactly once: what the two runs committed equals an uninterrupted run.
func TestStopWithSavepointAndRestoreIsExactlyOnce(t *testing.T) {
	want := func() []string {
		store := newTxnStore()
		if err := runWith(t, store, "ref", &Engine{}, context.Background(), checkpointScript(t.TempDir())); err != nil {
			t.Fatal(err)
		}
		return store.rows()
	}()
	if len(want) < 3000 {
		t.Fatalf("reference run committed %d rows, want the ~3680 bids", len(want))
	}

	store := newTxnStore()
	dir, sp := t.TempDir(), filepath.Join(t.TempDir(), "sp")
	stopWithSavepoint(t, store, checkpointScriptN(dir, 1<<30), sp)
	if _, err := os.Stat(filepath.Join(sp, "job-0", "_metadata")); err != nil {
		t.Fatalf("savepoint has no _metadata: %v", err)
	}
	first := len(store.rows())
	if first == 0 || first >= len(want) {
		t.Fatalf("first run committed %d of %d rows; the test needs it stopped midway", first, len(want))
	}

	e2 := &Engine{FromSavepoint: sp}
	if err := runWith(t, store, "run2", e2, context.Background(), checkpointScript(dir)); err != nil {
		t.Fatalf("restored run: %v", err)
	}
	got := store.rows()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("restored output differs: %d rows, want %d (first run committed %d)", len(got), len(want), first)
	}
}

// stopWithSavepoint runs script (with an input too long to end on its
// own), takes a savepoint into sp after about 1600 events and several
// checkpoints, and stops the run, as `sluice run --savepoint-dir` does.
func stopWithSavepoint(t *testing.T, store *txnStore, script, sp string) {
	t.Helper()
	e := &Engine{SavepointOnStop: true}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runWith(t, store, "run1", e, ctx, script) }()
	time.Sleep(400 * time.Millisecond)
	if err := e.Savepoint(context.Background(), sp); err != nil {
		cancel()
		t.Fatalf("savepoint: %v (first run: %v)", err, <-done)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("first run: %v", err)
	}
}

// Checkpoints are written periodically, complete ones carry _metadata, and
// only the retained number is kept; a cancelled job keeps them (for
// --resume), a finished one deletes them (a resume would replay its tail).
func TestPeriodicCheckpointsAreRetained(t *testing.T) {
	store := newTxnStore()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runWith(t, store, "r", &Engine{}, ctx, checkpointScriptN(dir, 1<<30)) }()
	time.Sleep(500 * time.Millisecond) // every 30 ms: several checkpoints
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(filepath.Join(dir, "job-0"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if len(names) != 1 || !strings.HasPrefix(names[0], "chk-") {
		t.Fatalf("checkpoint directory holds %v, want exactly one complete chk-N", names)
	}
	latest, err := task.LatestCheckpoint(filepath.Join(dir, "job-0"))
	if err != nil || latest == "" {
		t.Fatalf("LatestCheckpoint = %q, %v", latest, err)
	}
	meta, err := task.ReadMetadata(latest)
	if err != nil {
		t.Fatal(err)
	}
	if meta.ID < 3 {
		t.Errorf("checkpoint id %d: expected several checkpoints in 500 ms every 30 ms", meta.ID)
	}
	var splits int
	for _, ts := range meta.Tasks {
		splits += len(ts.Splits)
	}
	if splits != 2 {
		t.Errorf("metadata records %d source splits, want 2", splits)
	}

	// The same job run to its end leaves no checkpoints behind.
	if err := runWith(t, newTxnStore(), "r2", &Engine{}, context.Background(), checkpointScript(dir)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "job-0")); !os.IsNotExist(err) {
		t.Fatalf("a finished job's checkpoint directory remains (stat: %v)", err)
	}
}

// flakyFactory wraps the nexmark connector: its readers fail once, after
// the job has read failAfter rows, and work normally after that.
func flakyFactory(failAfter int64) *connector.Factory {
	f := *nexmark.New()
	f.Name = "flaky-nexmark"
	var read atomic.Int64
	var failed atomic.Bool
	inner := f.NewSource
	f.NewSource = func(ctx connector.CreateContext) (connector.Source, error) {
		src, err := inner(ctx)
		if err != nil {
			return nil, err
		}
		return &flakySource{ResumableSource: src.(connector.ResumableSource), read: &read, failed: &failed, after: failAfter}, nil
	}
	return &f
}

type flakySource struct {
	connector.ResumableSource
	read   *atomic.Int64
	failed *atomic.Bool
	after  int64
}

func (s *flakySource) Open(ctx context.Context, sp connector.Split) (connector.Reader, error) {
	r, err := s.ResumableSource.Open(ctx, sp)
	return &flakyReader{CheckpointedReader: r.(connector.CheckpointedReader), s: s}, err
}

func (s *flakySource) OpenAt(ctx context.Context, sp connector.Split, pos []byte) (connector.Reader, error) {
	r, err := s.ResumableSource.OpenAt(ctx, sp, pos)
	return &flakyReader{CheckpointedReader: r.(connector.CheckpointedReader), s: s}, err
}

type flakyReader struct {
	connector.CheckpointedReader
	s *flakySource
}

func (r *flakyReader) Read(ctx context.Context, b *types.Batch, max int) error {
	if r.s.read.Load() > r.s.after && r.s.failed.CompareAndSwap(false, true) {
		return errors.New("injected failure")
	}
	err := r.CheckpointedReader.Read(ctx, b, max)
	r.s.read.Add(int64(b.Len()))
	return err
}

// A job that fails midway restarts from its latest checkpoint and still
// commits every row exactly once.
func TestRestartFromCheckpointIsExactlyOnce(t *testing.T) {
	want := func() []string {
		store := newTxnStore()
		if err := runWith(t, store, "ref", &Engine{}, context.Background(), checkpointScript(t.TempDir())); err != nil {
			t.Fatal(err)
		}
		return store.rows()
	}()
	store := newTxnStore()
	reg := all.NewRegistry()
	for _, f := range []*connector.Factory{txnFactory(store, "r"), flakyFactory(1500)} {
		if err := reg.Register(f); err != nil {
			t.Fatal(err)
		}
	}
	var errw bytes.Buffer
	e := &Engine{Connectors: reg, Out: &bytes.Buffer{}, Err: &errw}
	script := strings.Replace(checkpointScript(t.TempDir()), "'connector' = 'nexmark'", "'connector' = 'flaky-nexmark'", 1)
	script = "SET 'restart-strategy.type' = 'fixed-delay'; SET 'restart-strategy.fixed-delay.delay' = '10 ms';\n" + script
	if err := e.Run(context.Background(), script); err != nil {
		t.Fatalf("run: %v\n%s", err, errw.String())
	}
	if !strings.Contains(errw.String(), "injected failure") || !strings.Contains(errw.String(), "restarting in 10ms") {
		t.Fatalf("the job did not fail and restart as planned:\n%s", errw.String())
	}
	got := store.rows()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("after a restart the output has %d rows, want %d", len(got), len(want))
	}
}

// Without a restart strategy a failure ends the run with the error.
func TestNoRestartStrategyFails(t *testing.T) {
	store := newTxnStore()
	reg := all.NewRegistry()
	for _, f := range []*connector.Factory{txnFactory(store, "r"), flakyFactory(100)} {
		if err := reg.Register(f); err != nil {
			t.Fatal(err)
		}
	}
	e := &Engine{Connectors: reg, Out: &bytes.Buffer{}, Err: &bytes.Buffer{}}
	script := strings.Replace(checkpointScript(t.TempDir()), "'connector' = 'nexmark'", "'connector' = 'flaky-nexmark'", 1)
	script = "SET 'restart-strategy.type' = 'none';\n" + script
	if err := e.Run(context.Background(), script); err == nil || !strings.Contains(err.Error(), "injected failure") {
		t.Fatalf("run error = %v, want the injected failure", err)
	}
}

// statefulScript counts bids per auction in tumbling windows of event time
// and per bidder without windows, through the txn sink.
func statefulScript(dir string) string { return statefulScriptN(dir, 8000) }

func statefulScriptN(dir string, n int) string {
	return fmt.Sprintf(`
SET 'parallelism.default' = '2';
SET 'execution.checkpointing.interval' = '30 ms';
SET 'state.checkpoints.dir' = '%s';
CREATE TABLE nexmark (event_type INT, bid ROW<auction BIGINT, bidder BIGINT, price BIGINT, dateTime TIMESTAMP(3)>,
    ts AS bid.dateTime, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH ('connector' = 'nexmark', 'events.num' = '%[2]d', 'first-event.rate' = '4000',
        'max-emit-speed' = 'false', 'base-time' = '1577836800000');
CREATE VIEW bids AS SELECT bid.auction AS auction, bid.price AS price, ts FROM nexmark WHERE event_type = 2;
CREATE TABLE w (auction BIGINT, ws TIMESTAMP(3), c BIGINT, m BIGINT) WITH ('connector' = 'txn');
CREATE TABLE g (bidder BIGINT, c BIGINT, s BIGINT) WITH ('connector' = 'txn');
EXECUTE STATEMENT SET BEGIN
INSERT INTO w SELECT auction, window_start, COUNT(*), MAX(price)
  FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '0.1' SECOND))
  GROUP BY window_start, window_end, auction;
INSERT INTO g SELECT bid.bidder, COUNT(*), SUM(bid.price) FROM nexmark WHERE event_type = 2 GROUP BY bid.bidder;
END;
`, dir, n)
}

// applied turns committed changes into the rows they leave, as a sorted
// multiset: +I/+U add a row, -U/-D remove one. Changelogs of non-windowed
// aggregates at parallelism 2 depend on how sources interleave (as in
// Flink); what they leave does not.
func applied(t *testing.T, changes []string) []string {
	t.Helper()
	count := map[string]int{}
	for _, c := range changes {
		kind, row := c[:2], c[2:]
		switch kind {
		case "+I", "+U":
			count[row]++
		case "-U", "-D":
			count[row]--
			if count[row] < 0 {
				t.Fatalf("retraction of a row never added: %s", c)
			}
		}
	}
	var out []string
	for r, n := range count {
		for ; n > 0; n-- {
			out = append(out, r)
		}
	}
	sort.Strings(out)
	return out
}

// Window and group aggregation state survive stop-with-savepoint and
// restore: the windows committed equal an uninterrupted run's exactly, and
// the group aggregate's changelog leaves the same table.
func TestStatefulSavepointRestore(t *testing.T) {
	want := func() []string {
		store := newTxnStore()
		if err := runWith(t, store, "ref", &Engine{}, context.Background(), statefulScript(t.TempDir())); err != nil {
			t.Fatal(err)
		}
		return store.rows()
	}()
	store := newTxnStore()
	dir, sp := t.TempDir(), filepath.Join(t.TempDir(), "sp")
	stopWithSavepoint(t, store, statefulScriptN(dir, 1<<30), sp)
	first := len(store.rows())
	if err := runWith(t, store, "run2", &Engine{FromSavepoint: sp}, context.Background(), statefulScript(dir)); err != nil {
		t.Fatalf("restored run: %v", err)
	}
	got := applied(t, store.rows())
	if first == 0 || first >= len(want) {
		t.Fatalf("first run committed %d of %d rows; the test needs it stopped midway", first, len(want))
	}
	if w := applied(t, want); strings.Join(got, "\n") != strings.Join(w, "\n") {
		gm, wm := map[string]bool{}, map[string]bool{}
		for _, r := range got {
			gm[r] = true
		}
		for _, r := range w {
			wm[r] = true
		}
		n := 0
		for r := range wm {
			if !gm[r] && n < 10 {
				t.Logf("missing %s", r)
				n++
			}
		}
		for r := range gm {
			if !wm[r] && n < 20 {
				t.Logf("extra   %s", r)
				n++
			}
		}
		t.Fatalf("restored output differs: leaves %d rows, want %d (first run committed %d changes)", len(got), len(w), first)
	}
}

// Stop-with-savepoint needs no checkpointing set up (as in Flink): the
// job gets a coordinator with a temporary working directory, removed when
// the run ends, and the savepoint restores into a run without
// checkpointing too, with the same result as an uninterrupted run.
func TestSavepointWithoutCheckpointing(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	noCheckpoints := func(n int) string {
		s := statefulScriptN("unused", n)
		for _, l := range []string{"SET 'execution.checkpointing.interval' = '30 ms';\n", "SET 'state.checkpoints.dir' = 'unused';\n"} {
			if !strings.Contains(s, l) {
				t.Fatalf("statefulScriptN no longer has %q", l)
			}
			s = strings.Replace(s, l, "", 1)
		}
		return s
	}
	store := newTxnStore()
	if err := runWith(t, store, "ref", &Engine{}, context.Background(), noCheckpoints(8000)); err != nil {
		t.Fatal(err)
	}
	want := applied(t, store.rows())

	store = newTxnStore()
	sp := filepath.Join(t.TempDir(), "sp")
	stopWithSavepoint(t, store, noCheckpoints(1<<30), sp)
	first := len(store.rows())
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Fatalf("the savepoint working directory was left behind: %v", left)
	}
	if err := runWith(t, store, "run2", &Engine{FromSavepoint: sp}, context.Background(), noCheckpoints(8000)); err != nil {
		t.Fatalf("restored run: %v", err)
	}
	if first == 0 || first >= len(store.rows()) {
		t.Fatalf("first run committed %d of %d changes; the test needs it stopped midway", first, len(store.rows()))
	}
	if got := applied(t, store.rows()); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("restored output differs: leaves %d rows, want %d", len(got), len(want))
	}
}

// The same stop-with-savepoint and restore with the pebble backend
// ('rocksdb', as a Flink script says).
func TestStatefulSavepointRestorePebble(t *testing.T) {
	script := func(dir string, n int) string {
		return "SET 'state.backend.type' = 'rocksdb';\nSET 'state.backend.pebble.local-dir' = '" + t.TempDir() + "';\n" + statefulScriptN(dir, n)
	}
	want := func() []string {
		store := newTxnStore()
		if err := runWith(t, store, "ref", &Engine{}, context.Background(), statefulScript(t.TempDir())); err != nil {
			t.Fatal(err)
		}
		return applied(t, store.rows())
	}()
	store := newTxnStore()
	dir, sp := t.TempDir(), filepath.Join(t.TempDir(), "sp")
	stopWithSavepoint(t, store, script(dir, 1<<30), sp)
	matches, _ := filepath.Glob(filepath.Join(sp, "job-0", "op-*", "pebble-*"))
	if len(matches) == 0 {
		t.Fatalf("the savepoint holds no pebble checkpoints")
	}
	if err := runWith(t, store, "run2", &Engine{FromSavepoint: sp}, context.Background(), script(dir, 8000)); err != nil {
		t.Fatalf("restored run: %v", err)
	}
	if got := applied(t, store.rows()); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("restored output leaves %d rows, want %d", len(got), len(want))
	}
}

// With the pebble backend, periodic checkpoints are incremental (SST files
// in the job's shared/ directory, named by each checkpoint's manifest);
// resuming from the latest after a cancel gives the uninterrupted result.
func TestResumeFromIncrementalPebbleCheckpoint(t *testing.T) {
	script := func(dir string, n int) string {
		return "SET 'state.backend.type' = 'pebble';\nSET 'state.backend.pebble.local-dir' = '" + t.TempDir() + "';\n" + statefulScriptN(dir, n)
	}
	want := func() []string {
		store := newTxnStore()
		if err := runWith(t, store, "ref", &Engine{}, context.Background(), statefulScript(t.TempDir())); err != nil {
			t.Fatal(err)
		}
		return applied(t, store.rows())
	}()
	store := newTxnStore()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runWith(t, store, "run1", &Engine{}, ctx, script(dir, 1<<30)) }()
	time.Sleep(600 * time.Millisecond)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("first run: %v", err)
	}
	latest, err := task.LatestCheckpoint(filepath.Join(dir, "job-0"))
	if err != nil || latest == "" {
		t.Fatalf("no checkpoint: %q, %v", latest, err)
	}
	manifests, _ := filepath.Glob(filepath.Join(latest, "op-*", "pebble-*", "SHARED.json"))
	shared, _ := filepath.Glob(filepath.Join(dir, "job-0", "shared", "*"))
	if len(manifests) == 0 || len(shared) == 0 {
		t.Fatalf("checkpoint %s is not incremental: %d manifests, %d shared files", latest, len(manifests), len(shared))
	}
	if err := runWith(t, store, "run2", &Engine{Resume: true}, context.Background(), script(dir, 8000)); err != nil {
		t.Fatalf("resumed run: %v", err)
	}
	if got := applied(t, store.rows()); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("resumed output leaves %d rows, want %d", len(got), len(want))
	}
}

// Savepoints map across 'table.optimizer.reuse-source-enabled': the
// stateful script scans nexmark twice (a view and the table), which reuse
// reads once. A savepoint taken with reuse on holds the shared position
// under both scans' keys and restores with reuse off; one taken with reuse
// off holds two independent positions, which a job reading the table once
// can take only if they agree: otherwise it refuses, saying to restore
// with reuse off, which then gives the uninterrupted result.
func TestSavepointAcrossSourceReuse(t *testing.T) {
	const off = "SET 'table.optimizer.reuse-source-enabled' = 'false';\n"
	want := func() []string {
		store := newTxnStore()
		if err := runWith(t, store, "ref", &Engine{}, context.Background(), off+statefulScript(t.TempDir())); err != nil {
			t.Fatal(err)
		}
		return applied(t, store.rows())
	}()
	check := func(store *txnStore, what string) {
		t.Helper()
		if got := applied(t, store.rows()); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("%s: output leaves %d rows, want %d", what, len(got), len(want))
		}
	}

	// Reuse on, then off.
	store := newTxnStore()
	dir, sp := t.TempDir(), filepath.Join(t.TempDir(), "sp")
	stopWithSavepoint(t, store, statefulScriptN(dir, 1<<30), sp)
	meta, err := task.ReadMetadata(filepath.Join(sp, "job-0"))
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]int{}
	for _, ts := range meta.Tasks {
		for _, s := range ts.Splits {
			keys[s.Source]++
		}
	}
	if len(keys) != 2 || keys["nexmark#0"] != 2 || keys["nexmark#1"] != 2 {
		t.Fatalf("the shared source saved splits %v, want its 2 splits under nexmark#0 and nexmark#1", keys)
	}
	if err := runWith(t, store, "run2", &Engine{FromSavepoint: sp}, context.Background(), off+statefulScript(dir)); err != nil {
		t.Fatalf("restored with reuse off: %v", err)
	}
	check(store, "reuse on, restored with reuse off")

	// Reuse off, then on (or off again when the positions differ).
	const noRestart = "SET 'restart-strategy.type' = 'none';\n"
	store = newTxnStore()
	dir, sp = t.TempDir(), filepath.Join(t.TempDir(), "sp")
	stopWithSavepoint(t, store, off+statefulScriptN(dir, 1<<30), sp)
	err = runWith(t, store, "run2", &Engine{FromSavepoint: sp}, context.Background(), noRestart+statefulScript(dir))
	if err != nil {
		if !strings.Contains(err.Error(), "table 'nexmark' is now read once for its scans nexmark#0 and nexmark#1") ||
			!strings.Contains(err.Error(), "restore it with SET 'table.optimizer.reuse-source-enabled' = 'false'") {
			t.Fatalf("restored with reuse on: %v, want the positions refused with how to restore", err)
		}
		t.Logf("positions differ, as expected of separate reads: %v", err)
		if err := runWith(t, store, "run3", &Engine{FromSavepoint: sp}, context.Background(), off+statefulScript(dir)); err != nil {
			t.Fatalf("restored with reuse off: %v", err)
		}
	}
	check(store, "reuse off, restored")
}
