package pebble

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/cockroachdb/pebble/v2"

	"github.com/sluicehq/sluice/internal/state"
)

// Backend is the state of one operator instance in the job's DB: a
// state.BytesBackend whose stores prefix their keys with the instance's
// uid, the key's key group and the store's id. Puts and deletes go through
// an indexed batch, so reads see them before the batch is committed (at
// Flush, Snapshot, or when it passes its size threshold). Appends (merge
// operands, table.AppendBytes) go through a plain batch, which costs no
// index; a read, or a put or delete, commits it first, and an append
// commits a non-empty indexed batch first, so the DB applies every write in
// the order it was made.
//
// A Backend is used by one goroutine. Storage errors (an I/O error, a
// full disk) are raised as panics wrapping the error from Store methods,
// which have no error result; Flush, Snapshot and Close return them.
type Backend struct {
	db      *DB
	uid     uint64
	groups  state.KeyGroupRange
	maxPar  int
	batch   *pebble.Batch // indexed: puts, deletes, range deletes
	merges  *pebble.Batch // plain: merge operands; empty whenever batch is not
	sorted  *pebble.Batch // plain: batch's writes in key order, at commit
	pending []pendingOp   // commitSorted's scratch
	// batchKeys holds the keys set through set since batch was last
	// reset: get reads a key it does not hold from the DB, skipping the
	// batch, when they are all of batch's writes (see get).
	batchKeys pendingFilter

	tables map[string]*table // stores created by Table
	closed bool
}

var (
	_ state.BytesBackend  = (*Backend)(nil)
	_ state.Snapshotter   = (*Backend)(nil)
	_ state.Claimer       = (*Backend)(nil)
	_ state.KeyGroupOwner = (*Backend)(nil)
	_ state.TimerTabler   = (*Backend)(nil)
)

func newBackend(d *DB, uid uint64, groups state.KeyGroupRange, maxPar int) (*Backend, error) {
	if _, err := d.catalogLocked(uid); err != nil { // d.mu is held by DB.Backend
		return nil, err
	}
	return &Backend{db: d, uid: uid, groups: groups, maxPar: maxPar, batch: d.db.NewIndexedBatch(),
		merges: d.db.NewBatch(), sorted: d.db.NewBatch(), tables: map[string]*table{}}, nil
}

func (b *Backend) Kind() string { return "pebble" }

// KeyGroups returns the key groups the backend owns (state.KeyGroupOwner),
// so that state.OperatorState keys its entries by the groups a restore keeps.
func (b *Backend) KeyGroups() (state.KeyGroupRange, int) { return b.groups, b.maxPar }

// Table returns the store called name (state.BytesBackend). The slices its
// Get returns and its Range passes are valid until the next call on the
// store.
func (b *Backend) Table(name string) (state.Store[[]byte], error) {
	t, err := b.newTable(name, 0)
	if err != nil {
		return nil, err
	}
	return t, nil
}

// TimerTable returns the store called name for state.Timers
// (state.TimerTabler): its keys start with a time (state.TimeKeyLen
// bytes), and each is placed in the key group of the user key after it.
func (b *Backend) TimerTable(name string) (state.Store[[]byte], error) {
	t, err := b.newTable(name, state.TimeKeyLen)
	if err != nil {
		return nil, err
	}
	return t, nil
}

// newTable opens store name; the key group of a key is that of the key
// without its first groupSkip bytes.
func (b *Backend) newTable(name string, groupSkip int) (*table, error) {
	if _, dup := b.tables[name]; dup {
		return nil, fmt.Errorf("state store %q is created twice in one operator", name)
	}
	id, err := b.db.storeID(b.uid, name)
	if err != nil {
		return nil, err
	}
	t := &table{b: b, id: id, name: name, counts: map[int64]int{}, groupSkip: groupSkip}
	if err := t.loadCounts(); err != nil {
		return nil, err
	}
	if f := b.db.takeFilter(b.uid, b.groups.Start, id); f != nil {
		t.filter, f.added = f, t.len // built by Restore as it copied the keys, or after a fast restore
	} else {
		t.buildFilter() // restored keys, if any
	}
	b.tables[name] = t
	return t, nil
}

