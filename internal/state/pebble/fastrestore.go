package pebble

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/objstorage/remote"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/sluicehq/sluice/internal/state"
)

// Fast restore (docs/design/fast-restore.md): the SSTs of an instance's
// checkpoint are ingested as external, virtual SSTs bounded to the
// instance's key span, one level per call, oldest first, so the restore
// costs O(files), not O(entries). In the background, the key filter is
// built by one scan of the restored keys, and the files are copied into
// the DB's directory (Download), which a checkpoint of the instance waits
// for (Pebble's checkpoints do not carry external files) and the job's
// checkpoint coordinator waits for before it starts one (RestoresCopied).

// externalDir is the directory, under the DB's, of hard links to the
// restored checkpoints' SSTs, one subdirectory per restore; the DB reads
// them through externalLocator.
const (
	externalDir     = "external"
	externalLocator = "restored"
)

// restoreJob is one instance's fast restore, as it goes on in the
// background.
type restoreJob struct {
	scanned  chan struct{} // closed when the filter scan ended
	download chan struct{} // closed when the Download ended
	// How long the scan and the Download took, from the end of the
	// ingestion; each set before its channel is closed.
	scanTook, downloadTook time.Duration
	err                    error // the Download's error, set before download is closed
	span                   pebble.DownloadSpan
}

// fastPlan is what the fast path will ingest from one checkpoint.
type fastPlan struct {
	cp      string
	scratch string              // the checkpoint opened: links to its files
	span    state.KeyGroupRange // the checkpoint's instance's key groups
	levels  [][]pebble.SSTableInfo
	counts  map[string]map[int64]int64
}

// fastRestore restores the instance from checkpoints by ingesting their
// files (see above), and reports whether it did. It does not, and returns
// why, when the copy path must run: a checkpoint of key groups split by
// the restore (rescaling to more instances), without saved entry counts
// (written before they were), whose store ids differ from the DB's, or
// with keys a snapshot pinned (several versions of a key in one file,
// which one sequence number a file would merge). An error once ingestion
// has begun fails the restore.
func (d *DB) fastRestore(uid uint64, groups state.KeyGroupRange, maxPar int, checkpoints []string, st *RestoreStats) (ok bool, why string, err error) {
	if d.copyOnly {
		return false, "fast restore disabled", nil
	}
	var plans []*fastPlan
	defer func() {
		for _, p := range plans {
			os.RemoveAll(p.scratch)
		}
	}()
	for _, cp := range checkpoints {
		in, err := readInstance(cp)
		if err != nil {
			return false, fmt.Sprintf("%s: %v", cp, err), nil // the copy path says it again, or reads a CheckpointTo
		}
		if in.UID != uid || in.MaxParallelism != maxPar {
			return false, "another operator or max parallelism", nil
		}
		if in.KeyGroups.End < groups.Start || in.KeyGroups.Start > groups.End {
			continue
		}
		if in.KeyGroups.Start < groups.Start || in.KeyGroups.End > groups.End {
			return false, fmt.Sprintf("the key groups %v of %s are split", in.KeyGroups, cp), nil
		}
		if in.Counts == nil {
			return false, fmt.Sprintf("%s has no entry counts", cp), nil
		}
		p := &fastPlan{cp: cp, span: in.KeyGroups, counts: in.Counts}
		p.scratch, err = os.MkdirTemp(d.dir, "restore-")
		if err != nil {
			return false, "", err
		}
		plans = append(plans, p)
		if why, err := d.planFast(uid, p); why != "" || err != nil {
			return false, why, err
		}
	}
	if len(plans) == 0 {
		return true, "", nil // no state of the instance's key groups
	}
	// Every checkpoint can be ingested: from here on, an error fails the
	// restore (the job's DB is scratch; a restart opens a new one).
	tag := fmt.Sprintf("%016x-%d-%d", uid, groups.Start, d.restores.Add(1))
	extDir := filepath.Join(d.dir, externalDir, tag)
	if err := os.MkdirAll(extDir, 0o755); err != nil {
		return false, "", err
	}
	counts := map[countKey]uint64{}
	perStore := map[uint16]int{}
	for _, p := range plans {
		if err := d.ingestPlan(uid, p, tag, st); err != nil {
			return false, "", fmt.Errorf("ingesting %s: %w", p.cp, err)
		}
		for name, byNS := range p.counts {
			id, err := d.storeID(uid, name)
			if err != nil {
				return false, "", err
			}
			for ns, n := range byNS {
				counts[countKey{id, ns}] += uint64(n)
				perStore[id] += int(n)
				st.Entries += n
			}
		}
	}
	if err := d.writeCounts(uid, groups.Start, counts); err != nil {
		return false, "", err
	}
	if err := d.background(uid, groups, perStore, extDir); err != nil {
		return false, "", err
	}
	return true, "", nil
}

