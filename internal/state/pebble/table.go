package pebble

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/cockroachdb/pebble/v2"

	"github.com/sluicehq/sluice/internal/state"
)

// table is one store of a Backend.
type table struct {
	b      *Backend
	id     uint16
	name   string
	len    int
	counts map[int64]int // entries per namespace, for DropNamespace and Len
	// groupSkip leading bytes of a key are left out of its key group (a
	// timer's time: see Backend.TimerTable).
	groupSkip int

	key []byte // the last encoded key
	val []byte // Get's value buffer
	// The last key looked up and whether it existed: Put after Get of the
	// same key (the read-modify-write of every aggregate) needs no second
	// lookup to keep Len exact.
	last      []byte
	lastFound bool
	// filter holds every key written since it was built (filter.go): a key
	// it does not hold is absent, without a lookup.
	filter *keyFilter
}

var (
	_ state.Store[[]byte] = (*table)(nil)
	_ state.BytesAppender = (*table)(nil)

	_ state.OrderedRanger[[]byte] = (*table)(nil)
)

func (t *table) encode(ns int64, key []byte) []byte {
	g := state.KeyGroup(key[min(t.groupSkip, len(key)):], t.b.maxPar)
	t.key = append(appendPrefix(t.key[:0], t.b.uid, g, t.id, ns), key...)
	return t.key
}

// exists reports whether the encoded key k exists, from the last lookup
// when it was of k.
func (t *table) exists(k []byte) bool {
	if t.last != nil && bytes.Equal(k, t.last) {
		return t.lastFound
	}
	var found bool
	t.val, found = t.lookup(k)
	t.remember(k, found)
	return found
}

// lookup reads k unless the filter rules it out.
func (t *table) lookup(k []byte) ([]byte, bool) {
	if !t.filter.mayContain(k) {
		return t.val, false
	}
	return t.b.get(k, t.val)
}

// written records that k is about to get a value (rebuilding first: the
// scan must not miss k, not written yet).
func (t *table) written(k []byte) {
	t.maybeRebuildFilter()
	t.filter.add(k)
}

// maybeRebuildFilter rebuilds the filter from the live keys once it has
// taken more than twice as many keys as there are entries (deleted keys
// and dropped namespaces): a scan of the entries, amortised over as many
// writes.
func (t *table) maybeRebuildFilter() {
	if t.filter.added <= 2*t.len+filterFirstCap {
		return
	}
	t.buildFilter()
}

// buildFilter fills a new filter with the keys of the table.
func (t *table) buildFilter() {
	t.filter = newKeyFilter()
	if t.len == 0 {
		return
	}
	it := t.iter()
	defer it.Close()
	var prefix []byte
	for g := t.b.groups.Start; g <= t.b.groups.End; g++ {
		prefix = binary.BigEndian.AppendUint16(appendGroup(prefix[:0], t.b.uid, g), t.id)
		for ok := it.SeekGE(prefix); ok && bytes.HasPrefix(it.Key(), prefix); ok = it.Next() {
			t.filter.add(it.Key())
		}
	}
	if err := it.Error(); err != nil {
		panic(fmt.Errorf("pebble state: %w", err))
	}
	t.filter.added = t.len
}

// iter returns an iterator over the instance's state keys, pending writes
// included.
func (t *table) iter() *pebble.Iterator {
	lo, hi := groupSpan(t.b.uid, t.b.groups)
	it, err := t.b.indexed().NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		panic(fmt.Errorf("pebble state: %w", err))
	}
	return it
}

func (t *table) remember(k []byte, found bool) {
	t.last = append(t.last[:0], k...)
	t.lastFound = found
}

// Get returns the value, valid until the next call on the table.
func (t *table) Get(ns int64, key []byte) ([]byte, bool) {
	k := t.encode(ns, key)
	var found bool
	t.val, found = t.lookup(k)
	t.remember(k, found)
	if !found {
		return nil, false
	}
	return t.val, true
}

func (t *table) Put(ns int64, key []byte, v []byte) {
	k := t.encode(ns, key)
	if !t.exists(k) {
		t.len++
		t.counts[ns]++
		t.written(k)
	}
	t.remember(k, true)
	t.b.set(k, v)
}

// AppendBytes writes v as a merge operand: the DB's merger (Pebble's
// default, which concatenates) joins it to the key's value when the key is
// read or compacted. No read: Len counts the call as a new entry unless the
// key was the last one looked up and found.
func (t *table) AppendBytes(ns int64, key []byte, v []byte) {
	k := t.encode(ns, key)
	if !t.lastFound || !bytes.Equal(k, t.last) {
		t.len++
		t.counts[ns]++
		t.written(k)
	}
	t.remember(k, true)
	t.b.merge(k, v)
}

func (t *table) Delete(ns int64, key []byte) {
	k := t.encode(ns, key)
	if !t.exists(k) {
		return
	}
	t.remember(k, false)
	if err := t.b.indexed().Delete(k, nil); err != nil {
		panic(fmt.Errorf("pebble state: %w", err))
	}
	t.len--
	if t.counts[ns]--; t.counts[ns] == 0 {
		delete(t.counts, ns)
	}
	t.b.maybeFlush()
}

