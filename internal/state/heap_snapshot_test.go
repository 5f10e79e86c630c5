package state

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

type intCodec struct{}

func (intCodec) Encode(dst []byte, v int) []byte { return fmt.Appendf(dst, "%d", v) }
func (intCodec) Decode(b []byte) (int, error) {
	var v int
	_, err := fmt.Sscanf(string(b), "%d", &v)
	return v, err
}

func filledHeap(t *testing.T) *Heap {
	h := NewHeap()
	s, err := NewStore[int](h, "counts", intCodec{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5000; i++ {
		s.Put(int64(i%7), fmt.Appendf(nil, "key-%d", i), i)
	}
	return h
}

// faultFS fails after limit bytes have been written (with err), or fails
// one named operation.
type faultFS struct {
	osFS
	limit   int
	err     error
	failOp  string // "create", "sync", "close", "rename", "syncdir"
	written int
}

type faultFile struct {
	f  *os.File
	fs *faultFS
}

func (fs *faultFS) Create(name string) (snapshotFile, error) {
	if fs.failOp == "create" {
		return nil, fs.err
	}
	f, err := os.Create(name)
	return &faultFile{f, fs}, err
}

func (fs *faultFS) Rename(o, n string) error {
	if fs.failOp == "rename" {
		return fs.err
	}
	return os.Rename(o, n)
}

func (fs *faultFS) SyncDir(dir string) error {
	if fs.failOp == "syncdir" {
		return fs.err
	}
	return fs.osFS.SyncDir(dir)
}

func (f *faultFile) Write(b []byte) (int, error) {
	if f.fs.limit >= 0 && f.fs.written+len(b) > f.fs.limit {
		n := f.fs.limit - f.fs.written // a short write, as a full disk gives
		f.f.Write(b[:n])
		f.fs.written += n
		return n, f.fs.err
	}
	f.fs.written += len(b)
	return f.f.Write(b)
}

func (f *faultFile) Sync() error {
	if f.fs.failOp == "sync" {
		return f.fs.err
	}
	return f.f.Sync()
}

func (f *faultFile) Close() error {
	err := f.f.Close()
	if f.fs.failOp == "close" {
		return f.fs.err
	}
	return err
}

// A snapshot that fails at any point — a write error, a full disk part way
// through, a failing fsync, close or rename — returns the error, leaves no
// file that could be taken for a snapshot (no final name, no .tmp), and
// does not touch the good snapshot already in the directory.
func TestHeapSnapshotFaults(t *testing.T) {
	h := filledHeap(t)
	dir := t.TempDir()
	if _, err := h.Snapshot(dir); err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(filepath.Join(dir, DefaultHeapSnapshotName))
	size := len(good)
	cases := []*faultFS{
		{limit: 0, err: syscall.ENOSPC},
		{limit: 10, err: syscall.ENOSPC},
		{limit: size / 2, err: syscall.ENOSPC},
		{limit: size - 2, err: syscall.ENOSPC}, // the CRC does not fit
		{limit: size / 3, err: syscall.EIO},
		{limit: -1, err: syscall.EIO, failOp: "create"},
		{limit: -1, err: syscall.EIO, failOp: "sync"},
		{limit: -1, err: syscall.EIO, failOp: "close"},
		{limit: -1, err: syscall.EXDEV, failOp: "rename"},
	}
	for _, fs := range cases {
		t.Run(fmt.Sprintf("%s-%v-at-%d", fs.failOp, fs.err, fs.limit), func(t *testing.T) {
			h2 := filledHeap(t)
			h2.fs = fs
			h2.SetSnapshotName("other.state")
			files, err := h2.Snapshot(dir)
			if !errors.Is(err, fs.err) {
				t.Fatalf("Snapshot = %v, %v; want an error wrapping %v", files, err, fs.err)
			}
			if !strings.Contains(err.Error(), "other.state") && fs.failOp != "create" {
				t.Errorf("error does not name the file: %v", err)
			}
			ents, _ := os.ReadDir(dir)
			if len(ents) != 1 || ents[0].Name() != DefaultHeapSnapshotName {
				var names []string
				for _, e := range ents {
					names = append(names, e.Name())
				}
				t.Fatalf("directory after a failed snapshot holds %v", names)
			}
			if now, _ := os.ReadFile(filepath.Join(dir, DefaultHeapSnapshotName)); string(now) != string(good) {
				t.Fatal("the earlier good snapshot changed")
			}
		})
	}
	// A failing directory fsync after the rename fails the snapshot too (the
	// rename may not be durable); the file itself is complete.
	h3 := filledHeap(t)
	h3.fs = &faultFS{limit: -1, err: syscall.EIO, failOp: "syncdir"}
	if _, err := h3.Snapshot(t.TempDir()); !errors.Is(err, syscall.EIO) {
		t.Fatalf("SyncDir failure: %v", err)
	}
}

// Every truncation of a snapshot file, and a flipped byte, is refused with
// ErrCorruptSnapshot and an error naming the file.
func TestHeapRestoreTruncated(t *testing.T) {
	dir := t.TempDir()
	if _, err := filledHeap(t).Snapshot(dir); err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(filepath.Join(dir, DefaultHeapSnapshotName))
	bad := filepath.Join(dir, "bad.state")
	check := func(data []byte, what string) {
		t.Helper()
		os.WriteFile(bad, data, 0o644)
		_, err := RestoreHeap([]string{bad}, KeyGroupRange{0, 127}, 128)
		if !errors.Is(err, ErrCorruptSnapshot) || !strings.Contains(err.Error(), bad) {
			t.Fatalf("%s: RestoreHeap = %v; want ErrCorruptSnapshot naming %s", what, err, bad)
		}
	}
	for _, n := range []int{0, 3, 4, 8, 20, len(good) / 2, len(good) - 5, len(good) - 1} {
		check(good[:n], fmt.Sprintf("truncated to %d of %d bytes", n, len(good)))
	}
	flipped := append([]byte(nil), good...)
	flipped[len(flipped)/2] ^= 1
	check(flipped, "a flipped byte")
	if _, err := RestoreHeap([]string{filepath.Join(dir, DefaultHeapSnapshotName)}, KeyGroupRange{0, 63}, 64); err == nil || !strings.Contains(err.Error(), "max parallelism 128") {
		t.Fatalf("restore with another max parallelism: %v", err)
	}
}

func TestHeapSnapshotNeedsCodecs(t *testing.T) {
	h := filledHeap(t)
	if _, err := NewStore[int](h, "timers", nil); err != nil {
		t.Fatal(err)
	}
	_, err := h.Snapshot(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), `"timers"`) {
		t.Fatalf("Snapshot with a codec-less store = %v; want an error naming it", err)
	}
	// A restored store cannot be claimed without a codec.
	dir := t.TempDir()
	filledHeap(t).Snapshot(dir)
	r, err := RestoreHeap([]string{filepath.Join(dir, DefaultHeapSnapshotName)}, KeyGroupRange{0, 127}, 128)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewStore[int](r, "counts", nil); err == nil || !strings.Contains(err.Error(), `"counts"`) {
		t.Fatalf("claiming without a codec: %v", err)
	}
}