// planFast opens p's checkpoint, checks that its store ids are the DB's
// (assigning them in a DB without the operator's catalog) and that no
// file of its span holds snapshot-pinned keys, and reads its LSM shape.
func (d *DB) planFast(uid uint64, p *fastPlan) (string, error) {
	src, err := openCheckpoint(p.cp, p.scratch)
	if err != nil {
		return "", err
	}
	defer src.Close()
	cat, err := readCatalog(src, uid)
	if err != nil {
		return "", err
	}
	for _, name := range sortedByID(cat) {
		id, err := d.storeID(uid, name)
		if err != nil {
			return "", err
		}
		if id != cat.ids[name] {
			return fmt.Sprintf("store %q has id %d in %s and %d here", name, cat.ids[name], p.cp, id), nil
		}
	}
	for name := range p.counts {
		if _, ok := cat.ids[name]; !ok {
			return "", fmt.Errorf("%s counts entries of store %q, which its catalog lacks", filepath.Join(p.cp, InstanceFile), name)
		}
	}
	p.levels, err = src.SSTables(pebble.WithProperties())
	if err != nil {
		return "", err
	}
	lo, hi := groupSpan(uid, p.span)
	for _, level := range p.levels {
		for _, f := range level {
			if _, in := clip(f, lo, hi); in && f.Properties != nil && f.Properties.SnapshotPinnedKeys > 0 {
				return fmt.Sprintf("%s of %s holds %d keys a snapshot pinned", f.FileNum, p.cp, f.Properties.SnapshotPinnedKeys), nil
			}
		}
	}
	return "", nil
}

// clip returns the bounds of file f within [lo, hi) (StartKey, EndKey,
// EndKeyIsInclusive of the external file to ingest), and whether any.
func clip(f pebble.SSTableInfo, lo, hi []byte) (pebble.ExternalFile, bool) {
	var e pebble.ExternalFile
	e.StartKey = f.Smallest.UserKey
	if bytes.Compare(e.StartKey, lo) < 0 {
		e.StartKey = lo
	}
	// A file ending in a range deletion ends before its largest user key.
	e.EndKey, e.EndKeyIsInclusive = f.Largest.UserKey, !f.Largest.IsExclusiveSentinel()
	if bytes.Compare(e.EndKey, hi) >= 0 {
		e.EndKey, e.EndKeyIsInclusive = hi, false
	}
	c := bytes.Compare(e.StartKey, e.EndKey)
	return e, c < 0 || (c == 0 && e.EndKeyIsInclusive)
}

// ingestPlan links the files of p overlapping its span into the external
// directory tag and ingests them bounded to the span: L6 up to L1 one
// level per call (files of a level do not overlap), then the L0 files
// oldest first, in runs of disjoint files (l0Batches). Each call's keys
// get sequence numbers above the previous calls', so a newer file's
// version, tombstone or merge operand of a key shadows an older one's as
// it did in the checkpoint's LSM.
func (d *DB) ingestPlan(uid uint64, p *fastPlan, tag string, st *RestoreStats) error {
	lo, hi := groupSpan(uid, p.span)
	linked := map[string]bool{}
	ingest := func(files []pebble.SSTableInfo) error {
		var ext []pebble.ExternalFile
		for _, f := range files {
			e, in := clip(f, lo, hi)
			if !in {
				continue
			}
			// A virtual table (the checkpoint of a DB that restored this
			// way) reads its backing file within its bounds.
			name := fmt.Sprintf("%s.sst", f.BackingSSTNum)
			obj := filepath.Join(tag, name)
			if !linked[name] {
				if err := linkOrCopy(filepath.Join(p.scratch, name), filepath.Join(d.dir, externalDir, obj)); err != nil {
					return err
				}
				linked[name] = true
			}
			e.Locator, e.ObjName, e.Size = externalLocator, obj, f.Size
			e.StartKey, e.EndKey = bytes.Clone(e.StartKey), bytes.Clone(e.EndKey)
			e.HasPointKey = true // point keys and range deletions; Sluice writes no range keys
			ext = append(ext, e)
		}
		if len(ext) == 0 {
			return nil
		}
		if _, err := d.db.IngestExternalFiles(context.Background(), ext); err != nil {
			return err
		}
		st.Files += len(ext)
		return nil
	}
	for level := len(p.levels) - 1; level >= 1; level-- {
		if err := ingest(p.levels[level]); err != nil {
			return fmt.Errorf("level %d: %w", level, err)
		}
	}
	for _, batch := range l0Batches(p.levels[0]) {
		if err := ingest(batch); err != nil {
			return fmt.Errorf("level 0: %w", err)
		}
	}
	return nil
}

