package task

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/sluicehq/sluice/internal/connector"
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
	// state (state.OperatorState) lands in them and survives a restore.
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

// checkParallelism allows restoring an operator's state at another
// parallelism (docs/design/state-and-checkpoints.md, "Rescaling"): keyed
// state is split by key group, and operators keep their instance-scoped
// state per key group (state.OperatorState). It refuses what cannot be
// remapped: a checkpoint written before operators kept that state per key
// group (_metadata version 1), and one written with another number of key
// groups.
func (j *Job) checkParallelism(spec OpSpec, parallelism int) error {
	r := j.opts.Restore
	if r == nil || spec.UID == 0 {
		return nil
	}
	for _, ts := range r.Meta.Tasks {
		for _, op := range ts.Operators {
			if op.UID != spec.UID || ts.Parallelism == parallelism {
				continue
			}
			if r.Meta.Version < rescalableVersion {
				return fmt.Errorf("%s ran with parallelism %d when %s was taken and would run with %d now; that checkpoint was written by an older Sluice (format version %d) whose window operators kept their pending windows per instance, so it restores only at its own parallelism: restore it with 'parallelism.default' = '%d', take a new savepoint, and restore that one at %d",
					spec.Name, ts.Parallelism, r.Dir, parallelism, r.Meta.Version, ts.Parallelism, parallelism)
			}
			if r.Meta.MaxParallelism != state.DefaultMaxParallelism {
				return fmt.Errorf("%s: %s was written with %d key groups (max parallelism) and this job uses %d; state is redistributed by key group, so the number cannot change",
					spec.Name, r.Dir, r.Meta.MaxParallelism, state.DefaultMaxParallelism)
			}
			if parallelism > r.Meta.MaxParallelism {
				return fmt.Errorf("%s would run with parallelism %d, above the %d key groups (max parallelism) of %s: state cannot be spread over more instances than key groups",
					spec.Name, parallelism, r.Meta.MaxParallelism, r.Dir)
			}
			return nil
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

// takenOverSubtasks returns, when the restored checkpoint ran sink table
// at another parallelism, the old subtasks j with j % parallelism ==
// subtask whose writers sink instance subtask takes over (nil at the same
// parallelism).
func (j *Job) takenOverSubtasks(table string, parallelism, subtask int) []int {
	oldPar := 0
	for _, ts := range j.opts.Restore.Meta.Tasks {
		if ts.Sink == table {
			oldPar = max(oldPar, ts.Parallelism)
		}
	}
	if oldPar == 0 || oldPar == parallelism {
		return nil
	}
	var out []int
	for s := subtask; s < oldPar; s += parallelism {
		out = append(out, s)
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

// sourceSplits lists a source vertex's splits. Sources whose splits depend
// on the parallelism (nexmark, datagen: split k of p) would list other
// splits after a restore at another parallelism, and the saved positions,
// kept by split ID, would match none of them: the data would be read
// again. So when the splits listed now miss saved ones, the source is
// asked for its splits at the parallelism the checkpoint ran with, and
// those are dealt round robin to the new subtasks (a subtask may get
// several, or none). A restore that cannot be matched either way is
// refused rather than read twice.
func (j *Job) sourceSplits(v *Vertex) ([]connector.Split, error) {
	src := v.Source
	splits, err := src.Source.Splits(v.Parallelism)
	if err != nil || j.opts.Restore == nil {
		return splits, err
	}
	saved, oldPar := j.savedSplitIDs(src)
	missing := missingSplits(splits, saved)
	if len(missing) == 0 || oldPar == 0 || oldPar == v.Parallelism {
		return splits, nil // at the same parallelism, as before: new splits start over
	}
	old, err := src.Source.Splits(oldPar)
	if err != nil {
		return nil, fmt.Errorf("source '%s': listing its splits at the parallelism %d of %s: %w", src.Table, oldPar, j.opts.Restore.Dir, err)
	}
	if still := missingSplits(old, saved); len(still) > 0 {
		return nil, fmt.Errorf("source '%s' cannot be restored at parallelism %d: %s holds the positions of splits %s, which the source lists neither now nor at the parallelism %d the checkpoint ran with; restore it with 'parallelism.default' = '%d'",
			src.Table, v.Parallelism, j.opts.Restore.Dir, strings.Join(missing, ", "), oldPar, oldPar)
	}
	return old, nil
}

// savedSplitIDs returns the split IDs a restored checkpoint holds for src
// (under its key or an alias) and the parallelism of the tasks that saved
// them (0 when none did).
func (j *Job) savedSplitIDs(src *SourceSpec) (map[string]bool, int) {
	keys := map[string]bool{src.Key: true}
	for _, a := range src.Aliases {
		keys[a] = true
	}
	ids, par := map[string]bool{}, 0
	for _, ts := range j.opts.Restore.Meta.Tasks {
		for _, sp := range ts.Splits {
			if keys[sp.Source] {
				ids[sp.ID] = true
				par = max(par, ts.Parallelism)
			}
		}
	}
	return ids, par
}

// missingSplits lists, sorted, the saved split IDs not among splits.
func missingSplits(splits []connector.Split, saved map[string]bool) []string {
	have := map[string]bool{}
	for _, s := range splits {
		have[s.ID()] = true
	}
	var out []string
	for id := range saved {
		if !have[id] {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}
