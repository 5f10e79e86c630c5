package pebble

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"

	"github.com/sluicehq/sluice/internal/state"
)

var (
	groupsA = state.KeyGroupRange{Start: 0, End: 63}
	groupsB = state.KeyGroupRange{Start: 64, End: 127}
)

// model is one instance's two stores, as the test wrote them: "s"
// (puts, deletes, dropped namespaces) and "m" (appends: merge operands).
type model struct {
	groups   state.KeyGroupRange // keys of other groups are never routed here
	s, m     state.Store[[]byte]
	app      state.BytesAppender
	want     map[string]map[int64]map[string]string // store -> ns -> key -> value
	lenS     int
	lenM     int
	everKeys map[string]map[int64]map[string]bool // every key ever written
}

func newModel(t *testing.T, b *Backend) *model {
	t.Helper()
	s, err := b.Table("s")
	if err != nil {
		t.Fatal(err)
	}
	m, err := b.Table("m")
	if err != nil {
		t.Fatal(err)
	}
	md := &model{groups: b.groups, s: s, m: m, app: m.(state.BytesAppender),
		want: map[string]map[int64]map[string]string{}, everKeys: map[string]map[int64]map[string]bool{}}
	return md
}

func (md *model) ns(store string, ns int64) map[string]string {
	if md.want[store] == nil {
		md.want[store] = map[int64]map[string]string{}
		md.everKeys[store] = map[int64]map[string]bool{}
	}
	if md.want[store][ns] == nil {
		md.want[store][ns] = map[string]string{}
		md.everKeys[store][ns] = map[string]bool{}
	}
	return md.want[store][ns]
}

func (md *model) owns(k string) bool {
	return md.groups.Contains(state.KeyGroup([]byte(k), state.DefaultMaxParallelism))
}

func (md *model) put(ns int64, k, v string) {
	if !md.owns(k) {
		return
	}
	md.s.Put(ns, []byte(k), []byte(v))
	md.ns("s", ns)[k] = v
	md.everKeys["s"][ns][k] = true
}

func (md *model) del(ns int64, k string) {
	if !md.owns(k) {
		return
	}
	md.s.Delete(ns, []byte(k))
	delete(md.ns("s", ns), k)
}

func (md *model) drop(ns int64) {
	md.s.DropNamespace(ns)
	for k := range md.ns("s", ns) {
		delete(md.want["s"][ns], k)
	}
}

func (md *model) appendTo(ns int64, k, v string) {
	if !md.owns(k) {
		return
	}
	md.app.AppendBytes(ns, []byte(k), []byte(v))
	md.ns("m", ns)[k] += v
	md.everKeys["m"][ns][k] = true
}

// check compares a restored instance's stores with the model: Len, every
// namespace's Range, Get of every key ever written (present or absent).
func (md *model) check(t *testing.T, what string, b *Backend) {
	t.Helper()
	for _, store := range []string{"s", "m"} {
		tab := tableOf(t, b, store)
		n := 0
		for ns, keys := range md.want[store] {
			n += len(keys)
			got := map[string]string{}
			tab.Range(ns, func(k, v []byte) bool {
				got[string(k)] = string(v)
				return true
			})
			if fmt.Sprint(got) != fmt.Sprint(keys) {
				t.Fatalf("%s: store %s namespace %d: %d entries, want %d (or other values)", what, store, ns, len(got), len(keys))
			}
			for k := range md.everKeys[store][ns] {
				v, ok := tab.Get(ns, []byte(k))
				if wv, wok := keys[k]; ok != wok || string(v) != wv {
					t.Fatalf("%s: store %s Get(%d, %s) = %q, %t; want %q, %t", what, store, ns, k, v, ok, wv, wok)
				}
			}
		}
		if store == "s" && tab.Len() != n { // appends count calls, not keys
			t.Fatalf("%s: store %s Len %d, want %d", what, store, tab.Len(), n)
		}
	}
}

