package pebble

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/objstorage/objstorageprovider"
	"github.com/cockroachdb/pebble/v2/sstable"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/sluicehq/sluice/internal/state"
)

// RestoreStats describes a Restore.
type RestoreStats struct {
	Entries  int64
	Bytes    int64 // keys plus values copied
	Ingested bool  // written as SSTs and ingested (else through batches)
	// Fast is true when the checkpoints' files were ingested as they are
	// (fastrestore.go), Files of them; else Slow says why the entries
	// were copied.
	Fast  bool
	Files int
	Slow  string
	Took  time.Duration
}

// Restore restores the state of operator uid in key groups groups (of
// maxParallelism) from Pebble checkpoints — self-contained or incremental,
// as Snapshot, SnapshotShared or CheckpointTo wrote them, of one or more
// instances of the previous run — into the DB, before the instance's
// Backend is created. Only the key groups of groups are restored, so a
// restore at another parallelism reads its share of the old instances'
// checkpoints.
//
// It ingests the checkpoints' files as they are when it can
// (fastRestore: same parallelism or fewer instances, counts saved, same
// store ids), else copies the entries, remapping store ids through the
// operator's catalog: each checkpoint is opened read-only from a scratch directory of hard
// links under the DB's directory. When the checkpoint's store ids map to
// the DB's in the same order (always, unless another source already
// assigned the ids differently), the entries are written into SSTs, one
// per key-group slice and worker, and ingested; otherwise they go through
// batches.
func (d *DB) Restore(uid uint64, groups state.KeyGroupRange, maxParallelism int, checkpoints []string) (RestoreStats, error) {
	start := time.Now()
	var st RestoreStats
	if groups.Start < 0 || groups.End >= maxParallelism || groups.Start > groups.End {
		return st, fmt.Errorf("pebble state: restore: bad key-group range %v of %d", groups, maxParallelism)
	}
	fast, why, err := d.fastRestore(uid, groups, maxParallelism, checkpoints, &st)
	if err != nil {
		return st, fmt.Errorf("pebble state: restore %016x %v: %w", uid, groups, err)
	}
	if st.Fast = fast; fast {
		st.Took = time.Since(start)
		return st, nil
	}
	st.Slow = why
	counts := map[countKey]uint64{}
	hashes := map[uint16][][]uint64{}
	for i, cp := range checkpoints {
		if err := d.restoreOne(uid, groups, maxParallelism, cp, i, counts, hashes, &st); err != nil {
			return st, fmt.Errorf("pebble state: restore %016x %v from %s: %w", uid, groups, cp, err)
		}
	}
	d.setFilters(uid, groups.Start, hashes)
	if err := d.writeCounts(uid, groups.Start, counts); err != nil {
		return st, fmt.Errorf("pebble state: restore: %w", err)
	}
	st.Took = time.Since(start)
	return st, nil
}

type countKey struct {
	store uint16
	ns    int64
}

