package state

import (
	"fmt"
	"sort"
	"unsafe"
)

// Heap is the in-memory backend ('state.backend.type' = 'hashmap'): values
// stay Go values in maps, so Get and Put cost a map lookup and no encoding.
//
// A Heap is a Snapshotter when every store was created with a Codec
// (heap_snapshot.go); RestoreHeap rebuilds one from snapshot files.
type Heap struct {
	stores    map[string]heapSnapshotter
	keyGroups KeyGroupRange
	maxPar    int
	// restored holds a restored snapshot's entries per store name, raw,
	// until NewStore claims the store with its codec and decodes them.
	restored map[string][]rawEntry
	snapName string
	fs       snapshotFS
}

// NewHeap returns an empty heap backend owning every key group of
// DefaultMaxParallelism.
func NewHeap() *Heap {
	return NewHeapFor(KeyGroupRange{0, DefaultMaxParallelism - 1}, DefaultMaxParallelism)
}

// NewHeapFor returns an empty heap backend for the subtask owning
// keyGroups out of maxParallelism key groups. The key groups are written
// into snapshots so that a restore at another parallelism can split them.
func NewHeapFor(keyGroups KeyGroupRange, maxParallelism int) *Heap {
	return &Heap{
		stores:    map[string]heapSnapshotter{},
		keyGroups: keyGroups,
		maxPar:    maxParallelism,
		snapName:  DefaultHeapSnapshotName,
		fs:        osFS{},
	}
}

func (h *Heap) Kind() string { return "hashmap" }
func (h *Heap) Close() error { return nil }

// Unclaimed lists, sorted, the stores of a restored snapshot that no
// NewStore call has claimed yet (state.Claimer).
func (h *Heap) Unclaimed() []string {
	names := make([]string, 0, len(h.restored))
	for n := range h.restored {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (h *Heap) register(name string) error {
	if _, dup := h.stores[name]; dup {
		return fmt.Errorf("state store %q is created twice in one operator", name)
	}
	return nil
}

// heapSnapshotter is what a Heap needs from its stores, whatever their
// value type, to write a snapshot.
type heapSnapshotter interface {
	// snapshot writes the store's entries; it fails when the store has no
	// codec.
	snapshot(w *heapWriter, maxPar int) error
}

// newHeapStoreIn creates store name in h with codec (nil: the store cannot
// be snapshotted) and decodes the restored entries of the store, if any.
func newHeapStoreIn[V any](h *Heap, name string, codec Codec[V]) (*heapStore[V], error) {
	if err := h.register(name); err != nil {
		return nil, err
	}
	s := newHeapStore[V]()
	s.name, s.codec = name, codec
	if raw, ok := h.restored[name]; ok {
		if codec == nil {
			return nil, fmt.Errorf("state store %q has restored state but was created without a codec to decode it", name)
		}
		for _, e := range raw {
			v, err := codec.Decode(e.value)
			if err != nil {
				return nil, fmt.Errorf("state store %q: decoding a restored value: %w", name, err)
			}
			s.Put(e.ns, e.key, v)
		}
		delete(h.restored, name)
		if len(h.restored) == 0 {
			h.restored = nil // let the snapshot's bytes go
		}
	}
	h.stores[name] = s
	return s, nil
}

type heapEntry[V any] struct{ v V }

// heapStore keeps one map per namespace. Entries are pointers so that Put on
// an existing key updates in place without re-inserting the key (which
// would allocate a string).
type heapStore[V any] struct {
	ns    map[int64]map[string]*heapEntry[V]
	len   int
	name  string
	codec Codec[V]
}

func newHeapStore[V any]() *heapStore[V] {
	return &heapStore[V]{ns: map[int64]map[string]*heapEntry[V]{}}
}

func (s *heapStore[V]) Get(ns int64, key []byte) (V, bool) {
	if m := s.ns[ns]; m != nil {
		if e, ok := m[string(key)]; ok {
			return e.v, true
		}
	}
	var zero V
	return zero, false
}

func (s *heapStore[V]) Put(ns int64, key []byte, v V) {
	m := s.ns[ns]
	if m == nil {
		m = map[string]*heapEntry[V]{}
		s.ns[ns] = m
	}
	if e, ok := m[string(key)]; ok {
		e.v = v
		return
	}
	m[string(key)] = &heapEntry[V]{v: v}
	s.len++
}

func (s *heapStore[V]) Delete(ns int64, key []byte) {
	m := s.ns[ns]
	if m == nil {
		return
	}
	if _, ok := m[string(key)]; ok {
		delete(m, string(key))
		s.len--
		if len(m) == 0 {
			delete(s.ns, ns)
		}
	}
}

// Range passes each key as a read-only view of the map's key (no copy): fn
// must not modify or keep it.
func (s *heapStore[V]) Range(ns int64, fn func([]byte, V) bool) {
	for k, e := range s.ns[ns] {
		if !fn(unsafe.Slice(unsafe.StringData(k), len(k)), e.v) {
			return
		}
	}
}

func (s *heapStore[V]) DropNamespace(ns int64) {
	s.len -= len(s.ns[ns])
	delete(s.ns, ns)
}

func (s *heapStore[V]) Len() int { return s.len }