// openQuietDB is openDB without automatic compactions.
func openQuietDB(t *testing.T) *DB {
	t.Helper()
	d, err := Open(Options{Dir: t.TempDir(), Memory: 64 << 20, tune: func(o *pebble.Options) { o.DisableAutomaticCompactions = true }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// tableOf returns b's store name, opening it if need be.
func tableOf(t *testing.T, b *Backend, name string) *table {
	t.Helper()
	if tab := b.tables[name]; tab != nil {
		return tab
	}
	tab, err := b.newTable(name, 0)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// keysIn counts the keys of db in the state span of groups.
func keysIn(t *testing.T, d *DB, groups state.KeyGroupRange) int {
	t.Helper()
	lo, hi := groupSpan(testUID, groups)
	it, err := d.db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	n := 0
	for it.First(); it.Valid(); it.Next() {
		n++
	}
	return n
}

// digests hashes every file under the dirs.
func digests(t *testing.T, dirs ...string) map[string][32]byte {
	t.Helper()
	out := map[string][32]byte{}
	for _, dir := range dirs {
		filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
			if err != nil || fi.IsDir() {
				return err
			}
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			out[p] = sha256.Sum256(data)
			return nil
		})
	}
	return out
}

// historyDB opens a DB without automatic compactions with instances A and
// B, and writes their history (writeHistory).
func historyDB(t *testing.T) (d *DB, ba, bb *Backend, a, b *model) {
	t.Helper()
	d = openQuietDB(t)
	ba, bb = backend(t, d, groupsA), backend(t, d, groupsB)
	a, b = newModel(t, ba), newModel(t, bb)
	writeHistory(t, d, a, b, ba, bb)
	return d, ba, bb, a, b
}

// writeHistory writes, into instances A and B of one DB, three
// generations that leave an LSM of a compacted bottom level under two L0
// files: old versions, overwrites, point deletes, a dropped namespace
// written into again, resurrected keys, merge operands in every level,
// and B's keys in the same files.
func writeHistory(t *testing.T, d *DB, a, b *model, ba, bb *Backend) {
	t.Helper()
	const n = 12_000
	key := func(i int) string { return fmt.Sprintf("k%06d", i) }
	for i := 0; i < n; i++ {
		for _, md := range []*model{a, b} {
			md.put(int64(1+i%3), key(i), "v1")
			md.appendTo(int64(i%2), fmt.Sprintf("m%04d", i%700), "a")
		}
	}
	flush(t, ba, bb)
	if err := d.db.Compact(t.Context(), []byte{0}, []byte{0xff}, false); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		for _, md := range []*model{a, b} {
			switch i % 10 { // few deletes: a tombstone-dense file would be compacted at once
			case 0, 2:
				md.put(int64(1+i%3), key(i), "v2")
			case 1:
				md.del(int64(1+i%3), key(i))
			}
		}
	}
	for j := 0; j < 700; j += 3 {
		a.appendTo(int64(j%2), fmt.Sprintf("m%04d", j), "b")
	}
	flush(t, ba, bb)
	if err := d.db.Flush(); err != nil {
		t.Fatal(err)
	}
	a.drop(2)
	for i := 0; i < n; i += 5 {
		if i%3 == 1 {
			a.put(2, key(i), "v3") // after the range deletions, in the same file
		}
		if i%10 == 1 {
			a.put(int64(1+i%3), key(i), "v3") // deleted in the older L0 file
		}
	}
	a.appendTo(0, "m0000", "c")
	flush(t, ba, bb)
	if err := d.db.Flush(); err != nil {
		t.Fatal(err)
	}
	shape, err := d.db.SSTables()
	if err != nil {
		t.Fatal(err)
	}
	if len(shape[0]) < 2 || len(shape[6]) == 0 {
		t.Fatalf("want L0 files over a bottom level, got L0 %d, L6 %d files", len(shape[0]), len(shape[6]))
	}
}

func flush(t *testing.T, bs ...*Backend) {
	t.Helper()
	for _, b := range bs {
		if err := b.Flush(); err != nil {
			t.Fatal(err)
		}
	}
}

// A fast restore of instance A's incremental checkpoint, from a DB shared
// with instance B, gives exactly A's live keys with their newest values
// (merge operands concatenated in order), exact Len, no key of B, and no
// write made after the checkpoint; the table filters, built in the
// background, never hide a key. The checkpoint's files are never written.
// The restored instance then checkpoints again (its files are virtual
// tables over copied backings) and restores fast once more, twice.
func TestFastRestore(t *testing.T) {
	_, ba, _, a, _ := historyDB(t)

	root := t.TempDir()
	shared := filepath.Join(root, "shared")
	if _, _, err := ba.SnapshotShared(filepath.Join(root, "chk-1"), shared); err != nil {
		t.Fatal(err)
	}
	cp := filepath.Join(root, "chk-1", fmt.Sprintf("pebble-%016x-0", uint64(testUID)))
	before := digests(t, root)
	// The checkpoint's files surface B's keys too: the restore must hide them.
	src, err := openCheckpoint(cp, filepath.Join(t.TempDir(), "peek"))
	if err != nil {
		t.Fatal(err)
	}
	if loB, hiB := groupSpan(testUID, groupsB); len(dump(t, src, loB, hiB)) == 0 {
		t.Fatal("A's checkpoint holds no key of B: the test shows nothing about hiding them")
	}
	src.Close()
	late := "late"
	for i := 0; !a.owns(late); i++ {
		late = fmt.Sprintf("late%d", i)
	}
	a.put(1, late, "x") // after the checkpoint: not restored
	delete(a.want["s"][1], late)

	prev := a
	for gen := 1; gen <= 3; gen++ {
		d2 := openDB(t, 64<<20)
		st, err := d2.Restore(testUID, groupsA, state.DefaultMaxParallelism, []string{cp})
		if err != nil {
			t.Fatal(err)
		}
		if !st.Fast || st.Files == 0 {
			t.Fatalf("generation %d: fast %t (%s), %d files", gen, st.Fast, st.Slow, st.Files)
		}
		b2 := backend(t, d2, groupsA)
		prev.check(t, fmt.Sprintf("generation %d, right after the restore", gen), b2)
		if n := keysIn(t, d2, groupsB); n != 0 {
			t.Fatalf("generation %d: %d keys of B visible", gen, n)
		}
		if st, err := d2.WaitRestored(t.Context()); err != nil || st.Restores != 1 || st.Filters <= 0 || st.Files <= 0 {
			t.Fatalf("WaitRestored = %+v, %v", st, err)
		}
		if !d2.RestoresCopied() {
			t.Fatalf("generation %d: RestoresCopied false after WaitRestored", gen)
		}
		for _, name := range []string{"s", "m"} {
			if f := b2.tables[name].filter; f.restored == nil || !f.restored.ready() {
				t.Fatalf("generation %d: store %s has no restored filter after the scan", gen, name)
			}
		}
		prev.check(t, fmt.Sprintf("generation %d, filters built", gen), b2)
		d2.bg.Wait() // the links' removal too
		if left, _ := os.ReadDir(filepath.Join(d2.dir, externalDir)); len(left) != 0 {
			t.Fatalf("generation %d: %d restore links left after the download", gen, len(left))
		}
		// The job goes on; its next checkpoint is restored next.
		next := &model{groups: groupsA, s: tableOf(t, b2, "s"), m: tableOf(t, b2, "m"), want: prev.want, everKeys: prev.everKeys}
		next.app = next.m.(state.BytesAppender)
		for i := 0; i < 500; i++ {
			next.put(int64(1+i%3), fmt.Sprintf("g%d-%d", gen, i), "new")
			next.del(int64(1+i%3), fmt.Sprintf("k%06d", i*7))
		}
		next.appendTo(1, "m0001", "d")
		dir := filepath.Join(root, fmt.Sprintf("chk-%d", gen+1))
		if _, _, err := b2.SnapshotShared(dir, shared); err != nil {
			t.Fatal(err)
		}
		cp = filepath.Join(dir, fmt.Sprintf("pebble-%016x-0", uint64(testUID)))
		if remote, _ := filepath.Glob(filepath.Join(cp, "REMOTE-OBJ-CATALOG*")); len(remote) != 0 {
			t.Fatalf("generation %d: the checkpoint names remote objects %v", gen, remote)
		}
		prev = next
	}
	after := digests(t, root)
	for p, h := range before {
		if after[p] != h {
			t.Fatalf("%s changed after restoring it", p)
		}
	}
}

// An LSM of several levels restores with the newest version of every key:
// each level's files are ingested after the levels below it. Generations
// of overwrites, deletes and appends go through compactions into a small
// base level until the checkpoint holds files in two or more levels below
// L0 and in L0.
func TestFastRestoreLevels(t *testing.T) {
	d, err := Open(Options{Dir: t.TempDir(), Memory: 16 << 20, tune: func(o *pebble.Options) {
		o.LBaseMaxBytes = 64 << 10
		o.L0CompactionThreshold = 2
		o.MemTableSize = 256 << 10
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ba := backend(t, d, groupsA)
	a := newModel(t, ba)
	root := t.TempDir()
	for gen := 0; ; gen++ {
		if gen == 200 {
			t.Fatal("no checkpoint with two levels below L0 and files in L0 after 200 generations")
		}
		for i := 0; i < 3000; i++ {
			k := fmt.Sprintf("k%06d", (i*7919+gen*1237)%20000)
			switch (i + gen) % 7 {
			case 0:
				a.del(int64(i%3), k)
			case 1:
				a.appendTo(int64(i%2), fmt.Sprintf("m%03d", i%300), fmt.Sprint(gen%10))
			default:
				a.put(int64(i%3), k, fmt.Sprintf("g%d", gen))
			}
		}
		if gen%5 == 4 {
			a.drop(int64(gen % 3))
		}
		flush(t, ba)
		if err := d.db.Flush(); err != nil {
			t.Fatal(err)
		}
		if gen < 10 {
			continue
		}
		dir := filepath.Join(root, fmt.Sprint(gen))
		files, err := ba.Snapshot(dir)
		if err != nil {
			t.Fatal(err)
		}
		cp := checkpointDirs(dir, files)[0]
		src, err := openCheckpoint(cp, filepath.Join(t.TempDir(), "peek"))
		if err != nil {
			t.Fatal(err)
		}
		levels, err := src.SSTables()
		src.Close()
		if err != nil {
			t.Fatal(err)
		}
		deep := 0
		for _, l := range levels[1:] {
			if len(l) > 0 {
				deep++
			}
		}
		if deep < 2 || len(levels[0]) == 0 {
			continue
		}
		d2 := openDB(t, 64<<20)
		st, err := d2.Restore(testUID, groupsA, state.DefaultMaxParallelism, []string{cp})
		if err != nil || !st.Fast {
			t.Fatalf("%+v, %v", st, err)
		}
		a.check(t, fmt.Sprintf("generation %d", gen), backend(t, d2, groupsA))
		return
	}
}

// dump reads the keys of r in [lo, hi) with their values.
func dump(t *testing.T, r reader, lo, hi []byte) map[string]string {
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

// Scaling in (two instances' checkpoints into one instance) is fast too;
// scaling out splits a checkpoint's key groups and copies.
func TestFastRestoreRescale(t *testing.T) {
	d, ba, bb, a, b := historyDB(t)
	root := t.TempDir()
	var cps []string
	for _, be := range []*Backend{ba, bb} {
		files, err := be.Snapshot(root)
		if err != nil {
			t.Fatal(err)
		}
		cps = append(cps, checkpointDirs(root, files)...)
	}
	sort.Strings(cps)
	d2 := openDB(t, 64<<20)
	st, err := d2.Restore(testUID, fullGroups, state.DefaultMaxParallelism, cps)
	if err != nil || !st.Fast {
		t.Fatalf("scale in: %+v, %v; want fast", st, err)
	}
	all := backend(t, d2, fullGroups)
	// One model of both: their keys are the same strings in other
	// groups, so compare per instance's groups through Range counts.
	got, want := keysIn(t, d2, fullGroups), keysIn(t, d, groupsA)+keysIn(t, d, groupsB)
	if got != want {
		t.Fatalf("scale in: %d keys, want %d", got, want)
	}
	sTab, _ := all.Table("s")
	if wantLen := modelLen(a, "s") + modelLen(b, "s"); sTab.Len() != wantLen {
		t.Fatalf("scale in: Len %d, want %d", sTab.Len(), wantLen)
	}

	d3 := openDB(t, 64<<20)
	half := state.KeyGroupRange{Start: 0, End: 31}
	st, err = d3.Restore(testUID, half, state.DefaultMaxParallelism, cps)
	if err != nil || st.Fast || !strings.Contains(st.Slow, "split") {
		t.Fatalf("scale out: %+v, %v; want the copy path, saying the key groups are split", st, err)
	}
}

func modelLen(md *model, store string) int {
	n := 0
	for _, keys := range md.want[store] {
		n += len(keys)
	}
	return n
}

// A checkpoint without entry counts (written before Sluice saved them)
// restores through the copy path, with the same content.
func TestFastRestoreWithoutCounts(t *testing.T) {
	_, ba, _, a, _ := historyDB(t)
	root := t.TempDir()
	files, err := ba.Snapshot(root)
	if err != nil {
		t.Fatal(err)
	}
	cp := checkpointDirs(root, files)[0]
	path := filepath.Join(cp, InstanceFile)
	data, _ := os.ReadFile(path)
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil || m["counts"] == nil {
		t.Fatalf("%s: %v, counts %v", path, err, m["counts"])
	}
	delete(m, "counts")
	data, _ = json.Marshal(m)
	os.WriteFile(path, data, 0o644)
	d2 := openDB(t, 64<<20)
	if !d2.RestoresCopied() {
		t.Fatal("RestoresCopied false before any restore")
	}
	st, err := d2.Restore(testUID, groupsA, state.DefaultMaxParallelism, []string{cp})
	if err != nil || st.Fast || !strings.Contains(st.Slow, "no entry counts") {
		t.Fatalf("%+v, %v; want the copy path for want of counts", st, err)
	}
	a.check(t, "copied", backend(t, d2, groupsA))
}

// When the restored files cannot be read, the restore's download fails
// and the instance's checkpoint reports it (after one retry) instead of
// writing a checkpoint that names files outside it.
func TestFastRestoreDownloadFault(t *testing.T) {
	d := openDB(t, 64<<20)
	ba := backend(t, d, fullGroups)
	s := intStore(t, ba, "s")
	for i := 0; i < 5000; i++ {
		s.Put(0, fmt.Appendf(nil, "k%d", i), i)
	}
	root := t.TempDir()
	files, err := ba.Snapshot(root)
	if err != nil {
		t.Fatal(err)
	}
	var armed atomic.Bool
	armed.Store(true)
	inj := errorfs.InjectorFunc(func(op errorfs.Op) error {
		if armed.Load() && op.Kind.ReadOrWrite() == errorfs.OpIsRead && strings.Contains(op.Path, string(filepath.Separator)+externalDir+string(filepath.Separator)) {
			return errorfs.ErrInjected
		}
		return nil
	})
	d2, err := Open(Options{Dir: t.TempDir(), Memory: 32 << 20, FS: errorfs.Wrap(vfs.Default, inj)})
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	st, err := d2.Restore(testUID, fullGroups, state.DefaultMaxParallelism, checkpointDirs(root, files))
	if err != nil || !st.Fast {
		t.Fatalf("%+v, %v", st, err)
	}
	b2 := backend(t, d2, fullGroups)
	intStore(t, b2, "s")
	out := t.TempDir()
	if _, err := b2.Snapshot(out); !errors.Is(err, errorfs.ErrInjected) || !strings.Contains(err.Error(), "copying the restored files") {
		t.Fatalf("Snapshot after a failed download = %v", err)
	}
	if ents, _ := os.ReadDir(out); len(ents) != 0 {
		t.Fatalf("a failed snapshot left %d entries", len(ents))
	}
	armed.Store(false) // the disk recovers: the next checkpoint retries
	if _, err := b2.Snapshot(out); err != nil {
		t.Fatal(err)
	}
}

// The fast restore gives every key of a file one sequence number, exact
// only while each file holds one entry per key, which Pebble's flushes and
// compactions guarantee unless a snapshot pins older versions (the
// restore also checks SnapshotPinnedKeys, falling back to a copy): no
// code outside tests may open a Pebble snapshot on the job's DB.
func TestNoPebbleSnapshots(t *testing.T) {
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repository root not found: %v", err)
	}
	checked := 0
	err = filepath.WalkDir(root, func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		checked++
		for _, call := range []string{".NewSnapshot(", ".NewEventuallyFileOnlySnapshot("} {
			if strings.Contains(string(data), call) {
				t.Errorf("%s calls %s: a snapshot pins key versions the fast restore cannot keep apart", p, call)
			}
		}
		return nil
	})
	if err != nil || checked < 100 {
		t.Fatalf("walked %d files: %v", checked, err)
	}
}

// The filter scan publishes a key group's blooms only once it has added
// every restored key of the group (tables rule keys out with them while
// the scan goes on): at each publication, every key of the group passes.
func TestFastRestoreFilterPublishedPerGroup(t *testing.T) {
	d0 := openDB(t, 64<<20)
	b0 := backend(t, d0, groupsA)
	md := newModel(t, b0)
	for i := 0; i < 20_000; i++ {
		md.put(int64(i%2), fmt.Sprintf("k%d", i), "v")
	}
	root := t.TempDir()
	files, err := b0.Snapshot(root)
	if err != nil {
		t.Fatal(err)
	}
	d := openDB(t, 64<<20)
	var tab *table
	opened := make(chan struct{}) // the scan waits at its first publication until tab is set
	var checked int
	var bad string
	d.published = func(g int) {
		if checked == 0 {
			<-opened
		}
		checked++
		for ns, keys := range md.want["s"] {
			for k := range keys {
				if state.KeyGroup([]byte(k), state.DefaultMaxParallelism) != g {
					continue
				}
				ek := bytes.Clone(tab.encode(ns, []byte(k)))
				if !tab.filter.restored.mayContain(ek, filterHash(ek)) && bad == "" {
					bad = fmt.Sprintf("group %d published without key %s", g, k)
				}
			}
		}
	}
	st, err := d.Restore(testUID, groupsA, state.DefaultMaxParallelism, checkpointDirs(root, files))
	if err != nil || !st.Fast {
		t.Fatalf("%+v, %v", st, err)
	}
	tab = tableOf(t, backend(t, d, groupsA), "s")
	close(opened)
	if _, err := d.WaitRestored(t.Context()); err != nil {
		t.Fatal(err)
	}
	if bad != "" {
		t.Fatal(bad)
	}
	if want := groupsA.End - groupsA.Start + 1; checked != want {
		t.Fatalf("checked %d groups at publication, want %d", checked, want)
	}
}

// clip bounds a file to the span: a file whose largest key is a range
// deletion's end (exclusive) ends before that key, so that the next file
// of its level, which may start at it, does not overlap it in one
// ingestion.
func TestClip(t *testing.T) {
	sentinel := pebble.MakeInternalKey([]byte("m"), pebble.SeqNum(1<<56-1), pebble.InternalKeyKindRangeDelete)
	if !sentinel.IsExclusiveSentinel() {
		t.Fatal("the test's range deletion end is not an exclusive sentinel")
	}
	point := func(k string) pebble.InternalKey {
		return pebble.MakeInternalKey([]byte(k), 7, pebble.InternalKeyKindSet)
	}
	file := func(lo, hi pebble.InternalKey) pebble.SSTableInfo {
		var f pebble.SSTableInfo
		f.Smallest, f.Largest = lo, hi
		return f
	}
	for _, tc := range []struct {
		name       string
		f          pebble.SSTableInfo
		lo, hi     string
		start, end string
		inclusive  bool
		in         bool
	}{
		{"inside, point end", file(point("c"), point("m")), "b", "x", "c", "m", true, true},
		{"inside, range deletion end", file(point("c"), sentinel), "b", "x", "c", "m", false, true},
		{"clipped both sides", file(point("a"), point("z")), "b", "x", "b", "x", false, true},
		{"ends at the span's start, exclusive", file(point("a"), pebble.MakeInternalKey([]byte("b"), pebble.SeqNum(1<<56-1), pebble.InternalKeyKindRangeDelete)), "b", "x", "", "", false, false},
		{"ends at the span's start, inclusive", file(point("a"), point("b")), "b", "x", "b", "b", true, true},
		{"after the span", file(point("y"), point("z")), "b", "x", "", "", false, false},
	} {
		e, in := clip(tc.f, []byte(tc.lo), []byte(tc.hi))
		if in != tc.in {
			t.Errorf("%s: in = %t, want %t", tc.name, in, tc.in)
			continue
		}
		if in && (string(e.StartKey) != tc.start || string(e.EndKey) != tc.end || e.EndKeyIsInclusive != tc.inclusive) {
			t.Errorf("%s: [%s, %s] inclusive %t; want [%s, %s] inclusive %t", tc.name, e.StartKey, e.EndKey, e.EndKeyIsInclusive, tc.start, tc.end, tc.inclusive)
		}
	}
}

// A file holding several versions of a key, kept for a snapshot, cannot
// be ingested with one sequence number: the restore copies instead (and
// gets the newest versions).
func TestFastRestoreRefusesPinnedKeys(t *testing.T) {
	d := openQuietDB(t)
	b := backend(t, d, groupsA)
	md := newModel(t, b)
	for i := 0; i < 2000; i++ {
		md.put(1, fmt.Sprintf("k%d", i), "v1")
	}
	flush(t, b)
	snap := d.db.NewSnapshot() // only tests may (TestNoPebbleSnapshots)
	defer snap.Close()
	for i := 0; i < 2000; i++ {
		md.put(1, fmt.Sprintf("k%d", i), "v2")
	}
	flush(t, b)
	if err := d.db.Compact(t.Context(), []byte{0}, []byte{0xff}, false); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	files, err := b.Snapshot(root)
	if err != nil {
		t.Fatal(err)
	}
	d2 := openDB(t, 64<<20)
	st, err := d2.Restore(testUID, groupsA, state.DefaultMaxParallelism, checkpointDirs(root, files))
	if err != nil || st.Fast || !strings.Contains(st.Slow, "snapshot pinned") {
		t.Fatalf("%+v, %v; want the copy path for snapshot-pinned keys", st, err)
	}
	md.check(t, "copied", backend(t, d2, groupsA))
}

// l0Batches puts no two overlapping L0 files in one ingestion, and a
// newer file that overlaps an older one in a later ingestion.
func TestL0Batches(t *testing.T) {
	f := func(lo, hi string, seq uint64) pebble.SSTableInfo {
		var s pebble.SSTableInfo
		s.Smallest = pebble.MakeInternalKey([]byte(lo), pebble.SeqNum(seq), pebble.InternalKeyKindSet)
		s.Largest = pebble.MakeInternalKey([]byte(hi), pebble.SeqNum(seq), pebble.InternalKeyKindSet)
		s.LargestSeqNum = pebble.SeqNum(seq)
		return s
	}
	files := []pebble.SSTableInfo{
		f("x", "y", 21), f("a", "m", 10), f("c", "d", 20), f("n", "w", 11), f("m", "n", 30), f("p", "q", 31),
	}
	batches := l0Batches(files)
	var got []string
	for _, b := range batches {
		var names []string
		for _, s := range b {
			names = append(names, string(s.Smallest.UserKey)+string(s.Largest.UserKey))
		}
		got = append(got, strings.Join(names, ","))
	}
	// [a,m] and [n,w] are disjoint; [c,d] overlaps [a,m], so starts a
	// run; [x,y], [m,n] (which touches both files of the first run) and
	// [p,q] overlap nothing in it.
	if want := "am,nw|cd,xy,mn,pq"; strings.Join(got, "|") != want {
		t.Fatalf("batches %s, want %s", strings.Join(got, "|"), want)
	}
	// The invariant on random files.
	x := uint64(7)
	rnd := func(n uint64) uint64 { x = x*6364136223846793005 + 1442695040888963407; return (x >> 33) % n }
	for round := 0; round < 200; round++ {
		var fs []pebble.SSTableInfo
		for i := 0; i < 30; i++ {
			a, b := rnd(100), rnd(100)
			fs = append(fs, f(fmt.Sprintf("%03d", min(a, b)), fmt.Sprintf("%03d", max(a, b)), uint64(i+1)))
		}
		at := map[pebble.SeqNum]int{}
		for i, b := range l0Batches(fs) {
			for _, s := range b {
				at[s.LargestSeqNum] = i
			}
		}
		for _, p := range fs {
			for _, q := range fs {
				overlap := string(p.Smallest.UserKey) <= string(q.Largest.UserKey) && string(q.Smallest.UserKey) <= string(p.Largest.UserKey)
				if p.LargestSeqNum < q.LargestSeqNum && overlap && at[p.LargestSeqNum] >= at[q.LargestSeqNum] {
					t.Fatalf("round %d: file %d overlaps newer file %d but is not ingested before it", round, p.LargestSeqNum, q.LargestSeqNum)
				}
			}
		}
	}
}