// DropNamespace is one range deletion per key group of the backend.
func (t *table) DropNamespace(ns int64) {
	n, ok := t.counts[ns]
	if !ok {
		return
	}
	for g := t.b.groups.Start; g <= t.b.groups.End; g++ {
		lo := appendPrefix(t.key[:0], t.b.uid, g, t.id, ns)
		if err := t.b.indexed().DeleteRange(lo, succ(lo), nil); err != nil {
			panic(fmt.Errorf("pebble state: %w", err))
		}
		t.key = lo
	}
	t.len -= n
	delete(t.counts, ns)
	t.last = t.last[:0]
	t.b.maybeFlush()
}

func (t *table) Len() int { return t.len }

// Range visits a namespace in key-group order and, within a key group, in
// user-key byte order. Key and value are valid until fn returns.
func (t *table) Range(ns int64, fn func(key []byte, v []byte) bool) {
	if t.counts[ns] == 0 {
		return
	}
	it := t.iter()
	defer it.Close()
	var prefix []byte
	for g := t.b.groups.Start; g <= t.b.groups.End; g++ {
		prefix = appendPrefix(prefix[:0], t.b.uid, g, t.id, ns)
		for ok := it.SeekGE(prefix); ok && bytes.HasPrefix(it.Key(), prefix); ok = it.Next() {
			v, err := it.ValueAndErr()
			if err != nil {
				panic(fmt.Errorf("pebble state: %w", err))
			}
			if !fn(it.Key()[prefixLen:], v) {
				return
			}
		}
	}
	if err := it.Error(); err != nil {
		panic(fmt.Errorf("pebble state: %w", err))
	}
}

// OrderedRange visits the namespace in increasing key order
// (state.OrderedRanger): keys are ordered within each key group, so this
// merges the groups, one seek per group to start and one per entry
// visited. Timers use it to find the earliest timer without sorting all.
func (t *table) OrderedRange(ns int64, fn func(key []byte, v []byte) bool) {
	if t.counts[ns] == 0 {
		return
	}
	it := t.iter()
	defer it.Close()
	// heads[i] is the next entry of one group: its full key and value.
	type head struct{ key, val []byte }
	var heads []head
	seek := func(prefix, from []byte, skipFrom bool) (head, bool) {
		ok := it.SeekGE(from)
		if ok && skipFrom && bytes.Equal(it.Key(), from) {
			ok = it.Next()
		}
		if !ok || !bytes.HasPrefix(it.Key(), prefix) {
			return head{}, false
		}
		v, err := it.ValueAndErr()
		if err != nil {
			panic(fmt.Errorf("pebble state: %w", err))
		}
		return head{bytes.Clone(it.Key()), bytes.Clone(v)}, true
	}
	for g := t.b.groups.Start; g <= t.b.groups.End; g++ {
		prefix := appendPrefix(nil, t.b.uid, g, t.id, ns)
		if h, ok := seek(prefix, prefix, false); ok {
			heads = append(heads, h)
		}
	}
	for len(heads) > 0 {
		m := 0
		for i := range heads {
			if bytes.Compare(heads[i].key[prefixLen:], heads[m].key[prefixLen:]) < 0 {
				m = i
			}
		}
		h := heads[m]
		if !fn(h.key[prefixLen:], h.val) {
			return
		}
		if next, ok := seek(h.key[:prefixLen], h.key, true); ok {
			heads[m] = next
		} else {
			heads = append(heads[:m], heads[m+1:]...)
		}
	}
	if err := it.Error(); err != nil {
		panic(fmt.Errorf("pebble state: %w", err))
	}
}

// loadCounts takes the entry counts Restore left for the table and
// deletes them (the live counts are kept in memory from now on).
func (t *table) loadCounts() error {
	counts, err := t.b.db.restoredCounts(t.b.uid, t.b.groups.Start, t.id)
	if err != nil {
		return err
	}
	for ns, n := range counts {
		t.counts[ns] += int(n)
		t.len += int(n)
	}
	if len(counts) > 0 {
		lo := countPrefix(t.b.uid, t.b.groups.Start, t.id)
		if err := t.b.indexed().DeleteRange(lo, succ(lo), nil); err != nil {
			return err
		}
	}
	return nil
}

// restoredCounts reads the entry counts per namespace Restore left for
// store id of the instance of uid starting at key group start.
func (d *DB) restoredCounts(uid uint64, start int, id uint16) (map[int64]int64, error) {
	lo := countPrefix(uid, start, id)
	it, err := d.db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: succ(lo)})
	if err != nil {
		return nil, err
	}
	out := map[int64]int64{}
	for it.First(); it.Valid(); it.Next() {
		ns := int64(binary.BigEndian.Uint64(it.Key()[len(lo):]) ^ (1 << 63))
		n, _ := binary.Uvarint(it.Value())
		out[ns] += int64(n)
	}
	if err := it.Close(); err != nil {
		return nil, fmt.Errorf("pebble state: reading entry counts: %w", err)
	}
	return out, nil
}
