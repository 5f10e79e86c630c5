package state

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sort"
	"unsafe"
)

// Heap state file (docs/design/state-and-checkpoints.md, "On disk"):
//
//	magic      "SLST"
//	version    uvarint (1)
//	maxPar     uvarint: the number of key groups the file was written with
//	stores     uvarint: number of stores, then per store:
//	  name     uvarint length, bytes
//	  entries  uvarint: number of entries, then per entry:
//	    key group  u16 big-endian
//	    namespace  i64 big-endian (two's complement)
//	    key        uvarint length, bytes
//	    value      uvarint length, bytes (the store's Codec encoding)
//	crc        u32 little-endian: CRC-32C (Castagnoli) of every byte before
//
// The file is written to name.tmp, synced, and renamed, so a file with the
// final name is complete; a truncated or corrupt one fails the CRC check.
const (
	heapMagic   = "SLST"
	heapVersion = 1
	// DefaultHeapSnapshotName is the file a Heap's Snapshot writes unless
	// SetSnapshotName chose another.
	DefaultHeapSnapshotName = "heap.state"
)

// ErrCorruptSnapshot is wrapped by restore errors for snapshot files that
// are truncated, fail their checksum or cannot be parsed.
var ErrCorruptSnapshot = errors.New("corrupt state snapshot")

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

var _ Snapshotter = (*Heap)(nil)
var _ Claimer = (*Heap)(nil)

// SetSnapshotName sets the file name Snapshot writes in its directory
// (the runtime uses op-<uid>-<subtask>.state).
func (h *Heap) SetSnapshotName(name string) { h.snapName = name }

// Snapshot writes every store into one heap state file in dir. It fails,
// naming the store, when a store was created without a codec. Stores of a
// restored snapshot that were never claimed are not written.
func (h *Heap) Snapshot(dir string) ([]string, error) {
	names := make([]string, 0, len(h.stores))
	for n, s := range h.stores {
		if !hasCodec(s) {
			return nil, fmt.Errorf("state: cannot snapshot heap store %q: it was created without a codec", n)
		}
		names = append(names, n)
	}
	sort.Strings(names)
	path := filepath.Join(dir, h.snapName)
	tmp := path + ".tmp"
	f, err := h.fs.Create(tmp)
	if err != nil {
		return nil, fmt.Errorf("state: snapshot: %w", err)
	}
	fail := func(err error) ([]string, error) {
		f.Close()
		h.fs.Remove(tmp)
		return nil, fmt.Errorf("state: snapshot %s: %w", path, err)
	}
	w := newHeapWriter(f)
	w.header(h.maxPar, len(names))
	for _, n := range names {
		if err := h.stores[n].snapshot(w, h.maxPar); err != nil {
			return fail(err)
		}
	}
	if err := w.finish(); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		h.fs.Remove(tmp)
		return nil, fmt.Errorf("state: snapshot %s: %w", path, err)
	}
	if err := h.fs.Rename(tmp, path); err != nil {
		h.fs.Remove(tmp)
		return nil, fmt.Errorf("state: snapshot %s: %w", path, err)
	}
	if err := h.fs.SyncDir(dir); err != nil {
		return nil, fmt.Errorf("state: snapshot %s: %w", path, err)
	}
	return []string{h.snapName}, nil
}

func hasCodec(s heapSnapshotter) bool {
	type coded interface{ hasCodec() bool }
	return s.(coded).hasCodec()
}

func (s *heapStore[V]) hasCodec() bool { return s.codec != nil }

func (s *heapStore[V]) snapshot(w *heapWriter, maxPar int) error {
	w.str(s.name)
	w.uvarint(uint64(s.len))
	n := 0
	for ns, m := range s.ns {
		for k, e := range m {
			w.val = s.codec.Encode(w.val[:0], e.v)
			w.entry(uint16(KeyGroup(unsafe.Slice(unsafe.StringData(k), len(k)), maxPar)), ns, k, w.val)
			n++
		}
		if w.err != nil {
			return w.err
		}
	}
	if n != s.len {
		return fmt.Errorf("store %q: %d entries but Len is %d", s.name, n, s.len)
	}
	return w.err
}

// heapWriter buffers the file and checksums everything it writes; the first
// write error sticks.
type heapWriter struct {
	f   io.Writer
	bw  *bufio.Writer
	crc hash.Hash32
	err error
	tmp []byte
	val []byte
}

func newHeapWriter(f io.Writer) *heapWriter {
	crc := crc32.New(castagnoli)
	return &heapWriter{f: f, crc: crc, bw: bufio.NewWriterSize(io.MultiWriter(f, crc), 256<<10)}
}

func (w *heapWriter) write(b []byte) {
	if w.err == nil {
		_, w.err = w.bw.Write(b)
	}
}

func (w *heapWriter) header(maxPar, stores int) {
	w.tmp = append(w.tmp[:0], heapMagic...)
	w.tmp = binary.AppendUvarint(w.tmp, heapVersion)
	w.tmp = binary.AppendUvarint(w.tmp, uint64(maxPar))
	w.tmp = binary.AppendUvarint(w.tmp, uint64(stores))
	w.write(w.tmp)
}

