package restartbench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// CheckpointSize counts the checkpoint's own files and the shared files
// its manifests name, not the shared files it does not.
func TestCheckpointSize(t *testing.T) {
	root := t.TempDir()
	write := func(rel string, n int) {
		p := filepath.Join(root, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(strings.Repeat("x", n)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("shared/a.sst", 1000)
	write("shared/b.sst", 2000)
	write("shared/other.sst", 40000) // another checkpoint's
	write("chk-1/op-1-0/pebble-1-0/MANIFEST-1", 10)
	manifest := `{"version":2,"shared":"../../../shared","ssts":{"000001.sst":"a.sst","000002.sst":"b.sst"}}`
	write("chk-1/op-1-0/pebble-1-0/SHARED.json", 0)
	os.WriteFile(filepath.Join(root, "chk-1/op-1-0/pebble-1-0/SHARED.json"), []byte(manifest), 0o644)
	got, err := CheckpointSize(filepath.Join(root, "chk-1"))
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(10 + len(manifest) + 1000 + 2000); got != want {
		t.Fatalf("size %d, want %d", got, want)
	}
}

// Median takes each binary's runs apart.
func TestMedian(t *testing.T) {
	r := Result{Runs: []Restart{
		{Exe: "a", FirstRecord: 3 * time.Second}, {Exe: "b", FirstRecord: 10 * time.Second},
		{Exe: "a", FirstRecord: 1 * time.Second}, {Exe: "b", FirstRecord: 30 * time.Second},
		{Exe: "a", FirstRecord: 2 * time.Second}, {Exe: "b", FirstRecord: 20 * time.Second},
	}}
	if m := r.Median("a").FirstRecord; m != 2*time.Second {
		t.Fatalf("median of a: %s, want 2s", m)
	}
	if m := r.Median("b").FirstRecord; m != 20*time.Second {
		t.Fatalf("median of b: %s, want 20s", m)
	}
}
