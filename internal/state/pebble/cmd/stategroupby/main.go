// Command stategroupby measures a GROUP BY-like workload on a state backend
// alone: rows upsert a 16-byte accumulator (count, sum) under 8-byte
// integer keys encoded as types.AppendKey does, through state.NewStore, as
// an aggregate operator would (Get, update, Put). It reports keys/s and the
// peak resident memory (VmHWM), and with -restore the time to snapshot the
// pebble state and restore it into a fresh DB.
//
//	go run ./internal/state/pebble/cmd/stategroupby -backend pebble -keys 50000000
//	go run ./internal/state/pebble/cmd/stategroupby -backend heap -keys 10000000
package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/state/pebble"
	"github.com/sluicehq/sluice/internal/types"
)

type acc struct{ n, sum int64 }

type accCodec struct{}

func (accCodec) Encode(dst []byte, v acc) []byte {
	dst = binary.LittleEndian.AppendUint64(dst, uint64(v.n))
	return binary.LittleEndian.AppendUint64(dst, uint64(v.sum))
}
func (accCodec) Decode(b []byte) (acc, error) {
	if len(b) != 16 {
		return acc{}, fmt.Errorf("accumulator of %d bytes", len(b))
	}
	return acc{int64(binary.LittleEndian.Uint64(b)), int64(binary.LittleEndian.Uint64(b[8:]))}, nil
}

func main() {
	backend := flag.String("backend", "pebble", "heap or pebble")
	keys := flag.Int("keys", 1_000_000, "distinct keys")
	rows := flag.Int("rows", 0, "rows (default 2 per key)")
	mem := flag.Int64("memory", pebble.DefaultMemory, "pebble memory budget in bytes")
	dir := flag.String("dir", "", "pebble directory (default a temp dir)")
	restore := flag.Bool("restore", false, "pebble: snapshot and restore into a fresh DB, timed")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the load phase to this file")
	metrics := flag.Bool("metrics", false, "pebble: print the DB's metrics after the load")
	flag.Parse()
	if *rows == 0 {
		*rows = 2 * *keys
	}
	if *dir == "" {
		d, err := os.MkdirTemp("", "stategroupby-")
		check(err)
		*dir = d
	}
	defer os.RemoveAll(*dir)

	var b state.Backend
	var db *pebble.DB
	switch *backend {
	case "heap":
		b = state.NewHeap()
	case "pebble":
		var err error
		db, err = pebble.Open(pebble.Options{Dir: filepath.Join(*dir, "db"), Memory: *mem})
		check(err)
		b, err = db.Backend(1, state.KeyGroupRange{Start: 0, End: 127}, 128)
		check(err)
	default:
		check(fmt.Errorf("unknown backend %q", *backend))
	}
	s, err := state.NewStore[acc](b, "agg", accCodec{})
	check(err)

	row := make(types.Row, 1)
	var key []byte
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		check(err)
		check(pprof.StartCPUProfile(f))
	}
	start := time.Now()
	const stride = 2_654_435_761 // coprime with any key count not a multiple of it
	for i := 0; i < *rows; i++ {
		row[0] = types.IntValue(int64(uint64(i) * stride % uint64(*keys)))
		key = types.AppendKey(key[:0], row, []int{0})
		a, _ := s.Get(0, key)
		a.n++
		a.sum += int64(i)
		s.Put(0, key, a)
		if i%10_000_000 == 0 && i > 0 {
			fmt.Fprintf(os.Stderr, "%d rows, %.0f rows/s, VmRSS %s\n", i, float64(i)/time.Since(start).Seconds(), status("VmRSS"))
		}
	}
	if db != nil {
		check(b.(*pebble.Backend).Flush())
	}
	took := time.Since(start)
	if *cpuprofile != "" {
		pprof.StopCPUProfile()
	}
	fmt.Printf("backend=%s keys=%d rows=%d len=%d took=%s rows/s=%.0f VmHWM=%s\n",
		*backend, *keys, *rows, s.Len(), took.Round(time.Millisecond), float64(*rows)/took.Seconds(), status("VmHWM"))

	if *metrics && db != nil {
		fmt.Println(db.Pebble().Metrics())
	}
	if *restore && db != nil {
		snap := filepath.Join(*dir, "chk")
		check(os.MkdirAll(snap, 0o755))
		t0 := time.Now()
		files, err := b.(*pebble.Backend).Snapshot(snap)
		check(err)
		tSnap := time.Since(t0)
		check(b.Close())
		check(db.Close())
		db2, err := pebble.Open(pebble.Options{Dir: filepath.Join(*dir, "db2"), Memory: *mem})
		check(err)
		t1 := time.Now()
		st, err := db2.Restore(1, state.KeyGroupRange{Start: 0, End: 127}, 128,
			[]string{filepath.Join(snap, strings.SplitN(files[0], "/", 2)[0])})
		check(err)
		b2, err := db2.Backend(1, state.KeyGroupRange{Start: 0, End: 127}, 128)
		check(err)
		s2, err := state.NewStore[acc](b2, "agg", accCodec{})
		check(err)
		tRestore := time.Since(t1)
		fmt.Printf("snapshot=%s restore=%s entries=%d bytes=%d ingested=%v len=%d\n",
			tSnap.Round(time.Millisecond), tRestore.Round(time.Millisecond), st.Entries, st.Bytes, st.Ingested, s2.Len())
		b2.Close()
		db2.Close()
	}
}

func status(field string) string {
	data, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, field+":") {
			return strings.Join(strings.Fields(l[len(field)+1:]), " ")
		}
	}
	return "?"
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