// Unclaimed lists, sorted, the stores the operator's state holds (after
// Restore) that Table has not opened (state.Claimer).
func (b *Backend) Unclaimed() []string {
	b.db.mu.Lock()
	defer b.db.mu.Unlock()
	var names []string
	for n := range b.db.catalogs[b.uid].ids {
		if _, ok := b.tables[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// Flush commits the pending batches to the DB.
func (b *Backend) Flush() error {
	if err := b.commitMerges(); err != nil {
		return err
	}
	if b.batch.Empty() {
		return nil
	}
	if done, err := b.commitSorted(); done || err != nil {
		return err
	}
	if err := b.batch.Commit(pebble.NoSync); err != nil {
		return fmt.Errorf("pebble state: commit: %w", err)
	}
	b.resetBatch()
	return nil
}

// resetBatch empties the committed indexed batch.
func (b *Backend) resetBatch() {
	b.batch.Reset()
	b.batchKeys.reset()
}

// commitSorted commits the indexed batch's puts and deletes in key order,
// the last write of each key only, through a plain batch, and reports
// whether it did; it declines batches holding other operations (range
// deletions). Pebble applies a batch to the memtable skiplist in batch
// order: keys in order walk neighbouring skiplist nodes, still in the CPU
// cache, where random keys (new groups of an aggregate) miss it on nearly
// every level; this halves the cost of a commit. A failed write or commit
// is returned (Flush's error), the indexed batch left as it was.
func (b *Backend) commitSorted() (bool, error) {
	b.pending = b.pending[:0]
	r := b.batch.Reader()
	for {
		kind, k, v, ok, err := r.Next()
		if err != nil || (ok && kind != pebble.InternalKeyKindSet && kind != pebble.InternalKeyKindDelete) {
			return false, nil
		}
		if !ok {
			break
		}
		b.pending = append(b.pending, pendingOp{len(b.pending), kind == pebble.InternalKeyKindDelete, k, v})
	}
	slices.SortFunc(b.pending, func(x, y pendingOp) int {
		if c := bytes.Compare(x.k, y.k); c != 0 {
			return c
		}
		return x.seq - y.seq // a key's writes in batch order
	})
	for i, op := range b.pending {
		if i+1 < len(b.pending) && bytes.Equal(op.k, b.pending[i+1].k) {
			continue // overwritten later in the batch
		}
		var err error
		if op.del {
			err = b.sorted.Delete(op.k, nil)
		} else {
			err = b.sorted.Set(op.k, op.v, nil)
		}
		if err != nil {
			b.pending = b.pending[:0]
			b.sorted.Reset()
			return false, fmt.Errorf("pebble state: %w", err)
		}
	}
	b.pending = b.pending[:0]
	err := b.sorted.Commit(pebble.NoSync)
	b.sorted.Reset()
	if err != nil {
		return false, fmt.Errorf("pebble state: commit: %w", err)
	}
	b.resetBatch()
	return true, nil
}

// pendingOp is a write of the indexed batch, pointing into its buffer.
type pendingOp struct {
	seq  int
	del  bool
	k, v []byte
}

// commitMerges commits the pending merge operands.
func (b *Backend) commitMerges() error {
	if b.merges.Empty() {
		return nil
	}
	if err := b.merges.Commit(pebble.NoSync); err != nil {
		return fmt.Errorf("pebble state: commit: %w", err)
	}
	b.merges.Reset()
	return nil
}

// indexed returns the indexed batch for a write or a read, committing
// pending merge operands first so that order is kept and reads see them.
func (b *Backend) indexed() *pebble.Batch {
	if err := b.commitMerges(); err != nil {
		panic(err)
	}
	return b.batch
}

// merge writes a merge operand, committing pending indexed writes first.
func (b *Backend) merge(k, v []byte) {
	if !b.batch.Empty() {
		if err := b.Flush(); err != nil {
			panic(err)
		}
	}
	if err := b.merges.Merge(k, v, nil); err != nil {
		panic(fmt.Errorf("pebble state: %w", err))
	}
	if b.merges.Len() >= b.db.batchAt {
		if err := b.commitMerges(); err != nil {
			panic(err)
		}
	}
}

// Close flushes and releases the backend; the state stays in the DB.
func (b *Backend) Close() error {
	if b.closed {
		return nil
	}
	b.closed = true
	err := b.Flush()
	if cerr := b.batch.Close(); err == nil {
		err = cerr
	}
	if cerr := b.merges.Close(); err == nil {
		err = cerr
	}
	if cerr := b.sorted.Close(); err == nil {
		err = cerr
	}
	b.db.release(b.uid, b.groups.Start)
	return err
}

func (b *Backend) set(k, v []byte) {
	if err := b.indexed().Set(k, v, nil); err != nil {
		panic(fmt.Errorf("pebble state: %w", err))
	}
	b.batchKeys.add(k)
	b.maybeFlush()
}

func (b *Backend) maybeFlush() {
	if b.batch.Len() >= b.db.batchAt {
		if err := b.Flush(); err != nil {
			panic(err)
		}
	}
}

// get looks k up, pending writes included, copying the value into buf.
// A Get on the indexed batch searches the batch's skiplist, then the DB;
// when every write in the batch is a set recorded in batchKeys (no delete,
// no range deletion) and k is not among them, the batch cannot hold k and
// the DB is read directly.
func (b *Backend) get(k, buf []byte) ([]byte, bool) {
	var r pebble.Reader = b.indexed()
	if b.batch.Empty() || (int(b.batch.Count()) == b.batchKeys.n && !b.batchKeys.mayContain(k)) {
		r = b.db.db
	}
	v, closer, err := r.Get(k)
	if errors.Is(err, pebble.ErrNotFound) {
		return buf, false
	}
	if err != nil {
		panic(fmt.Errorf("pebble state: get: %w", err))
	}
	buf = append(buf[:0], v...)
	closer.Close()
	return buf, true
}

// pendingFilter is a bloom filter over the keys set in the indexed batch
// since it was last reset: two bits of 2^pendingBits a key, cleared as the
// batch is committed. A batch holds under 1 MB, 20,000 writes of a GROUP
// BY's 16-byte accumulators under 8-byte keys: a key not in a full batch
// of those passes the filter (and is read through the batch, as before)
// about 2% of the time.
type pendingFilter struct {
	bits   []uint64
	n      int      // keys added since reset
	hashes []uint64 // of the first few keys added, to clear their bits only
}

const pendingBits = 18 // 32 KB

func (f *pendingFilter) add(k []byte) {
	if f.bits == nil {
		f.bits = make([]uint64, 1<<pendingBits/64)
		f.hashes = make([]uint64, 0, 256)
	}
	h := filterHash(k)
	if len(f.hashes) < cap(f.hashes) {
		f.hashes = append(f.hashes, h)
	}
	m := uint64(1<<pendingBits - 1)
	a, c := h&m, (h>>32)&m
	f.bits[a/64] |= 1 << (a % 64)
	f.bits[c/64] |= 1 << (c % 64)
	f.n++
}

func (f *pendingFilter) mayContain(k []byte) bool {
	if f.n == 0 {
		return false
	}
	h := filterHash(k)
	m := uint64(1<<pendingBits - 1)
	a, c := h&m, (h>>32)&m
	return f.bits[a/64]&(1<<(a%64)) != 0 && f.bits[c/64]&(1<<(c%64)) != 0
}

// reset empties the filter: a small batch (a Flush every few writes)
// clears the bits of its keys only, a larger one the whole filter.
func (f *pendingFilter) reset() {
	if f.n == 0 {
		return
	}
	if f.n <= len(f.hashes) {
		m := uint64(1<<pendingBits - 1)
		for _, h := range f.hashes {
			a, c := h&m, (h>>32)&m
			f.bits[a/64], f.bits[c/64] = 0, 0
		}
	} else {
		clear(f.bits)
	}
	f.n, f.hashes = 0, f.hashes[:0]
}