func (w *heapWriter) uvarint(v uint64) {
	w.tmp = binary.AppendUvarint(w.tmp[:0], v)
	w.write(w.tmp)
}

func (w *heapWriter) str(s string) {
	w.tmp = binary.AppendUvarint(w.tmp[:0], uint64(len(s)))
	w.tmp = append(w.tmp, s...)
	w.write(w.tmp)
}

func (w *heapWriter) entry(kg uint16, ns int64, key string, val []byte) {
	w.tmp = binary.BigEndian.AppendUint16(w.tmp[:0], kg)
	w.tmp = binary.BigEndian.AppendUint64(w.tmp, uint64(ns))
	w.tmp = binary.AppendUvarint(w.tmp, uint64(len(key)))
	w.tmp = append(w.tmp, key...)
	w.tmp = binary.AppendUvarint(w.tmp, uint64(len(val)))
	w.write(w.tmp)
	w.write(val)
}

func (w *heapWriter) finish() error {
	if w.err == nil {
		w.err = w.bw.Flush()
	}
	if w.err == nil {
		_, w.err = w.f.Write(binary.LittleEndian.AppendUint32(nil, w.crc.Sum32()))
	}
	return w.err
}

// rawEntry is a restored entry not yet decoded: its slices point into the
// snapshot file's bytes.
type rawEntry struct {
	ns         int64
	key, value []byte
}

// RestoreHeap rebuilds a heap backend from heap state files (of one or more
// subtasks of the previous run), keeping only the entries of keyGroups.
// Entries stay encoded until NewStore claims their store with its codec;
// Unclaimed lists the stores never claimed. maxParallelism must be the one
// the files were written with.
func RestoreHeap(files []string, keyGroups KeyGroupRange, maxParallelism int) (*Heap, error) {
	h := NewHeapFor(keyGroups, maxParallelism)
	h.restored = map[string][]rawEntry{}
	for _, f := range files {
		if err := h.restoreFile(f); err != nil {
			return nil, err
		}
	}
	return h, nil
}

func (h *Heap) restoreFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("state: restore: %w", err)
	}
	corrupt := func(what string) error {
		return fmt.Errorf("state: restore %s (%d bytes): %w: %s", path, len(data), ErrCorruptSnapshot, what)
	}
	if len(data) < len(heapMagic)+4 || string(data[:len(heapMagic)]) != heapMagic {
		return corrupt("not a heap state file (no SLST header)")
	}
	body := data[:len(data)-4]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(data[len(data)-4:]) {
		return corrupt("checksum mismatch: the file is truncated or damaged")
	}
	r := heapReader{b: body[len(heapMagic):]}
	if v := r.uvarint(); v != heapVersion {
		if r.err != nil {
			return corrupt(r.err.Error())
		}
		return fmt.Errorf("state: restore %s: unsupported heap state version %d", path, v)
	}
	if mp := r.uvarint(); r.err == nil && int(mp) != h.maxPar {
		return fmt.Errorf("state: restore %s: written with max parallelism %d, restoring with %d (it cannot change)", path, mp, h.maxPar)
	}
	nStores := r.uvarint()
	for i := uint64(0); i < nStores && r.err == nil; i++ {
		name := string(r.bytes())
		n := r.uvarint()
		entries := h.restored[name]
		for j := uint64(0); j < n && r.err == nil; j++ {
			kg := int(r.fixed16())
			ns := int64(r.fixed64())
			key, val := r.bytes(), r.bytes()
			if r.err == nil && h.keyGroups.Contains(kg) {
				entries = append(entries, rawEntry{ns: ns, key: key, value: val})
			}
		}
		h.restored[name] = entries // present even when empty, to be claimed
	}
	if r.err != nil {
		return corrupt(r.err.Error())
	}
	if len(r.b) != 0 {
		return corrupt(fmt.Sprintf("%d bytes after the last store", len(r.b)))
	}
	return nil
}

type heapReader struct {
	b   []byte
	err error
}

var errShort = errors.New("unexpected end of data")

func (r *heapReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errShort
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *heapReader) take(n uint64) []byte {
	if r.err != nil {
		return nil
	}
	if uint64(len(r.b)) < n {
		r.err = errShort
		return nil
	}
	b := r.b[:n:n]
	r.b = r.b[n:]
	return b
}

func (r *heapReader) bytes() []byte { return r.take(r.uvarint()) }
func (r *heapReader) fixed16() uint16 {
	if b := r.take(2); b != nil {
		return binary.BigEndian.Uint16(b)
	}
	return 0
}
func (r *heapReader) fixed64() uint64 {
	if b := r.take(8); b != nil {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}

// snapshotFS is the file system the snapshot writer uses; tests replace it
// to inject write errors, short writes and a full disk.
type snapshotFS interface {
	Create(name string) (snapshotFile, error)
	Rename(oldname, newname string) error
	Remove(name string) error
	SyncDir(dir string) error
}

type snapshotFile interface {
	io.Writer
	Sync() error
	Close() error
}

type osFS struct{}

func (osFS) Create(name string) (snapshotFile, error) {
	return os.OpenFile(name, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
}
func (osFS) Rename(o, n string) error { return os.Rename(o, n) }
func (osFS) Remove(name string) error { return os.Remove(name) }
func (osFS) SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
