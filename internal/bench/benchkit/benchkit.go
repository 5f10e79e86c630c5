package benchkit

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// StateSettings returns the SET statements that choose backend
// ("hashmap" or "pebble") and, for pebble, its memory budget in bytes (0:
// the default) and working directory ("": the default).
func StateSettings(backend string, memory int64, dir string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "SET 'state.backend.type' = '%s';\n", backend)
	if backend == "pebble" {
		if memory > 0 {
			fmt.Fprintf(&b, "SET 'state.backend.pebble.memory' = '%d b';\n", memory)
		}
		if dir != "" {
			fmt.Fprintf(&b, "SET 'state.backend.pebble.local-dir' = '%s';\n", strings.ReplaceAll(dir, "'", "''"))
		}
	}
	return b.String()
}

// Memory returns VmRSS and VmHWM of this process in bytes (0 where
// /proc is missing).
func Memory() (rss, hwm int64) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if k == "VmRSS" {
			rss = n << 10
		} else {
			hwm = n << 10
		}
	}
	return rss, hwm
}

// DirSize is the total size of the files under dir (allocated blocks, so
// sparse or preallocated files count as they use the disk).
func DirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if info, err := d.Info(); err == nil {
			if st, ok := info.Sys().(*syscall.Stat_t); ok {
				n += st.Blocks * 512
			} else {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}
