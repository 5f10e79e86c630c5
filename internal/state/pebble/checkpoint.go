package pebble

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/cockroachdb/pebble/v2"

	"github.com/sluicehq/sluice/internal/state"
)

// ManifestFile is the file an incremental checkpoint directory holds in
// place of its SSTs.
const ManifestFile = "SHARED.json"

// manifestVersion is the format of the Pebble state an incremental
// checkpoint holds: 2 since timers are placed in the key group of their
// user key.
const manifestVersion = 2

// stateFormat is the layout of the keys in a Backend's checkpoint, written
// into its InstanceFile (savepoints and checkpoints alike): 2 since timers
// are placed in the key group of their user key (the same change as
// manifestVersion 2). Checkpoints written before the field existed carry
// none and are refused: a savepoint of that time may hold timers in the
// old layout, which would restore without an error and never fire right.
const stateFormat = 2

// Manifest describes an incremental checkpoint: a Pebble checkpoint whose
// SST files live in a shared directory.
type Manifest struct {
	Version int `json:"version"`
	// Shared is the shared directory, relative to the checkpoint directory.
	Shared string `json:"shared"`
	// SSTs maps each SST file name the checkpoint's MANIFEST names to its
	// file in Shared.
	SSTs map[string]string `json:"ssts"`
	// Added lists the shared files this checkpoint added (the others were
	// already there): the incremental part.
	Added []string `json:"-"`
}

// Snapshot writes a self-contained Pebble checkpoint of the instance's key
// groups and its operator's catalog into dir/pebble-<uid>-<first key
// group> (state.Snapshotter) and returns its files relative to dir. It
// commits the backend's batch and flushes the DB's memtables first (the DB
// has no WAL). SST files are hard links to the live DB's where the file
// system allows. Snapshots of one DB may run concurrently.
func (b *Backend) Snapshot(dir string) ([]string, error) {
	name, err := b.checkpoint(dir)
	if err != nil {
		return nil, err
	}
	return listFiles(dir, name)
}

// SnapshotShared is Snapshot made incremental: the checkpoint's SSTs are
// moved into shared (or dropped when shared already holds them) and a
// Manifest names them. It returns the files of the checkpoint directory
// relative to dir, and the manifest. Restore reads such a directory like a
// self-contained one.
func (b *Backend) SnapshotShared(dir, shared string) ([]string, Manifest, error) {
	name, err := b.checkpoint(dir)
	if err != nil {
		return nil, Manifest{}, err
	}
	m, err := b.db.share(filepath.Join(dir, name), shared)
	if err != nil {
		return nil, Manifest{}, err
	}
	files, err := listFiles(dir, name)
	return files, m, err
}

func (b *Backend) checkpoint(dir string) (string, error) {
	if err := b.db.awaitRestore(b.uid, b.groups.Start); err != nil {
		return "", err
	}
	if err := b.Flush(); err != nil {
		return "", err
	}
	counts, err := b.counts()
	if err != nil {
		return "", err
	}
	name := fmt.Sprintf("pebble-%016x-%d", b.uid, b.groups.Start)
	lo, hi := groupSpan(b.uid, b.groups)
	mlo, mhi := metaSpan(b.uid)
	spans := []pebble.CheckpointSpan{{Start: lo, End: hi}, {Start: mlo, End: mhi}}
	if err := b.db.checkpoint(filepath.Join(dir, name), spans); err != nil {
		return "", err
	}
	data, _ := json.Marshal(Instance{Format: stateFormat, UID: b.uid, KeyGroups: b.groups, MaxParallelism: b.maxPar, Counts: counts})
	if err := writeFileAtomic(filepath.Join(dir, name, InstanceFile), data); err != nil {
		os.RemoveAll(filepath.Join(dir, name))
		return "", fmt.Errorf("pebble state: checkpoint: %w", err)
	}
	return name, nil
}

// InstanceFile names, in a Backend's checkpoint, the instance whose state
// it holds (JSON Instance). The checkpoint may hold other keys (from SSTs
// it shares with other instances), stale ones included: Restore copies
// only the key groups named here.
const InstanceFile = "INSTANCE.json"

