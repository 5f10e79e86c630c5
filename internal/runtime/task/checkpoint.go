package task

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/internal/state"
	pebblestate "github.com/sluicehq/sluice/internal/state/pebble"
)

// CheckpointOptions enables periodic checkpoints
// (docs/design/state-and-checkpoints.md).
type CheckpointOptions struct {
	Interval time.Duration // 'execution.checkpointing.interval'
	Dir      string        // 'state.checkpoints.dir': checkpoints go to Dir/chk-<n>
	Retained int           // 'state.checkpoints.num-retained' (at least 1)
	Timeout  time.Duration // 'execution.checkpointing.timeout'
}

// MetadataVersion is the version of the _metadata format written now.
// Version 2 marks checkpoints whose operators keep their instance-scoped
// state per key group (state.OperatorState), so that they can be restored
// at another parallelism; version 1 restores only at its own.
const MetadataVersion = 2

// rescalableVersion is the first _metadata version that may be restored
// at another parallelism.
const rescalableVersion = 2

// Metadata is a complete checkpoint's _metadata file.
type Metadata struct {
	Version        int            `json:"version"`
	ID             int64          `json:"id"`
	Time           time.Time      `json:"time"`
	Savepoint      bool           `json:"savepoint,omitempty"`
	MaxParallelism int            `json:"max_parallelism"`
	Tasks          []TaskSnapshot `json:"tasks"`
}

// TaskSnapshot is what one task instance contributed to a checkpoint.
type TaskSnapshot struct {
	Vertex       string             `json:"vertex"`
	Subtask      int                `json:"subtask"`
	Parallelism  int                `json:"parallelism"`
	Operators    []OperatorSnapshot `json:"operators,omitempty"`
	Splits       []SplitSnapshot    `json:"splits,omitempty"`
	Sink         string             `json:"sink,omitempty"` // sink table, for committables
	Committables [][]byte           `json:"committables,omitempty"`
}

// OperatorSnapshot locates one stateful operator instance's state files,
// relative to the checkpoint directory.
type OperatorSnapshot struct {
	UID      uint64   `json:"uid"`
	Name     string   `json:"name"`
	Describe string   `json:"describe"`
	Files    []string `json:"files"`
}

// SplitSnapshot is a source split's position and watermark.
type SplitSnapshot struct {
	Source    string `json:"source"`
	ID        string `json:"id"`
	Position  []byte `json:"position,omitempty"` // nil: the reader cannot resume
	Watermark int64  `json:"watermark"`
	Done      bool   `json:"done,omitempty"`
}

// ReadMetadata loads a checkpoint or savepoint directory's _metadata.
func ReadMetadata(dir string) (*Metadata, error) {
	b, err := os.ReadFile(filepath.Join(dir, "_metadata"))
	if err != nil {
		return nil, fmt.Errorf("%s is not a complete checkpoint or savepoint: %w", dir, err)
	}
	var m Metadata
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("checkpoint %s: corrupt _metadata: %w", dir, err)
	}
	if m.Version < 1 || m.Version > MetadataVersion {
		return nil, fmt.Errorf("checkpoint %s has format version %d; this Sluice reads versions 1 to %d", dir, m.Version, MetadataVersion)
	}
	return &m, nil
}

// LatestCheckpoint returns the newest complete checkpoint under dir
// ("" when there is none). In-progress directories never count.
func LatestCheckpoint(dir string) (string, error) {
	ids, err := checkpointIDs(dir)
	if err != nil || len(ids) == 0 {
		return "", err
	}
	return filepath.Join(dir, fmt.Sprintf("chk-%d", ids[len(ids)-1])), nil
}

