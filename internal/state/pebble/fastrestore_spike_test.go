package pebble

// SPIKE (docs/design/fast-restore.md): not production code. It shows, on
// the Pebble version in go.mod, that an operator instance's state can be
// restored from a checkpoint in time proportional to its files, not its
// entries: each SST the checkpoint holds is ingested as an external,
// virtual SST bounded to the instance's key span (IngestExternalFiles),
// one level per call, oldest level first, so the sequence numbers Pebble
// gives the files keep the newest version of every key. Nothing is copied
// and the checkpoint's files are never written.
//
// Run: go test -run Spike ./internal/state/pebble/ (the tests), and
// go test -run '^$' -bench SpikeRestore -benchtime 3x ./internal/state/pebble/
// (figures in docs/benchmarks.md, "Fast restore spike").

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/objstorage/remote"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/sluicehq/sluice/internal/state"
)

// spikeLocator names the remote.Storage through which the job's DB reads
// restored checkpoint files: a directory of hard links under the DB's
// working directory (so deleting the checkpoint later does not pull the
// files from under the DB, and Pebble never deletes external objects).
const spikeLocator = "restored"

// openSpikeDB opens a job DB as Open does, plus what external ingestion
// needs: a format major version with virtual SSTs and a remote.Storage
// over dir/external.
func openSpikeDB(t testing.TB, dir string) *pebble.DB {
	t.Helper()
	po, _ := pebbleOptions(Options{Dir: dir, Memory: 64 << 20})
	defer po.Cache.Unref()
	po.FS = vfs.Default
	po.FormatMajorVersion = pebble.FormatNewest
	ext := filepath.Join(dir, "external")
	if err := os.MkdirAll(ext, 0o755); err != nil {
		t.Fatal(err)
	}
	po.Experimental.RemoteStorage = remote.MakeSimpleFactory(map[remote.Locator]remote.Storage{
		spikeLocator: remote.NewLocalFS(ext, vfs.Default),
	})
	db, err := pebble.Open(dir, po)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// openSpikeDBCleanup is openSpikeDB closed at the end of the test.
func openSpikeDBCleanup(t testing.TB, dir string) *pebble.DB {
	db := openSpikeDB(t, dir)
	t.Cleanup(func() { db.Close() })
	return db
}

// openQuietDB is openDB without automatic compactions, so that the LSM
// shape a test builds (flushes, manual compactions) stays as built.
func openQuietDB(t testing.TB) *DB {
	t.Helper()
	dir := t.TempDir()
	po, batchAt := pebbleOptions(Options{Dir: dir, Memory: 64 << 20})
	defer po.Cache.Unref()
	po.FS = vfs.Default
	po.DisableAutomaticCompactions = true
	po.EnsureDefaults()
	db, err := pebble.Open(dir, po)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &DB{db: db, opts: po, dir: dir, fs: vfs.Default, run: "spike", batchAt: batchAt,
		backends: map[instance]bool{}, catalogs: map[uint64]*catalog{}}
}

// spikeRestoreStats says what a virtual restore did.
type spikeRestoreStats struct {
	files, calls int
	levels       []int // levels of the checkpoint that had files in the span
}

// virtualRestore restores span [lo, hi) of the checkpoint in cp (a
// Backend's checkpoint, self-contained) into db without reading a key:
//
//  1. hard-link the checkpoint's SSTs into db's external directory under
//     a name unique to this restore (O(files));
//  2. open the checkpoint read-only in a scratch directory of links to
//     read its LSM shape (levels, file bounds, sequence numbers: the
//     MANIFEST only);
//  3. ingest, oldest first — L6 up to L1 one level per call, then L0 one
//     file per call in sequence-number order — each file overlapping the
//     span as an external file bounded to span ∩ file bounds. Files of
//     one level do not overlap, so each call is accepted; each call gets
//     sequence numbers above the previous one's, so a newer level's
//     version (or tombstone, or merge operand) of a key shadows an older
//     one, exactly as in the checkpoint's LSM.
func virtualRestore(t testing.TB, db *pebble.DB, dbDir, cp, tag string, lo, hi []byte) spikeRestoreStats {
	t.Helper()
	var st spikeRestoreStats
	ctx := context.Background()
	scratch := filepath.Join(dbDir, "restore-"+tag)
	src, err := openCheckpoint(cp, scratch)
	if err != nil {
		t.Fatal(err)
	}
	levels, err := src.SSTables(pebble.WithProperties())
	if err != nil {
		t.Fatal(err)
	}
	src.Close()
	defer os.RemoveAll(scratch)
	extDir := filepath.Join(dbDir, "external", tag)
	if err := os.MkdirAll(extDir, 0o755); err != nil {
		t.Fatal(err)
	}
	ingest := func(level int, files []pebble.SSTableInfo) {
		var ext []pebble.ExternalFile
		for _, f := range files {
			if f.Properties != nil && f.Properties.SnapshotPinnedKeys > 0 {
				// Several versions of a key in one file would get one
				// sequence number: refuse (the copy path would be used).
				t.Fatalf("%s holds %d keys pinned by a snapshot", f.FileNum, f.Properties.SnapshotPinnedKeys)
			}
			start, end := f.Smallest.UserKey, f.Largest.UserKey
			if bytes.Compare(start, lo) < 0 {
				start = lo
			}
			inclusive := true
			if bytes.Compare(end, hi) >= 0 {
				end, inclusive = hi, false
			}
			if c := bytes.Compare(start, end); c > 0 || (c == 0 && !inclusive) {
				continue // outside the span
			}
			name := fmt.Sprintf("%s.sst", f.FileNum)
			obj := filepath.Join(tag, name)
			if err := linkOrCopy(filepath.Join(scratch, name), filepath.Join(dbDir, "external", obj)); err != nil {
				t.Fatal(err)
			}
			ext = append(ext, pebble.ExternalFile{
				Locator: spikeLocator, ObjName: obj, Size: f.Size,
				StartKey: bytes.Clone(start), EndKey: bytes.Clone(end), EndKeyIsInclusive: inclusive,
				HasPointKey: true, // point keys and range deletions; Sluice writes no range keys
			})
		}
		if len(ext) == 0 {
			return
		}
		if _, err := db.IngestExternalFiles(ctx, ext); err != nil {
			t.Fatalf("ingest level %d: %v", level, err)
		}
		st.files += len(ext)
		st.calls++
		if len(st.levels) == 0 || st.levels[len(st.levels)-1] != level {
			st.levels = append(st.levels, level)
		}
	}
	for level := len(levels) - 1; level >= 1; level-- {
		ingest(level, levels[level])
	}
	l0 := append([]pebble.SSTableInfo(nil), levels[0]...)
	sort.Slice(l0, func(i, j int) bool { return l0[i].LargestSeqNum < l0[j].LargestSeqNum })
	for _, f := range l0 {
		ingest(0, []pebble.SSTableInfo{f})
	}
	return st
}

// spikeKey is a state key of testUID, store 1, in key group g and
// namespace ns.
func spikeKey(g int, ns int64, user string) []byte {
	return append(appendPrefix(nil, testUID, g, 1, ns), user...)
}

// dump reads every key of db in [lo, hi) with its value.
func dump(t testing.TB, r reader, lo, hi []byte) map[string]string {
	t.Helper()
	it, err := r.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for it.First(); it.Valid(); it.Next() {
		got[string(it.Key())] = string(it.Value())
	}
	if err := it.Close(); err != nil {
		t.Fatal(err)
	}
	return got
}

// fileDigests hashes every file under dir (name -> size and sha256).
func fileDigests(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out[p] = fmt.Sprintf("%d %x", len(data), sha256.Sum256(data))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// writeInstance writes the INSTANCE.json Backend.checkpoint writes.
func writeInstance(t testing.TB, cp string, groups state.KeyGroupRange) {
	t.Helper()
	data, _ := json.Marshal(Instance{Format: stateFormat, UID: testUID, KeyGroups: groups, MaxParallelism: state.DefaultMaxParallelism})
	if err := os.WriteFile(filepath.Join(cp, InstanceFile), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestSpikeVirtualIngestRestore: a checkpoint of instance A (key groups
// 0-63) of a DB shared with instance B (64-127) holds, across L6 and
// overlapping L0 files, old versions, overwrites, point deletes, a range
// deletion (DropNamespace) with keys written after it, resurrected keys
// and merge operands on both levels, and B's keys in the same files.
// Virtual ingestion of span A gives exactly the live keys of A with their
// newest values (merges concatenated), no key of B, and leaves the
// checkpoint's files byte-identical through writes, compactions and a
// Download in the new DB. Restoring A's groups as two instances (rescaling
// to parallelism 4) from the same files gives each exactly its half.
func TestSpikeVirtualIngestRestore(t *testing.T) {
	ctx := context.Background()
	d := openQuietDB(t)
	if _, err := d.storeID(testUID, "s"); err != nil { // id 1, in the catalog
		t.Fatal(err)
	}
	const n = 20_000
	want := map[string]string{} // the model: every live key of the DB
	set := func(k []byte, v string) {
		if err := d.db.Set(k, []byte(v), pebble.NoSync); err != nil {
			t.Fatal(err)
		}
		want[string(k)] = v
	}
	del := func(k []byte) {
		if err := d.db.Delete(k, pebble.NoSync); err != nil {
			t.Fatal(err)
		}
		delete(want, string(k))
	}
	merge := func(k []byte, v string) {
		if err := d.db.Merge(k, []byte(v), pebble.NoSync); err != nil {
			t.Fatal(err)
		}
		want[string(k)] += v
	}
	key := func(i int, ns int64) []byte { return spikeKey(i%128, ns, fmt.Sprintf("k%06d", i)) }
	// Old: every key v1 (namespaces 1 and 2), a merge operand; compacted
	// into the bottom level.
	for i := 0; i < n; i++ {
		set(key(i, int64(1+i%2)), "v1")
		merge(spikeKey(i%128, 3, fmt.Sprintf("m%04d", i%500)), "a")
	}
	if err := d.db.Compact(ctx, []byte{0}, []byte{0xff}, false); err != nil {
		t.Fatal(err)
	}
	// Newer, flushed to L0: overwrites, deletes, more merge operands.
	for i := 0; i < n; i++ {
		switch ns := int64(1 + i%2); i % 3 {
		case 0:
			set(key(i, ns), "v2")
		case 1:
			del(key(i, ns))
		}
	}
	for j := 0; j < 500; j++ {
		merge(spikeKey(j%128, 3, fmt.Sprintf("m%04d", j)), "b")
	}
	if err := d.db.Flush(); err != nil {
		t.Fatal(err)
	}
	// Newest, another L0 file: drop namespace 2 of key groups 0-9 (a range
	// deletion per group, as DropNamespace), then write into it again and
	// resurrect some keys deleted above.
	for g := 0; g < 10; g++ {
		lo := appendPrefix(nil, testUID, g, 1, 2)
		hi := appendPrefix(nil, testUID, g, 1, 3)
		if err := d.db.DeleteRange(lo, hi, pebble.NoSync); err != nil {
			t.Fatal(err)
		}
		for k := range want {
			if k >= string(lo) && k < string(hi) {
				delete(want, k)
			}
		}
	}
	for i := 0; i < n; i += 7 {
		if g := i % 128; g < 10 && i%2 == 1 {
			set(key(i, 2), "v3") // after the range deletion, in the same file
		}
		if i%3 == 1 {
			set(key(i, int64(1+i%2)), "v3") // deleted in the older L0 file
		}
	}
	if err := d.db.Flush(); err != nil {
		t.Fatal(err)
	}
	shape, err := d.db.SSTables()
	if err != nil {
		t.Fatal(err)
	}
	if len(shape[0]) < 2 || len(shape[6]) == 0 {
		t.Fatalf("want overlapping L0 files over L6 files, got L0 %d, L6 %d files", len(shape[0]), len(shape[6]))
	}

	groupsA := state.KeyGroupRange{Start: 0, End: 63}
	loA, hiA := groupSpan(testUID, groupsA)
	mlo, mhi := metaSpan(testUID)
	cp := filepath.Join(t.TempDir(), "pebble-a")
	if err := d.checkpoint(cp, []pebble.CheckpointSpan{{Start: loA, End: hiA}, {Start: mlo, End: mhi}}); err != nil {
		t.Fatal(err)
	}
	writeInstance(t, cp, groupsA)
	// The checkpoint's files hold B's keys too (they are whole SSTs).
	{
		src, err := openCheckpoint(cp, filepath.Join(t.TempDir(), "peek"))
		if err != nil {
			t.Fatal(err)
		}
		loB, hiB := groupSpan(testUID, state.KeyGroupRange{Start: 64, End: 127})
		if len(dump(t, src, loB, hiB)) == 0 {
			t.Fatal("the checkpoint of A surfaces no key of B: the test shows nothing about hiding them")
		}
		src.Close()
	}
	before := fileDigests(t, cp)

	wantA := map[string]string{}
	for k, v := range want {
		if k >= string(loA) && k < string(hiA) {
			wantA[k] = v
		}
	}
	checkSame := func(what string, got, want map[string]string) {
		t.Helper()
		if len(got) != len(want) {
			t.Errorf("%s: %d keys, want %d", what, len(got), len(want))
		}
		bad := 0
		for k, v := range want {
			if g, ok := got[k]; !ok || g != v {
				if bad++; bad <= 5 {
					t.Errorf("%s: key %x = %q (present %t), want %q", what, k, g, ok, v)
				}
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				if bad++; bad <= 5 {
					t.Errorf("%s: key %x should be absent (deleted, or not the instance's)", what, k)
				}
			}
		}
	}
	// checkpointReadsBack checks that a checkpoint of from's span of A is
	// plain local SSTs (no remote objects) holding exactly want.
	checkpointReadsBack := func(what string, from *pebble.DB, want map[string]string) {
		t.Helper()
		cp := filepath.Join(t.TempDir(), "pebble-a")
		if err := from.Checkpoint(cp, pebble.WithRestrictToSpans([]pebble.CheckpointSpan{{Start: loA, End: hiA}})); err != nil {
			t.Fatal(err)
		}
		ents, _ := os.ReadDir(cp)
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), "REMOTE-OBJ-CATALOG") {
				t.Fatalf("%s still names remote objects (%s)", what, e.Name())
			}
		}
		src, err := openCheckpoint(cp, filepath.Join(t.TempDir(), "reopen"))
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		checkSame(what, dump(t, src, loA, hiA), want)
	}

	// Same parallelism: one instance restores A.
	dir := t.TempDir()
	db := openSpikeDBCleanup(t, dir)
	st := virtualRestore(t, db, dir, cp, "a", loA, hiA)
	if len(st.levels) < 2 || st.levels[0] != 6 || st.levels[len(st.levels)-1] != 0 {
		t.Fatalf("ingested levels %v, want L6 first and L0 last", st.levels)
	}
	checkSame("restored A", dump(t, db, nil, []byte{0xff, 0xff}), wantA)
	if st.files < 3 || st.calls != st.files {
		t.Fatalf("ingested %d files in %d calls; want the L6 file and both L0 files, L0 one per call", st.files, st.calls)
	}

	// The job goes on: writes, a compaction, then Download (rewrites the
	// external files into local ones, in the background in a real job).
	k0 := spikeKey(0, 1, "new")
	if err := db.Set(k0, []byte("x"), pebble.NoSync); err != nil {
		t.Fatal(err)
	}
	wantA[string(k0)] = "x"
	if err := db.Compact(ctx, loA, hiA, false); err != nil {
		t.Fatal(err)
	}
	if err := db.Download(ctx, []pebble.DownloadSpan{{StartKey: loA, EndKey: hiA}}); err != nil {
		t.Fatal(err)
	}
	got, err := db.SSTables()
	if err != nil {
		t.Fatal(err)
	}
	for _, lvl := range got {
		for _, f := range lvl {
			if f.BackingType == pebble.BackingTypeExternal {
				t.Fatalf("%s still reads an external file after Download", f.FileNum)
			}
		}
	}
	checkSame("after compaction and download", dump(t, db, nil, []byte{0xff, 0xff}), wantA)
	// A checkpoint of the new DB is again plain local SSTs: the existing
	// Restore reads it.
	checkpointReadsBack("checkpoint after Download", db, wantA)

	// Rescaled: A's groups restored as two instances of one DB, both
	// reading the same files.
	dir3 := t.TempDir()
	db3 := openSpikeDBCleanup(t, dir3)
	for i, half := range []state.KeyGroupRange{{Start: 0, End: 31}, {Start: 32, End: 63}} {
		lo, hi := groupSpan(testUID, half)
		virtualRestore(t, db3, dir3, cp, fmt.Sprintf("half%d", i), lo, hi)
		wantHalf := map[string]string{}
		for k, v := range wantA {
			if k >= string(lo) && k < string(hi) && k != string(k0) {
				wantHalf[k] = v
			}
		}
		checkSame(fmt.Sprintf("rescaled instance %v", half), dump(t, db3, lo, hi), wantHalf)
	}

	// Download by copying the backing files byte for byte (no rewrite):
	// the tables stay virtual over local backings, which Pebble's
	// checkpoint copies, so the checkpoint again reads back exactly.
	if err := db3.Download(ctx, []pebble.DownloadSpan{{StartKey: loA, EndKey: hiA, ViaBackingFileDownload: true}}); err != nil {
		t.Fatal(err)
	}
	got3, err := db3.SSTables()
	if err != nil {
		t.Fatal(err)
	}
	virtualLocal := 0
	for _, lvl := range got3 {
		for _, f := range lvl {
			if f.BackingType == pebble.BackingTypeExternal {
				t.Fatalf("%s still reads an external file after a backing download", f.FileNum)
			}
			if f.Virtual {
				virtualLocal++
			}
		}
	}
	wantA3 := map[string]string{}
	for k, v := range wantA {
		if k != string(k0) {
			wantA3[k] = v
		}
	}
	checkpointReadsBack(fmt.Sprintf("checkpoint after a backing download (%d virtual tables over local backings)", virtualLocal), db3, wantA3)
	t.Logf("after a backing download: %d virtual tables over local backings", virtualLocal)

	after := fileDigests(t, cp)
	if len(after) != len(before) {
		t.Fatalf("checkpoint files: %d before, %d after", len(before), len(after))
	}
	for f, dg := range before {
		if after[f] != dg {
			t.Fatalf("checkpoint file %s changed: %s -> %s", f, dg, after[f])
		}
	}
}

// TestSpikeOverlapInOneCall pins why the restore ingests one level per
// call: the checkpoint's L0 and L6 files overlap, and Pebble refuses
// overlapping external files in one ingestion (and would give them one
// order by key, not by level, if it did not).
func TestSpikeOverlapInOneCall(t *testing.T) {
	d := openQuietDB(t)
	for i := 0; i < 1000; i++ {
		d.db.Set(spikeKey(i%128, 1, fmt.Sprint(i)), []byte("old"), pebble.NoSync)
	}
	if err := d.db.Compact(context.Background(), []byte{0}, []byte{0xff}, false); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 1000; i++ {
		d.db.Set(spikeKey(i%128, 1, fmt.Sprint(i)), []byte("new"), pebble.NoSync)
	}
	cp := filepath.Join(t.TempDir(), "cp")
	if err := d.checkpoint(cp, nil); err != nil {
		t.Fatal(err)
	}
	src, err := pebble.Open(cp, &pebble.Options{ReadOnly: true, Logger: quietLogger{}})
	if err != nil {
		t.Fatal(err)
	}
	levels, err := src.SSTables()
	src.Close()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	db := openSpikeDBCleanup(t, dir)
	var ext []pebble.ExternalFile
	for _, lvl := range levels {
		for _, f := range lvl {
			name := fmt.Sprintf("%s.sst", f.FileNum)
			if err := linkOrCopy(filepath.Join(cp, name), filepath.Join(dir, "external", name)); err != nil {
				t.Fatal(err)
			}
			ext = append(ext, pebble.ExternalFile{Locator: spikeLocator, ObjName: name, Size: f.Size,
				StartKey: f.Smallest.UserKey, EndKey: f.Largest.UserKey, EndKeyIsInclusive: true, HasPointKey: true})
		}
	}
	if len(ext) < 2 {
		t.Fatalf("want files on two levels, got %d files", len(ext))
	}
	_, err = db.IngestExternalFiles(context.Background(), ext)
	if err == nil || !strings.Contains(err.Error(), "overlapping") {
		t.Fatalf("ingesting overlapping levels in one call: err %v, want an overlap error", err)
	}
	// A local Ingest of a checkpoint's SST is refused too: its keys carry
	// the sequence numbers of the DB that wrote them.
	name := fmt.Sprintf("%s.sst", levels[0][0].FileNum)
	cpy := filepath.Join(dir, "local.sst")
	if err := copyFile(filepath.Join(cp, name), cpy); err != nil {
		t.Fatal(err)
	}
	if err := db.Ingest(context.Background(), []string{cpy}); err == nil || !strings.Contains(err.Error(), "non-zero seqnum") {
		t.Fatalf("local ingest of a checkpoint SST: err %v, want a non-zero seqnum error", err)
	}
}

// spikeSource builds, once per benchmark, a checkpoint of instance A (key
// groups 0-63) of a DB holding keys of every key group: half the keys
// written twice (a newer L0/L-base version over the bottom level).
func spikeSource(b *testing.B, keys int) (cp string, groupsA state.KeyGroupRange, inA int) {
	d := openDB(b, 256<<20)
	if _, err := d.storeID(testUID, "s"); err != nil {
		b.Fatal(err)
	}
	groupsA = state.KeyGroupRange{Start: 0, End: 63}
	val := make([]byte, 16)
	bt := d.db.NewBatch()
	put := func(i int, v uint64) {
		g := int(uint64(i) * 2654435761 % 128)
		binary.LittleEndian.PutUint64(val, v)
		bt.Set(binary.BigEndian.AppendUint64(appendPrefix(nil, testUID, g, 1, 0), uint64(i)), val, nil)
		if bt.Len() > 1<<20 {
			if err := bt.Commit(pebble.NoSync); err != nil {
				b.Fatal(err)
			}
			bt.Reset()
		}
	}
	for i := 0; i < keys; i++ {
		put(i, 1)
		if g := int(uint64(i) * 2654435761 % 128); g <= groupsA.End {
			inA++
		}
	}
	if err := bt.Commit(pebble.NoSync); err != nil {
		b.Fatal(err)
	}
	bt.Reset()
	if err := d.db.Compact(context.Background(), []byte{0}, []byte{0xff}, true); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < keys; i += 2 {
		put(i, 2)
	}
	if err := bt.Commit(pebble.NoSync); err != nil {
		b.Fatal(err)
	}
	lo, hi := groupSpan(testUID, groupsA)
	mlo, mhi := metaSpan(testUID)
	cp = filepath.Join(b.TempDir(), "pebble-a")
	if err := d.checkpoint(cp, []pebble.CheckpointSpan{{Start: lo, End: hi}, {Start: mlo, End: mhi}}); err != nil {
		b.Fatal(err)
	}
	writeInstance(b, cp, groupsA)
	return cp, groupsA, inA
}

// BenchmarkSpikeRestore compares, on one checkpoint, the current Restore
// (copy every entry of the instance's key groups into new SSTs, build the
// key filter) with the virtual restore (link and ingest the files), and
// the virtual restore followed by Download (what a job would do in the
// background before its first checkpoint), rewriting the files or copying
// their backing files byte for byte. Each sub-benchmark restores
// into a fresh DB per iteration; the reported entries/op check that all
// keys of the instance were restored.
func BenchmarkSpikeRestore(b *testing.B) {
	for _, keys := range []int{2_000_000, 6_000_000} {
		b.Run(fmt.Sprintf("keys=%dM", keys/1_000_000), func(b *testing.B) { benchSpikeRestore(b, keys) })
	}
}

func benchSpikeRestore(b *testing.B, keys int) {
	cp, groupsA, inA := spikeSource(b, keys)
	lo, hi := groupSpan(testUID, groupsA)
	countA := func(r reader) int {
		it, err := r.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for it.First(); it.Valid(); it.Next() {
			n++
		}
		it.Close()
		return n
	}
	b.Run("copy", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			d, err := Open(Options{Dir: b.TempDir(), Memory: 256 << 20})
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			st, err := d.Restore(testUID, groupsA, state.DefaultMaxParallelism, []string{cp})
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			if int(st.Entries) != inA {
				b.Fatalf("restored %d entries, want %d", st.Entries, inA)
			}
			d.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(inA), "entries/op")
	})
	for _, mode := range []string{"virtual", "virtual+download", "virtual+backingdownload"} {
		download := mode != "virtual"
		b.Run(mode, func(b *testing.B) {
			files := 0
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				dir := b.TempDir()
				db := openSpikeDB(b, dir)
				b.StartTimer()
				files = virtualRestore(b, db, dir, cp, "a", lo, hi).files
				if download {
					span := pebble.DownloadSpan{StartKey: lo, EndKey: hi, ViaBackingFileDownload: mode == "virtual+backingdownload"}
					if err := db.Download(context.Background(), []pebble.DownloadSpan{span}); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				if n := countA(db); n != inA {
					b.Fatalf("restored %d keys, want %d", n, inA)
				}
				db.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(inA), "entries/op")
			b.ReportMetric(float64(files), "files/op")
		})
	}
}

