package task

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/state"
	pebblestate "github.com/sluicehq/sluice/internal/state/pebble"
)

// barrier is checkpoint id flowing with the data; dir is where the
// checkpoint's files go.
type barrier struct {
	id  int64
	dir string
	// shared, when set, is where incremental snapshots put their shared
	// files (periodic checkpoints of backends that can; never savepoints,
	// which are self-contained).
	shared string
}

// incremental is implemented by backends whose checkpoints can share files
// with earlier ones (the pebble backend).
type incremental interface {
	SnapshotShared(dir, shared string) ([]string, pebblestate.Manifest, error)
}

// vertexKey names a vertex in checkpoints (unique within the job).
func vertexKey(v *Vertex) string { return fmt.Sprintf("%d %s", v.ID, v.Name) }

// snapshotOperators prepares and snapshots every stateful operator of the
// instance into b.dir.
func (t *instance) snapshotOperators(b barrier) ([]OperatorSnapshot, error) {
	var out []OperatorSnapshot
	for i, spec := range t.v.Ops {
		if spec.UID == 0 {
			continue
		}
		if sp, ok := t.ops[i].(operator.SnapshotPreparer); ok {
			if err := guard(spec.Name, sp.PrepareSnapshot); err != nil {
				return nil, err
			}
		}
		sn, ok := t.ctxs[i].State.(state.Snapshotter)
		if !ok {
			return nil, fmt.Errorf("%s: state backend %q cannot be checkpointed", spec.Name, t.ctxs[i].State.Kind())
		}
		sub := fmt.Sprintf("op-%016x-%d", spec.UID, t.subtask)
		if err := os.MkdirAll(filepath.Join(b.dir, sub), 0o755); err != nil {
			return nil, err
		}
		var files []string
		var err error
		if inc, ok := sn.(incremental); ok && b.shared != "" {
			files, _, err = inc.SnapshotShared(filepath.Join(b.dir, sub), b.shared)
		} else {
			files, err = sn.Snapshot(filepath.Join(b.dir, sub))
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", spec.Name, err)
		}
		for j, f := range files {
			files[j] = filepath.Join(sub, f)
		}
		out = append(out, OperatorSnapshot{UID: spec.UID, Name: spec.Name, Describe: spec.Describe, Files: files})
	}
	return out, nil
}

// checkpoint snapshots the instance at barrier b, passes the barrier on
// and acknowledges it. splits is the source's part (nil elsewhere). A
// snapshot that cannot be written fails the checkpoint, not the job: the
// error goes to the coordinator and the barrier still moves on, so the
// tasks downstream are not left aligning. Only failing to pass the barrier
// on (the job is ending) is returned.
func (t *instance) checkpoint(b barrier, splits []SplitSnapshot) error {
	snap := t.baseSnapshot()
	snap.Splits = splits
	ops, err := t.snapshotOperators(b)
	if err == nil {
		snap.Operators = ops
		if so, ok := t.out.(*sinkOut); ok {
			snap.Committables, err = so.preCommit(b.id)
		}
	}
	t.j.ack(ack{id: b.id, snap: snap, err: err})
	switch x := t.out.(type) {
	case *exchangeOut:
		return x.barrier(b)
	case *fanOut:
		return x.barrier(b)
	}
	return nil
}

func (t *instance) baseSnapshot() TaskSnapshot {
	snap := TaskSnapshot{Vertex: vertexKey(t.v), Subtask: t.subtask, Parallelism: t.v.Parallelism}
	if t.v.Sink != nil {
		snap.Sink = t.v.Sink.Key
	}
	return snap
}

// finished tells the coordinator the instance has ended, with what later
// checkpoints must record for it.
func (t *instance) finished(splits []SplitSnapshot) {
	snap := t.baseSnapshot()
	snap.Splits = splits
	t.j.ack(ack{snap: snap, final: true})
}

// ack delivers a task's answer to the coordinator, if checkpoints are on.
func (j *Job) ack(a ack) {
	if j.coord == nil {
		return
	}
	j.coord.acks <- a
}

// restoredState returns the state backend for a stateful operator
// instance: restored from the checkpoint being resumed when it has state
// for the operator's UID, else fresh.
func (j *Job) restoredState(spec OpSpec, parallelism, subtask int) (state.Backend, error) {
	if err := j.checkParallelism(spec, parallelism); err != nil {
		return nil, err
	}
	// A backend knows the key groups its subtask owns, so operator-scoped
	// state (state.OperatorKey) lands in them and survives a restore.
	kg := state.RangeFor(state.DefaultMaxParallelism, parallelism, subtask)
	if j.pebble != nil && spec.UID != 0 {
		return j.pebbleState(spec, kg)
	}
	fresh := state.NewHeapFor(kg, state.DefaultMaxParallelism)
	r := j.opts.Restore
	if r == nil || spec.UID == 0 {
		return fresh, nil
	}
	var files []string
	for _, ts := range r.Meta.Tasks {
		for _, op := range ts.Operators {
			if op.UID == spec.UID {
				for _, f := range op.Files {
					files = append(files, filepath.Join(r.Dir, f))
				}
			}
		}
	}
	if len(files) == 0 {
		return fresh, nil
	}
	if isPebbleSnapshot(files) {
		return nil, fmt.Errorf("%s: %s holds pebble state; set 'state.backend.type' = 'pebble' to restore it", spec.Name, r.Dir)
	}
	j.claim(spec.UID)
	kg = state.RangeFor(r.Meta.MaxParallelism, parallelism, subtask)
	h, err := state.RestoreHeap(files, kg, r.Meta.MaxParallelism)
	if err != nil {
		return nil, fmt.Errorf("%s: restoring state from %s: %w", spec.Name, r.Dir, err)
	}
	return h, nil
}