// l0Batches orders the L0 files oldest first (by largest sequence
// number) and cuts them into runs of files that do not overlap one
// another (touching counts as overlapping): one ingestion each, so every
// file gets numbers above those of any older file it overlaps, as one
// call per file would give, in fewer calls (a flush writes several
// disjoint L0 files at once).
func l0Batches(files []pebble.SSTableInfo) [][]pebble.SSTableInfo {
	l0 := append([]pebble.SSTableInfo(nil), files...)
	sort.Slice(l0, func(i, j int) bool { return l0[i].LargestSeqNum < l0[j].LargestSeqNum })
	var out [][]pebble.SSTableInfo
	var cur []pebble.SSTableInfo
	for _, f := range l0 {
		for _, g := range cur {
			if bytes.Compare(f.Smallest.UserKey, g.Largest.UserKey) <= 0 && bytes.Compare(g.Smallest.UserKey, f.Largest.UserKey) <= 0 {
				out, cur = append(out, cur), nil
				break
			}
		}
		cur = append(cur, f)
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// writeCounts leaves the entry counts of the instance of uid starting at
// key group start for its tables (table.loadCounts).
func (d *DB) writeCounts(uid uint64, start int, counts map[countKey]uint64) error {
	b := d.db.NewBatch()
	defer b.Close()
	for k, n := range counts {
		key := binary.BigEndian.AppendUint64(countPrefix(uid, start, k.store), uint64(k.ns)^(1<<63))
		b.Set(key, binary.AppendUvarint(nil, n), nil)
	}
	return b.Commit(pebble.NoSync)
}

// background starts, for the instance of uid restored into groups, the scan
// that builds its stores' key filters (perStore: entries per store id)
// and the Download of its files; extDir is removed once both are done.
func (d *DB) background(uid uint64, groups state.KeyGroupRange, perStore map[uint16]int, extDir string) error {
	lo, hi := groupSpan(uid, groups)
	// The iterator is opened now: it sees exactly the restored keys; keys
	// the tables write later go into their own filters.
	it, err := d.db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		return err
	}
	pending := map[uint16]*restoredBloom{}
	d.mu.Lock()
	in := instance{uid, groups.Start}
	filters := d.filtersLocked(in)
	for id, n := range perStore {
		if n > 0 {
			pending[id] = newRestoredBloom(groups)
			filters[id] = &keyFilter{restored: pending[id]}
		}
	}
	job := &restoreJob{scanned: make(chan struct{}), download: make(chan struct{}), span: pebble.DownloadSpan{StartKey: lo, EndKey: hi, ViaBackingFileDownload: true}}
	if d.restoring == nil {
		d.restoring = map[instance]*restoreJob{}
	}
	d.restoring[in] = job
	d.settling = append(d.settling, job)
	d.mu.Unlock()

	began := time.Now()
	d.bg.Add(3)
	go func() {
		defer d.bg.Done()
		d.scanFilters(it, groups, perStore, pending)
		job.scanTook = time.Since(began)
		close(job.scanned)
	}()
	go func() {
		defer d.bg.Done()
		job.err = d.db.Download(d.ctx, []pebble.DownloadSpan{job.span})
		job.downloadTook = time.Since(began)
		close(job.download)
	}()
	go func() {
		defer d.bg.Done()
		<-job.scanned
		<-job.download
		if job.err == nil {
			// No table reads the links any more, and no iterator that
			// could (the scan's) is open.
			os.RemoveAll(extDir)
		}
	}()
	return nil
}

// scanFilters hashes every key the iterator visits into the bloom of its
// store and key group, sized to the store's restored entries spread over
// the groups, and publishes each group's blooms once the scan has passed
// the group (keys are in key-group order). A scan cut short (the DB
// closing, an error) leaves the groups it did not finish unpublished: the
// tables go on looking their keys up.
func (d *DB) scanFilters(it *pebble.Iterator, groups state.KeyGroupRange, perStore map[uint16]int, pending map[uint16]*restoredBloom) {
	defer it.Close()
	n := groups.End - groups.Start + 1
	blooms := map[uint16][]*splitBloom{}
	for id := range pending {
		bs := make([]*splitBloom, n)
		for g := range bs {
			bs[g] = newBloom(max(perStore[id]/n*9/8, 64)) // a group's share, and some
		}
		blooms[id] = bs
	}
	next := 0 // the first group not published
	publish := func(upTo int) {
		for ; next < upTo; next++ {
			for id, p := range pending {
				p.groups[next].Store(blooms[id][next])
			}
			if d.published != nil {
				d.published(groups.Start + next)
			}
		}
	}
	seen := 0
	for it.First(); it.Valid(); it.Next() {
		if seen++; seen%4096 == 0 && d.ctx.Err() != nil {
			return
		}
		_, g, store, ok := decodeStateKey(it.Key())
		if !ok || g < groups.Start || g > groups.End {
			continue
		}
		publish(g - groups.Start)
		if bs := blooms[store]; bs != nil {
			bs[g-groups.Start].add(filterHash(it.Key()))
		}
	}
	if it.Error() != nil {
		return
	}
	publish(n)
}

// awaitRestore waits for the Download of the instance's fast restore, if
// any, so that its checkpoint holds no external file. A failed Download
// is retried once, here.
func (d *DB) awaitRestore(uid uint64, start int) error {
	d.mu.Lock()
	job := d.restoring[instance{uid, start}]
	d.mu.Unlock()
	if job == nil {
		return nil
	}
	<-job.download
	if job.err != nil {
		if err := d.db.Download(d.ctx, []pebble.DownloadSpan{job.span}); err != nil {
			return fmt.Errorf("pebble state: copying the restored files into %s: %w", d.dir, err)
		}
	}
	d.mu.Lock()
	delete(d.restoring, instance{uid, start})
	d.mu.Unlock()
	return nil
}

// Settled is what the background work of fast restores took: how many
// restores there were, the longest key-filter scan and the longest copy
// of the files, each from the end of its restore's ingestion.
type Settled struct {
	Restores       int
	Filters, Files time.Duration
}

// WaitRestored waits until the background work of every fast restore so
// far is done (key filters built, files copied into the DB's directory),
// ctx is done, or the DB closes.
func (d *DB) WaitRestored(ctx context.Context) (Settled, error) {
	var st Settled
	d.mu.Lock()
	jobs := slices.Clone(d.settling)
	d.mu.Unlock()
	for _, job := range jobs {
		for _, ch := range []chan struct{}{job.scanned, job.download} {
			select {
			case <-ch:
			case <-ctx.Done():
				return st, ctx.Err()
			case <-d.ctx.Done():
				return st, d.ctx.Err()
			}
		}
		st.Restores++
		st.Filters, st.Files = max(st.Filters, job.scanTook), max(st.Files, job.downloadTook)
	}
	return st, nil
}

// RestoresCopied reports whether every fast restore's Download has ended,
// so that no checkpoint would wait for one (a failed Download counts as
// ended: the checkpoint retries it and reports its error).
func (d *DB) RestoresCopied() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, job := range d.settling {
		select {
		case <-job.download:
		default:
			return false
		}
	}
	return true
}