// checkpointIDs lists the complete checkpoints under dir, ascending.
func checkpointIDs(dir string) ([]int64, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, e := range ents {
		n, ok := strings.CutPrefix(e.Name(), "chk-")
		if !ok || !e.IsDir() {
			continue
		}
		id, err := strconv.ParseInt(n, 10, 64)
		if err != nil {
			continue // chk-7.inprogress and strangers
		}
		if _, err := os.Stat(filepath.Join(dir, e.Name(), "_metadata")); err == nil {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(a, b int) bool { return ids[a] < ids[b] })
	return ids, nil
}

// writeCheckpoint makes the in-progress directory complete: _metadata is
// written and synced, then the directory renamed, so a crash at any point
// leaves either no checkpoint or a complete one.
func writeCheckpoint(inProgress, final string, m *Metadata) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(inProgress, "_metadata")
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(inProgress, final); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(final)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// ack is a task's answer to a checkpoint.
type ack struct {
	id   int64
	snap TaskSnapshot
	err  error
	// final marks the snapshot a finished task leaves for every later
	// checkpoint.
	final bool
}

// coordinator triggers checkpoints and completes them.
type coordinator struct {
	j        *Job
	opts     CheckpointOptions
	next     int64
	sources  []sourceCtrl // one per source instance
	sinks    []chan int64 // completed checkpoint ids, one per sink instance
	acks     chan ack
	total    int                     // task instances
	finished map[string]TaskSnapshot // tasks that have ended
	// in flight
	cur       int64
	got       map[string]TaskSnapshot
	deadline  time.Time
	started   time.Time
	savepoint *savepointRequest
	// queued is a savepoint asked for while a checkpoint was in flight; it
	// starts when that one ends.
	queued *savepointRequest
}

type sourceCtrl struct {
	key string
	ch  chan barrier
}

type savepointRequest struct {
	dir  string
	done chan error
}

// prepareDir readies the checkpoint directory at start: in-progress
// directories a killed run left behind are removed, and ids continue after
// the highest complete checkpoint, so no new checkpoint collides with an
// old one (also when restoring from an older savepoint).
func (c *coordinator) prepareDir() {
	if ents, err := os.ReadDir(c.opts.Dir); err == nil {
		for _, e := range ents {
			if strings.HasSuffix(e.Name(), ".inprogress") {
				os.RemoveAll(filepath.Join(c.opts.Dir, e.Name()))
			}
		}
	}
	if ids, err := checkpointIDs(c.opts.Dir); err == nil && len(ids) > 0 {
		c.next = max(c.next, ids[len(ids)-1])
	}
}

func taskKey(vertex string, subtask int) string { return vertex + "/" + strconv.Itoa(subtask) }

func (c *coordinator) inProgressDir(id int64) string {
	if c.savepoint != nil && id == c.cur {
		return c.savepoint.dir + ".inprogress"
	}
	return filepath.Join(c.opts.Dir, fmt.Sprintf("chk-%d.inprogress", id))
}

// run drives checkpoints until ctx ends.
func (c *coordinator) run(ctx context.Context, savepoints <-chan savepointRequest) {
	var tick <-chan time.Time
	if c.opts.Interval > 0 {
		t := time.NewTicker(c.opts.Interval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			c.abort(ctx.Err())
			if c.queued != nil {
				c.queued.done <- fmt.Errorf("savepoint not taken: %w", ctx.Err())
			}
			return
		case <-tick:
			// A periodic checkpoint waits (skips ticks) while a fast Pebble
			// restore is still copying its files: the instances' snapshots
			// would block on it. Savepoints go ahead and wait.
			if c.cur == 0 && c.queued == nil && (c.j.pebble == nil || c.j.pebble.RestoresCopied()) {
				c.trigger(ctx, nil)
			} else if c.cur != 0 && time.Now().After(c.deadline) {
				c.abort(fmt.Errorf("checkpoint %d timed out after %s", c.cur, c.opts.Timeout))
			}
		case sp := <-savepoints:
			c.queued = &sp
		case a := <-c.acks:
			c.onAck(a)
		}
		if c.cur == 0 && c.queued != nil {
			sp := c.queued
			c.queued = nil
			c.trigger(ctx, sp)
		}
	}
}

func (c *coordinator) trigger(_ context.Context, sp *savepointRequest) {
	c.next++
	c.cur, c.savepoint = c.next, sp
	c.got = map[string]TaskSnapshot{}
	c.started = time.Now()
	c.deadline = c.started.Add(c.opts.Timeout)
	os.RemoveAll(c.inProgressDir(c.cur)) // a leftover of an earlier attempt
	if err := os.MkdirAll(c.inProgressDir(c.cur), 0o755); err != nil {
		c.abort(fmt.Errorf("checkpoint %d: %w", c.cur, err))
		return
	}
	for k, s := range c.finished {
		c.got[k] = s
	}
	b := barrier{id: c.cur, dir: c.inProgressDir(c.cur)}
	if sp == nil {
		b.shared = c.sharedDir()
	}
	for _, src := range c.sources {
		if _, done := c.finished[src.key]; done {
			continue
		}
		// Never block: a trigger of an aborted checkpoint the source has
		// not taken yet is replaced.
		select {
		case src.ch <- b:
		default:
			select {
			case <-src.ch:
			default:
			}
			src.ch <- b
		}
	}
	c.maybeComplete()
}

func (c *coordinator) onAck(a ack) {
	k := taskKey(a.snap.Vertex, a.snap.Subtask)
	if a.final {
		c.finished[k] = a.snap
		if c.cur != 0 {
			if _, ok := c.got[k]; !ok {
				c.got[k] = a.snap
			}
		}
		c.maybeComplete()
		return
	}
	if a.id != c.cur {
		return // an aborted checkpoint's late answer
	}
	if a.err != nil {
		c.abort(fmt.Errorf("checkpoint %d failed in task %s: %w", a.id, k, a.err))
		return
	}
	c.got[k] = a.snap
	c.maybeComplete()
}

func (c *coordinator) maybeComplete() {
	if c.cur == 0 || len(c.got) < c.total {
		return
	}
	id := c.cur
	m := &Metadata{Version: MetadataVersion, ID: id, Time: time.Now().UTC(), Savepoint: c.savepoint != nil,
		MaxParallelism: state.DefaultMaxParallelism}
	keys := make([]string, 0, len(c.got))
	for k := range c.got {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		m.Tasks = append(m.Tasks, c.got[k])
	}
	final := filepath.Join(c.opts.Dir, fmt.Sprintf("chk-%d", id))
	if c.savepoint != nil {
		final = c.savepoint.dir
	}
	err := writeCheckpoint(c.inProgressDir(id), final, m)
	sp := c.savepoint
	c.cur, c.savepoint, c.got = 0, nil, nil
	if err != nil {
		os.RemoveAll(c.inProgressDir(id))
		c.j.checkpointFailures.Add(1)
		if sp != nil {
			sp.done <- fmt.Errorf("savepoint: %w", err)
		}
		return
	}
	c.j.checkpointsCompleted.Add(1)
	c.j.lastCheckpoint.Store(id)
	c.j.lastCheckpointNanos.Store(int64(time.Since(c.started)))
	c.j.lastCheckpointBytes.Store(dirSize(final))
	for _, s := range c.sinks {
		// A sink commits everything up to the id it receives, so a newer
		// id replaces one it has not taken yet.
		select {
		case s <- id:
		default:
			select {
			case <-s:
			default:
			}
			select {
			case s <- id:
			default:
			}
		}
	}
	if sp != nil {
		sp.done <- nil
		return
	}
	c.retain()
}

// dirSize is the bytes of the regular files under dir.
func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

// sharedDir holds the files incremental checkpoints share.
func (c *coordinator) sharedDir() string { return filepath.Join(c.opts.Dir, "shared") }

// retain deletes complete checkpoints beyond the retained count, oldest
// first, then the shared files no retained checkpoint needs. It runs on the
// coordinator's goroutine with no checkpoint in flight, as collecting
// shared files requires.
func (c *coordinator) retain() {
	ids, err := checkpointIDs(c.opts.Dir)
	if err != nil {
		return
	}
	deleted := false
	for len(ids) > max(c.opts.Retained, 1) {
		os.RemoveAll(filepath.Join(c.opts.Dir, fmt.Sprintf("chk-%d", ids[0])))
		ids = ids[1:]
		deleted = true
	}
	if _, err := os.Stat(c.sharedDir()); err != nil || !deleted {
		return
	}
	kept := make([]string, len(ids))
	for i, id := range ids {
		kept[i] = filepath.Join(c.opts.Dir, fmt.Sprintf("chk-%d", id))
	}
	if err := pebblestate.CollectShared(c.sharedDir(), kept); err != nil {
		c.j.checkpointFailures.Add(1) // shared files stay; the next retention tries again
	}
}

func (c *coordinator) abort(err error) {
	if c.cur == 0 {
		return
	}
	os.RemoveAll(c.inProgressDir(c.cur))
	c.j.checkpointFailures.Add(1)
	if c.savepoint != nil {
		c.savepoint.done <- fmt.Errorf("savepoint aborted: %w", err)
	}
	c.cur, c.savepoint, c.got = 0, nil, nil
}