// Instance is the content of InstanceFile.
type Instance struct {
	// Format is the key layout (stateFormat); absent (0) before Sluice
	// recorded it.
	Format         int                 `json:"format"`
	UID            uint64              `json:"uid"`
	KeyGroups      state.KeyGroupRange `json:"key_groups"`
	MaxParallelism int                 `json:"max_parallelism"`
	// Counts are the instance's entries per store name and namespace, as
	// its tables count them (Len), for a fast restore; absent (nil) before
	// Sluice saved them, and then Restore counts the entries as it copies
	// them.
	Counts map[string]map[int64]int64 `json:"counts"`
}

// counts returns the entry counts of every store of the instance: the
// tables' own, and for a store restored but not opened in this run, the
// counts the restore left.
func (b *Backend) counts() (map[string]map[int64]int64, error) {
	out := map[string]map[int64]int64{}
	for name, t := range b.tables {
		m := make(map[int64]int64, len(t.counts))
		for ns, n := range t.counts {
			m[ns] = int64(n)
		}
		out[name] = m
	}
	b.db.mu.Lock()
	ids := map[string]uint16{}
	for name, id := range b.db.catalogs[b.uid].ids {
		if _, open := b.tables[name]; !open {
			ids[name] = id
		}
	}
	b.db.mu.Unlock()
	for name, id := range ids {
		m, err := b.db.restoredCounts(b.uid, b.groups.Start, id)
		if err != nil {
			return nil, err
		}
		if len(m) > 0 {
			out[name] = m
		}
	}
	return out, nil
}

func readInstance(dir string) (Instance, error) {
	var in Instance
	data, err := os.ReadFile(filepath.Join(dir, InstanceFile))
	if err != nil {
		return in, err
	}
	name := filepath.Join(dir, InstanceFile)
	if err := json.Unmarshal(data, &in); err != nil {
		return in, fmt.Errorf("%s: %w", name, err)
	}
	switch {
	case in.Format == 0:
		return in, fmt.Errorf("%s: %w: Pebble state without a format version, written by a Sluice before format %d (timers then lay in other key groups and would restore wrong); restore it with the Sluice that wrote it and take a new savepoint with the hashmap backend, or start the job without it",
			name, ErrStateFormat, stateFormat)
	case in.Format != stateFormat:
		return in, fmt.Errorf("%s: %w: Pebble state of format %d, this Sluice reads format %d; restore it with the Sluice that wrote it (or start the job without it)",
			name, ErrStateFormat, in.Format, stateFormat)
	}
	return in, nil
}

// ErrStateFormat is returned by Restore for a checkpoint or savepoint whose
// Pebble state is of a format this version does not read.
var ErrStateFormat = errors.New("unsupported pebble state format")

func (d *DB) checkpoint(dest string, spans []pebble.CheckpointSpan) error {
	if err := d.db.Flush(); err != nil {
		return fmt.Errorf("pebble state: flush: %w", err)
	}
	var opts []pebble.CheckpointOption
	if spans != nil {
		opts = append(opts, pebble.WithRestrictToSpans(spans))
	}
	if err := d.db.Checkpoint(dest, opts...); err != nil {
		os.RemoveAll(dest)
		return fmt.Errorf("pebble state: checkpoint %s: %w", dest, err)
	}
	return nil
}

// CheckpointTo writes an incremental checkpoint of the whole DB into dir
// (which must not exist), sharing SSTs through shared (see
// Backend.SnapshotShared). Writes not yet committed by a Backend's Flush
// are not in it.
func (d *DB) CheckpointTo(dir, shared string) (Manifest, error) {
	if err := d.awaitRestores(); err != nil {
		return Manifest{}, err
	}
	if err := d.checkpoint(dir, nil); err != nil {
		return Manifest{}, err
	}
	return d.share(dir, shared)
}

// share moves the SSTs of checkpoint dir into shared, named
// <run>-<file>, unless shared has them, and writes the manifest
// (tmp, fsync, rename). An SST file of one DB run never changes, so the
// name identifies the content. On error dir is removed; SSTs already moved
// stay in shared unreferenced until DeleteCheckpoint collects them.
func (d *DB) share(dir, shared string) (m Manifest, err error) {
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
			err = fmt.Errorf("pebble state: incremental checkpoint %s: %w", dir, err)
		}
	}()
	if err := os.MkdirAll(shared, 0o755); err != nil {
		return m, err
	}
	rel, err := relPath(dir, shared)
	if err != nil {
		return m, err
	}
	m = Manifest{Version: manifestVersion, Shared: rel, SSTs: map[string]string{}}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return m, err
	}
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".sst") {
			continue
		}
		src, sh := filepath.Join(dir, e.Name()), d.run+"-"+e.Name()
		dst := filepath.Join(shared, sh)
		if _, err := os.Stat(dst); err == nil {
			if err := os.Remove(src); err != nil {
				return m, err
			}
		} else {
			if err := moveFile(src, dst); err != nil {
				return m, err
			}
			m.Added = append(m.Added, sh)
		}
		m.SSTs[e.Name()] = sh
	}
	if err := syncDir(shared); err != nil {
		return m, err
	}
	data, err := json.MarshalIndent(m, "", "\t")
	if err != nil {
		return m, err
	}
	return m, writeFileAtomic(filepath.Join(dir, ManifestFile), data)
}