func (d *DB) restoreOne(uid uint64, groups state.KeyGroupRange, maxPar int, cp string, seq int, counts map[countKey]uint64, hashes map[uint16][][]uint64, st *RestoreStats) error {
	// A backend's checkpoint may surface other instances' keys, possibly
	// stale: copy only the key groups it owned.
	if in, err := readInstance(cp); err == nil {
		if in.UID != uid || in.MaxParallelism != maxPar {
			return fmt.Errorf("checkpoint of operator %016x with max parallelism %d, restoring %016x with %d", in.UID, in.MaxParallelism, uid, maxPar)
		}
		groups.Start, groups.End = max(groups.Start, in.KeyGroups.Start), min(groups.End, in.KeyGroups.End)
		if groups.Start > groups.End {
			return nil
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	} else if _, err := os.Stat(filepath.Join(cp, ManifestFile)); err != nil {
		// Neither a Backend's checkpoint nor CheckpointTo's: no version
		// says how its keys are laid out.
		return fmt.Errorf("%w: %s holds neither %s nor %s, so its format is unknown (a Sluice before format %d wrote it); start the job without it",
			ErrStateFormat, cp, InstanceFile, ManifestFile, stateFormat)
	}
	scratch, err := os.MkdirTemp(d.dir, "restore-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(scratch)
	src, err := openCheckpoint(cp, filepath.Join(scratch, "db"))
	if err != nil {
		return err
	}
	defer src.Close()
	srcCat, err := readCatalog(src, uid)
	if err != nil {
		return err
	}
	// Map the checkpoint's store ids to the DB's; ids missing from the
	// catalog (none, in a consistent checkpoint) are skipped.
	var remap [1 << 16]uint16
	ordered := true
	var prevSrc, prevDst uint16
	for _, name := range sortedByID(srcCat) {
		id := srcCat.ids[name]
		dst, err := d.storeID(uid, name)
		if err != nil {
			return err
		}
		remap[id] = dst
		if id < prevSrc || dst < prevDst {
			ordered = false
		}
		prevSrc, prevDst = id, dst
	}
	slices := splitGroups(groups, runtime.GOMAXPROCS(0))
	results := make([]sliceResult, len(slices))
	var wg sync.WaitGroup
	for i, sl := range slices {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path := ""
			if ordered {
				path = filepath.Join(scratch, fmt.Sprintf("ingest-%d-%d.sst", seq, i))
			}
			results[i] = d.copySlice(src, uid, sl, &remap, path)
		}()
	}
	wg.Wait()
	var paths []string
	for _, r := range results {
		if r.err != nil {
			return r.err
		}
		for k, n := range r.counts {
			counts[k] += n
		}
		for id, hs := range r.hashes {
			hashes[id] = append(hashes[id], hs)
		}
		st.Entries += r.entries
		st.Bytes += r.bytes
		if r.path != "" {
			paths = append(paths, r.path)
		}
	}
	if len(paths) > 0 {
		st.Ingested = true
		if err := d.db.Ingest(context.Background(), paths); err != nil {
			return fmt.Errorf("ingest: %w", err)
		}
	}
	return nil
}

type sliceResult struct {
	counts         map[countKey]uint64
	hashes         map[uint16][]uint64 // filterHash of each key copied, per store
	entries, bytes int64
	path           string // the SST written, or "" (batches, or empty)
	err            error
}

// copySlice copies the key groups of sl from src, into an SST at path or,
// if path is "", through batches.
func (d *DB) copySlice(src *pebble.DB, uid uint64, sl state.KeyGroupRange, remap *[1 << 16]uint16, path string) (r sliceResult) {
	r.counts = map[countKey]uint64{}
	r.hashes = map[uint16][]uint64{}
	lo, hi := groupSpan(uid, sl)
	it, err := src.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		r.err = err
		return r
	}
	defer it.Close()
	var w *sstable.Writer
	var b *pebble.Batch
	if path != "" {
		f, err := vfs.Default.Create(path, vfs.WriteCategoryUnspecified)
		if err != nil {
			r.err = err
			return r
		}
		w = sstable.NewWriter(objstorageprovider.NewFileWritable(f),
			d.opts.MakeWriterOptions(6, d.db.FormatMajorVersion().MaxTableFormat()))
	} else {
		b = d.db.NewBatch()
		defer func() { b.Close() }()
	}
	var key []byte
	for it.First(); it.Valid(); it.Next() {
		k := it.Key()
		_, _, store, ok := decodeStateKey(k)
		if !ok || remap[store] == 0 {
			continue
		}
		v, err := it.ValueAndErr()
		if err != nil {
			r.err = err
			break
		}
		key = append(key[:0], k...)
		binary.BigEndian.PutUint16(key[uidLen+groupLen:], remap[store])
		r.counts[countKey{remap[store], decodeNS(k)}]++
		r.hashes[remap[store]] = append(r.hashes[remap[store]], filterHash(key))
		r.entries++
		r.bytes += int64(len(k) + len(v))
		if w != nil {
			err = w.Set(key, v)
		} else {
			err = b.Set(key, v, nil)
			if err == nil && b.Len() > 4<<20 {
				err = b.Commit(pebble.NoSync)
				b.Close()
				b = d.db.NewBatch()
			}
		}
		if err != nil {
			r.err = err
			break
		}
	}
	if r.err == nil {
		r.err = it.Error()
	}
	if w != nil {
		if err := w.Close(); r.err == nil {
			r.err = err
		}
		if r.entries > 0 {
			r.path = path
		}
	} else if r.err == nil {
		r.err = b.Commit(pebble.NoSync)
	}
	return r
}