// BenchmarkSpikeGetAfterRestore measures point reads of the instance's
// keys right after a restore — what the job does while the background
// download has not finished: from the SSTs the copy wrote, and through
// the virtual SSTs over the checkpoint's files (one synthetic sequence
// number each, bounds checked). Every read must find its key.
func BenchmarkSpikeGetAfterRestore(b *testing.B) {
	const keys = 2_000_000
	cp, groupsA, _ := spikeSource(b, keys)
	lo, hi := groupSpan(testUID, groupsA)
	var inA []int
	for i := 0; i < keys; i++ {
		if int(uint64(i)*2654435761%128) <= groupsA.End {
			inA = append(inA, i)
		}
	}
	keyOf := func(dst []byte, i int) []byte {
		g := int(uint64(i) * 2654435761 % 128)
		return binary.BigEndian.AppendUint64(appendPrefix(dst[:0], testUID, g, 1, 0), uint64(i))
	}
	get := func(b *testing.B, db *pebble.DB) {
		var k []byte
		b.ResetTimer()
		for n := 0; n < b.N; n++ {
			i := inA[uint64(n)*2654435761%uint64(len(inA))]
			k = keyOf(k, i)
			v, closer, err := db.Get(k)
			if err != nil {
				b.Fatalf("key %d: %v", i, err)
			}
			if want := uint64(1 + (i+1)%2); binary.LittleEndian.Uint64(v) != want {
				b.Fatalf("key %d: version %d, want %d", i, binary.LittleEndian.Uint64(v), want)
			}
			closer.Close()
		}
	}
	b.Run("copy", func(b *testing.B) {
		d := openDB(b, 256<<20)
		if _, err := d.Restore(testUID, groupsA, state.DefaultMaxParallelism, []string{cp}); err != nil {
			b.Fatal(err)
		}
		get(b, d.db)
	})
	b.Run("virtual", func(b *testing.B) {
		dir := b.TempDir()
		db := openSpikeDBCleanup(b, dir)
		virtualRestore(b, db, dir, cp, "a", lo, hi)
		get(b, db)
	})
}
