package pebble

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/objstorage/remote"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/sluicehq/sluice/internal/state"
)

// DefaultMemory is 'state.backend.pebble.memory' when unset.
const DefaultMemory = 256 << 20

// Options configure the job's DB.
type Options struct {
	// Dir is the local working directory ('state.backend.pebble.local-dir').
	// Its contents are scratch for one job run: durability comes from
	// checkpoints, so the DB runs without a WAL.
	Dir string
	// Memory bounds block cache plus memtables plus write batches
	// ('state.backend.pebble.memory'); DefaultMemory if zero.
	Memory int64
	// FS replaces the OS file system (tests inject faults with
	// pebble's vfs/errorfs).
	FS vfs.FS
	// tune, in tests, changes Pebble's options (an LSM shape to build).
	tune func(*pebble.Options)
}

// DB is the one Pebble database of a job run, shared by every operator
// instance (Backend) of the job. Its methods are safe for concurrent use;
// each Backend is used by one goroutine.
type DB struct {
	db      *pebble.DB
	opts    *pebble.Options
	dir     string
	fs      vfs.FS
	run     string // random id naming this run's SSTs in shared/
	batchAt int    // a Backend's batch is committed past this size

	mu        sync.Mutex
	backends  map[instance]bool
	catalogs  map[uint64]*catalog
	filters   map[instance]map[uint16]*keyFilter // built by Restore, taken by Table
	restoring map[instance]*restoreJob           // fast restores not yet downloaded
	settling  []*restoreJob                      // every fast restore (WaitRestored)

	restores atomic.Int64 // fast restores, naming their external directories
	copyOnly bool         // tests: restore by copying only
	// published, in tests, is called by the filter scan after it
	// published a key group's blooms.
	published func(group int)
	// Background work of fast restores (filter scans, downloads), stopped
	// by Close.
	ctx    context.Context
	cancel context.CancelFunc
	bg     sync.WaitGroup
}

type instance struct {
	uid   uint64
	start int
}

// Memory split: 1/64 for the write batches, the rest is Pebble's block
// cache, out of which Pebble reserves the memtables' memory (two of
// Memory/4 at most: it counts memtables against the cache capacity, so a
// cache sized without them would be left empty whenever both memtables are
// full). Streaming state is write-heavy (every row of a window or join is
// written once and read back once), so memtables get up to half: fewer,
// larger flushes mean less compaction.
//
// Compaction: L0 compacts at 20 sublevels (stops writes at 60) and the
// base level holds 256 MB. Window and join state dies by range deletion soon
// after it is written; the later it is compacted, the more of it is gone
// by then and need not be rewritten; and since every flushed file spans all
// key groups, each L0 compaction rewrites the overlapping base level, so
// fewer, larger ones rewrite less. Reads of absent keys stay cheap on a
// deeper L0 through the bloom filters.
func pebbleOptions(o Options) (*pebble.Options, int) {
	mem := o.Memory
	if mem <= 0 {
		mem = DefaultMemory
	}
	po := &pebble.Options{
		FS:                          o.FS,
		DisableWAL:                  true,
		MemTableSize:                uint64(mem / 4),
		MemTableStopWritesThreshold: 2,
		Cache:                       pebble.NewCache(mem - mem/64), // memtables included
		L0CompactionThreshold:       20,
		L0StopWritesThreshold:       60,
		LBaseMaxBytes:               256 << 20,
		Logger:                      quietLogger{},
		CompactionConcurrencyRange:  func() (int, int) { return 1, 2 },
		// Table.AppendBytes writes merge operands: the default merger
		// concatenates them (state.AppendCodec values).
		Merger: pebble.DefaultMerger,
		// Restore ingests checkpoint files as external, virtual SSTs
		// (fastrestore.go), which needs this format or newer.
		FormatMajorVersion: pebble.FormatSyntheticPrefixSuffix,
	}
	for i := range po.Levels {
		po.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
	}
	batchAt := int(min(mem/64, 1<<20) * 15 / 16) // under pebble's 1 MB batch retention
	return po, batchAt
}

// Open opens (creating it) the job's DB in o.Dir.
func Open(o Options) (*DB, error) {
	if o.FS == nil {
		o.FS = vfs.Default
	}
	po, batchAt := pebbleOptions(o)
	defer po.Cache.Unref()
	if o.tune != nil {
		o.tune(po)
	}
	if err := o.FS.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("pebble state: %w", err)
	}
	ext := filepath.Join(o.Dir, externalDir)
	if err := o.FS.MkdirAll(ext, 0o755); err != nil {
		return nil, fmt.Errorf("pebble state: %w", err)
	}
	po.Experimental.RemoteStorage = remote.MakeSimpleFactory(map[remote.Locator]remote.Storage{
		externalLocator: linkedFiles{dir: ext, fs: o.FS},
	})
	po.EnsureDefaults() // MakeWriterOptions (Restore) needs the defaults
	db, err := pebble.Open(o.Dir, po)
	if err != nil {
		return nil, fmt.Errorf("pebble state: open %s: %w", o.Dir, err)
	}
	var id [8]byte
	rand.Read(id[:])
	ctx, cancel := context.WithCancel(context.Background())
	return &DB{db: db, opts: po, dir: o.Dir, fs: o.FS, run: hex.EncodeToString(id[:]), batchAt: batchAt,
		backends: map[instance]bool{}, catalogs: map[uint64]*catalog{}, ctx: ctx, cancel: cancel}, nil
}

// Close stops the background work of restores and closes the DB; every
// Backend must have been closed.
func (d *DB) Close() error {
	d.cancel()
	d.bg.Wait()
	return d.db.Close()
}

// Pebble exposes the underlying database, for metrics.
func (d *DB) Pebble() *pebble.DB { return d.db }

// Backend returns the state backend of one operator instance: the operator
// uid and the key groups (of maxParallelism) its subtask owns. Stores
// created with the same names in a backend of the same uid see the same
// state, e.g. after Restore.
func (d *DB) Backend(uid uint64, keyGroups state.KeyGroupRange, maxParallelism int) (*Backend, error) {
	if keyGroups.Start < 0 || keyGroups.End >= maxParallelism || keyGroups.Start > keyGroups.End || maxParallelism >= metaGroup {
		return nil, fmt.Errorf("pebble state: bad key-group range %v of %d", keyGroups, maxParallelism)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	in := instance{uid, keyGroups.Start}
	if d.backends[in] {
		return nil, fmt.Errorf("pebble state: operator %016x key groups %v already has a backend", uid, keyGroups)
	}
	b, err := newBackend(d, uid, keyGroups, maxParallelism)
	if err != nil {
		return nil, err
	}
	d.backends[in] = true
	return b, nil
}

func (d *DB) release(uid uint64, start int) {
	d.mu.Lock()
	delete(d.backends, instance{uid, start})
	d.mu.Unlock()
}

// quietLogger drops Pebble's informational logs and keeps errors.
type quietLogger struct{}

func (quietLogger) Infof(string, ...any) {}
func (quietLogger) Errorf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "pebble: "+format+"\n", args...)
}
func (quietLogger) Fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "pebble: "+format+"\n", args...)
	os.Exit(1)
}
