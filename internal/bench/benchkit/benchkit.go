package benchkit

import (
	"bufio"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/sluicehq/sluice/internal/engine"
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

// StateDir returns dir, or for the pebble backend without one a new
// temporary directory named after prefix; cleanup removes what StateDir
// made.
func StateDir(backend, dir, prefix string) (_ string, cleanup func(), err error) {
	if backend != "pebble" || dir != "" {
		return dir, func() {}, nil
	}
	if dir, err = os.MkdirTemp("", prefix); err != nil {
		return "", nil, fmt.Errorf("the pebble working directory: %w", err)
	}
	return dir, func() { os.RemoveAll(dir) }, nil
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

// CPUTime is the process's user + system CPU time in seconds.
func CPUTime() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

// RunSampled runs script on eng and calls sample every second while it
// runs (from another goroutine; the last call returns before RunSampled
// does), returning the run's wall time and the CPU seconds the process
// spent meanwhile.
func RunSampled(ctx context.Context, eng *engine.Engine, script string, sample func(elapsed time.Duration)) (wall time.Duration, cpu float64, err error) {
	done := make(chan struct{})
	sampled := make(chan struct{})
	cpu0 := CPUTime()
	t0 := time.Now()
	go func() {
		defer close(sampled)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				sample(time.Since(t0))
			}
		}
	}()
	err = eng.Run(ctx, script)
	wall, cpu = time.Since(t0), CPUTime()-cpu0
	close(done)
	<-sampled
	return wall, cpu, err
}

// Median is the median of f over rs: the mean of the two middle values for
// an even count, 0 for none.
func Median[R any](rs []R, f func(R) float64) float64 {
	if len(rs) == 0 {
		return 0
	}
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = f(r)
	}
	slices.Sort(v)
	if n := len(v); n%2 == 0 {
		return (v[n/2-1] + v[n/2]) / 2
	}
	return v[len(v)/2]
}