// splitGroups splits r into up to n contiguous slices.
func splitGroups(r state.KeyGroupRange, n int) []state.KeyGroupRange {
	size := r.End - r.Start + 1
	n = max(1, min(n, size))
	var out []state.KeyGroupRange
	for i := 0; i < n; i++ {
		out = append(out, state.KeyGroupRange{Start: r.Start + i*size/n, End: r.Start + (i+1)*size/n - 1})
	}
	return out
}

func sortedByID(c *catalog) []string {
	names := make([]string, 0, len(c.ids))
	for n := range c.ids {
		names = append(names, n)
	}
	for i := 1; i < len(names); i++ { // insertion sort: few stores
		for j := i; j > 0 && c.ids[names[j]] < c.ids[names[j-1]]; j-- {
			names[j], names[j-1] = names[j-1], names[j]
		}
	}
	return names
}

// openCheckpoint links the files of checkpoint cp (and, for an incremental
// one, its shared SSTs under their own names) into scratch and opens that
// read-only, so nothing is ever written into a checkpoint.
func openCheckpoint(cp, scratch string) (*pebble.DB, error) {
	if err := os.MkdirAll(scratch, 0o755); err != nil {
		return nil, err
	}
	var m *Manifest
	if mm, err := readManifest(cp); err == nil {
		m = &mm
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	ents, err := os.ReadDir(cp)
	if err != nil {
		return nil, err
	}
	for _, e := range ents {
		if e.IsDir() || e.Name() == ManifestFile || e.Name() == InstanceFile || strings.HasSuffix(e.Name(), ".tmp") {
			continue
		}
		if err := linkOrCopy(filepath.Join(cp, e.Name()), filepath.Join(scratch, e.Name())); err != nil {
			return nil, err
		}
	}
	if m != nil {
		for name, sh := range m.SSTs {
			if err := linkOrCopy(filepath.Join(cp, m.Shared, sh), filepath.Join(scratch, name)); err != nil {
				return nil, fmt.Errorf("shared SST: %w", err)
			}
		}
	}
	db, err := pebble.Open(scratch, &pebble.Options{ReadOnly: true, Logger: quietLogger{}})
	if err != nil {
		return nil, fmt.Errorf("open checkpoint: %w", err)
	}
	return db, nil
}

// setFilters builds, from the hashes of the keys Restore copied, the key
// filter of each store of the instance of uid starting at key group start,
// for Table to take: one bloom sized to the keys, so the table need not
// scan them again.
func (d *DB) setFilters(uid uint64, start int, hashes map[uint16][][]uint64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	filters := d.filtersLocked(instance{uid, start})
	for id, parts := range hashes {
		n := 0
		for _, p := range parts {
			n += len(p)
		}
		if n == 0 {
			continue
		}
		f := filters[id] // a second Restore of the instance adds to the first
		if f == nil {
			f = newKeyFilterSized(n)
			filters[id] = f
		}
		for _, p := range parts {
			for _, h := range p {
				f.addHash(h)
			}
		}
	}
}

// filtersLocked returns the filters Restore left for the instance, for
// Table to take; d.mu is held.
func (d *DB) filtersLocked(in instance) map[uint16]*keyFilter {
	if d.filters == nil {
		d.filters = map[instance]map[uint16]*keyFilter{}
	}
	if d.filters[in] == nil {
		d.filters[in] = map[uint16]*keyFilter{}
	}
	return d.filters[in]
}

// takeFilter returns, and forgets, the filter Restore built for a store of
// the instance of uid starting at key group start, or nil.
func (d *DB) takeFilter(uid uint64, start int, id uint16) *keyFilter {
	d.mu.Lock()
	defer d.mu.Unlock()
	f := d.filters[instance{uid, start}][id]
	delete(d.filters[instance{uid, start}], id)
	return f
}