// DeleteCheckpoint removes checkpoint directory dir (a pebble checkpoint,
// or any directory holding some, e.g. chk-<n>) and then every file of
// shared that no manifest under the retained directories references.
// retained must list every directory that may reference shared, including
// checkpoints in progress, and no incremental checkpoint into shared may
// run concurrently.
func DeleteCheckpoint(dir, shared string, retained []string) error {
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("pebble state: delete checkpoint: %w", err)
	}
	return CollectShared(shared, retained)
}

// CollectShared deletes the files of shared that no manifest under the
// retained directories references (see DeleteCheckpoint).
func CollectShared(shared string, retained []string) error {
	absShared, err := filepath.Abs(shared)
	if err != nil {
		return err
	}
	used := map[string]bool{}
	for _, r := range retained {
		err := filepath.WalkDir(r, func(path string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if e.IsDir() || e.Name() != ManifestFile {
				return nil
			}
			m, err := readManifest(filepath.Dir(path))
			if err != nil {
				return err
			}
			if sh, _ := filepath.Abs(filepath.Join(filepath.Dir(path), m.Shared)); sh != absShared {
				return nil
			}
			for _, f := range m.SSTs {
				used[f] = true
			}
			return nil
		})
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("pebble state: reading retained checkpoint %s: %w", r, err)
		}
	}
	ents, err := os.ReadDir(shared)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	for _, e := range ents {
		if !used[e.Name()] {
			if err := os.Remove(filepath.Join(shared, e.Name())); err != nil {
				return fmt.Errorf("pebble state: collecting shared files: %w", err)
			}
		}
	}
	return nil
}

func readManifest(dir string) (Manifest, error) {
	var m Manifest
	data, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("%s: %w", filepath.Join(dir, ManifestFile), err)
	}
	switch {
	case m.Version == 1:
		// Version 1 placed timers by the hash of (time, key): restored
		// under today's layout they could not be removed once fired.
		return m, fmt.Errorf("%s: %w: Pebble state of format 1, written by an earlier Sluice whose timer layout this version does not read; start the job without this checkpoint or savepoint (or take the savepoint with the hashmap backend)", filepath.Join(dir, ManifestFile), ErrStateFormat)
	case m.Version != manifestVersion:
		return m, fmt.Errorf("%s: %w: version %d, this Sluice reads version %d; restore it with the Sluice that wrote it (or start the job without it)", filepath.Join(dir, ManifestFile), ErrStateFormat, m.Version, manifestVersion)
	}
	return m, nil
}

func relPath(from, to string) (string, error) {
	a, err := filepath.Abs(from)
	if err != nil {
		return "", err
	}
	b, err := filepath.Abs(to)
	if err != nil {
		return "", err
	}
	return filepath.Rel(a, b)
}

// listFiles lists the files under dir/sub, relative to dir, sorted.
func listFiles(dir, sub string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(filepath.Join(dir, sub), func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		files = append(files, rel)
		return err
	})
	sort.Strings(files)
	return files, err
}

// moveFile renames, or copies and removes across file systems.
func moveFile(src, dst string) error {
	if err := os.Rename(src, dst); err == nil {
		return nil
	}
	if err := copyFile(src, dst); err != nil {
		return err
	}
	return os.Remove(src)
}

// linkOrCopy hard-links src to dst, or copies it.
func linkOrCopy(src, dst string) error {
	if err := os.Link(src, dst); err == nil {
		return nil
	}
	return copyFile(src, dst)
}

func copyFile(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return writeFileAtomic(dst, data)
}

// writeFileAtomic writes name.tmp, syncs it and renames it to name.
func writeFileAtomic(name string, data []byte) error {
	tmp := name + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, name)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(filepath.Dir(name))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