// pebbleState gives a stateful operator instance its share of the job's
// Pebble database, restored from the checkpoint being resumed if it has
// Pebble state for the operator.
func (j *Job) pebbleState(spec OpSpec, kg state.KeyGroupRange) (state.Backend, error) {
	if r := j.opts.Restore; r != nil {
		var files []string
		for _, ts := range r.Meta.Tasks {
			for _, op := range ts.Operators {
				if op.UID == spec.UID {
					for _, f := range op.Files {
						files = append(files, filepath.Join(r.Dir, f))
					}
				}
			}
		}
		if len(files) > 0 {
			dirs := pebbleCheckpointDirs(files)
			if len(dirs) == 0 {
				return nil, fmt.Errorf("%s: %s holds hashmap state; set 'state.backend.type' = 'hashmap' to restore it", spec.Name, r.Dir)
			}
			j.claim(spec.UID)
			if _, err := j.pebble.Restore(spec.UID, kg, r.Meta.MaxParallelism, dirs); err != nil {
				return nil, fmt.Errorf("%s: restoring pebble state from %s: %w", spec.Name, r.Dir, err)
			}
		}
	}
	b, err := j.pebble.Backend(spec.UID, kg, state.DefaultMaxParallelism)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", spec.Name, err)
	}
	return b, nil
}

// pebbleCheckpointDirs returns the Pebble checkpoint directories
// (…/pebble-<uid>-<key group>) the files of a snapshot lie in.
func pebbleCheckpointDirs(files []string) []string {
	seen := map[string]bool{}
	var dirs []string
	for _, f := range files {
		parts := strings.Split(filepath.ToSlash(f), "/")
		for i, p := range parts {
			if strings.HasPrefix(p, "pebble-") {
				d := filepath.FromSlash(strings.Join(parts[:i+1], "/"))
				if !seen[d] {
					seen[d] = true
					dirs = append(dirs, d)
				}
				break
			}
		}
	}
	return dirs
}

func isPebbleSnapshot(files []string) bool { return len(pebbleCheckpointDirs(files)) > 0 }

// checkParallelism refuses to restore an operator's state at another
// parallelism: keyed state would redistribute by key group, but window
// operators keep per-instance bookkeeping that does not, yet.
func (j *Job) checkParallelism(spec OpSpec, parallelism int) error {
	r := j.opts.Restore
	if r == nil || spec.UID == 0 {
		return nil
	}
	for _, ts := range r.Meta.Tasks {
		for _, op := range ts.Operators {
			if op.UID == spec.UID && ts.Parallelism != parallelism {
				return fmt.Errorf("%s ran with parallelism %d when %s was taken and would run with %d now; restoring at another parallelism is not supported yet: set 'parallelism.default' = '%d'",
					spec.Name, ts.Parallelism, r.Dir, parallelism, ts.Parallelism)
			}
		}
	}
	return nil
}

func (j *Job) claim(uid uint64) {
	j.mu.Lock()
	j.claimed[uid] = true
	j.mu.Unlock()
}

// unclaimed lists the restored operators no operator of this job took.
func (j *Job) unclaimed() []OperatorSnapshot {
	var out []OperatorSnapshot
	seen := map[uint64]bool{}
	for _, ts := range j.opts.Restore.Meta.Tasks {
		for _, op := range ts.Operators {
			if !j.claimed[op.UID] && !seen[op.UID] {
				seen[op.UID] = true
				out = append(out, op)
			}
		}
	}
	return out
}

// restoredSplits returns the saved state of a source's splits by split ID.
func (j *Job) restoredSplits(source string) map[string]SplitSnapshot {
	out := map[string]SplitSnapshot{}
	if j.opts.Restore == nil {
		return out
	}
	for _, ts := range j.opts.Restore.Meta.Tasks {
		for _, sp := range ts.Splits {
			if sp.Source == source {
				out[sp.ID] = sp
			}
		}
	}
	return out
}

// restoredCommittables returns what sink instance subtask of table must
// recover: the committables of the old instances j with j % parallelism
// == subtask.
func (j *Job) restoredCommittables(table string, parallelism, subtask int) [][]byte {
	if j.opts.Restore == nil {
		return nil
	}
	var out [][]byte
	for _, ts := range j.opts.Restore.Meta.Tasks {
		if ts.Sink == table && ts.Subtask%parallelism == subtask {
			out = append(out, ts.Committables...)
		}
	}
	return out
}