// awaitRestores is awaitRestore for every instance.
func (d *DB) awaitRestores() error {
	d.mu.Lock()
	var ins []instance
	for in := range d.restoring {
		ins = append(ins, in)
	}
	d.mu.Unlock()
	for _, in := range ins {
		if err := d.awaitRestore(in.uid, in.start); err != nil {
			return err
		}
	}
	return nil
}

// linkedFiles is the remote.Storage through which the DB reads restored
// checkpoints' files: the hard links under externalDir. It is read-only:
// Pebble never writes or deletes external objects, and nothing may write
// into a checkpoint.
type linkedFiles struct {
	dir string
	fs  vfs.FS
}

var _ remote.Storage = linkedFiles{}

var errReadOnly = errors.New("pebble state: restored checkpoint files are read-only")

func (s linkedFiles) Close() error { return nil }

func (s linkedFiles) ReadObject(_ context.Context, name string) (remote.ObjectReader, int64, error) {
	f, err := s.fs.Open(filepath.Join(s.dir, name))
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return linkedReader{f}, fi.Size(), nil
}

func (s linkedFiles) CreateObject(string) (io.WriteCloser, error) { return nil, errReadOnly }
func (s linkedFiles) Delete(string) error                         { return errReadOnly }

func (s linkedFiles) List(prefix, delimiter string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(s.dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, err := filepath.Rel(s.dir, p)
		if err == nil && len(rel) >= len(prefix) && rel[:len(prefix)] == prefix {
			out = append(out, rel)
		}
		return err
	})
	return out, err
}

func (s linkedFiles) Size(name string) (int64, error) {
	fi, err := s.fs.Stat(filepath.Join(s.dir, name))
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

func (s linkedFiles) IsNotExistError(err error) bool { return errors.Is(err, fs.ErrNotExist) }

type linkedReader struct{ f vfs.File }

func (r linkedReader) ReadAt(_ context.Context, p []byte, off int64) error {
	n, err := r.f.ReadAt(p, off)
	if err == io.EOF && n == len(p) {
		return nil
	}
	return err
}

func (r linkedReader) Close() error { return r.f.Close() }
