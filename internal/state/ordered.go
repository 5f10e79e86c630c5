package state

import (
	"bytes"
	"encoding/binary"
	"slices"
	"unsafe"
)

// OrderedRanger is an optional capability of a Store: OrderedRange visits
// the entries of one namespace in increasing byte order of their keys, with
// the same rules for fn as Range. Backends whose Range is already ordered
// (Pebble) implement it as Range; the heap store sorts its keys first.
// Callers use RangeOrdered, which works on any store.
type OrderedRanger[V any] interface {
	OrderedRange(ns int64, fn func(key []byte, v V) bool)
}

// RangeOrdered visits the entries of namespace ns of s in increasing key
// order: through OrderedRange when s has it, otherwise by collecting and
// sorting the keys of Range (fn then gets copies of the keys).
func RangeOrdered[V any](s Store[V], ns int64, fn func(key []byte, v V) bool) {
	if o, ok := s.(OrderedRanger[V]); ok {
		o.OrderedRange(ns, fn)
		return
	}
	type kv struct {
		k []byte
		v V
	}
	var all []kv
	s.Range(ns, func(k []byte, v V) bool {
		all = append(all, kv{bytes.Clone(k), v})
		return true
	})
	slices.SortFunc(all, func(a, b kv) int { return bytes.Compare(a.k, b.k) })
	for _, e := range all {
		if !fn(e.k, e.v) {
			return
		}
	}
}

// OrderedRange sorts the namespace's keys: O(n log n) per call, for the
// rare ordered scans of a heap store (timers are cached in memory instead).
func (s *heapStore[V]) OrderedRange(ns int64, fn func([]byte, V) bool) {
	m := s.ns[ns]
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		e, ok := m[k]
		if !ok {
			continue // deleted by an earlier fn? fn must not modify, but be safe
		}
		if !fn(unsafe.Slice(unsafe.StringData(k), len(k)), e.v) {
			return
		}
	}
}

// OrderedRange decodes the table's ordered scan.
func (s *codecStore[V]) OrderedRange(ns int64, fn func([]byte, V) bool) {
	RangeOrdered(s.t, ns, func(k []byte, b []byte) bool {
		v, err := s.c.Decode(b)
		if err != nil {
			panic(err)
		}
		return fn(k, v)
	})
}

var (
	_ OrderedRanger[int] = (*heapStore[int])(nil)
	_ OrderedRanger[int] = (*codecStore[int])(nil)
)

// TimeKeyLen is the length of the time that leads a timer key
// (AppendTimeKey); the user key follows it.
const TimeKeyLen = 8

// AppendTimeKey appends a timer key: t sign-flipped big-endian, so that
// keys sort by time (negative times first), then the user key.
func AppendTimeKey(dst []byte, t int64, key []byte) []byte {
	dst = binary.BigEndian.AppendUint64(dst, uint64(t)^(1<<63))
	return append(dst, key...)
}

// ParseTimeKey splits a key made by AppendTimeKey; the user key aliases k.
// ok is false when k is too short to be one.
func ParseTimeKey(k []byte) (t int64, key []byte, ok bool) {
	if len(k) < TimeKeyLen {
		return 0, nil, false
	}
	return int64(binary.BigEndian.Uint64(k) ^ (1 << 63)), k[TimeKeyLen:], true
}

// KeyGroupOwner is implemented by backends that own a range of key groups
// (a subtask's share): restoring them keeps only the entries whose key
// hashes into the range.
type KeyGroupOwner interface {
	KeyGroups() (r KeyGroupRange, maxParallelism int)
}

// KeyGroups returns the key groups the heap backend owns.
func (h *Heap) KeyGroups() (KeyGroupRange, int) { return h.keyGroups, h.maxPar }

var _ KeyGroupOwner = (*Heap)(nil)
