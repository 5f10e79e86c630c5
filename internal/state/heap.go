package state

import (
	"fmt"
	"unsafe"
)

// Heap is the in-memory backend ('state.backend.type' = 'hashmap'): values
// stay Go values in maps, so Get and Put cost a map lookup and no encoding.
type Heap struct {
	names map[string]bool
}

// NewHeap returns an empty heap backend.
func NewHeap() *Heap { return &Heap{names: map[string]bool{}} }

func (h *Heap) Kind() string { return "hashmap" }
func (h *Heap) Close() error { return nil }

func (h *Heap) register(name string) error {
	if h.names[name] {
		return fmt.Errorf("state store %q is created twice in one operator", name)
	}
	h.names[name] = true
	return nil
}

type heapEntry[V any] struct{ v V }

// heapStore keeps one map per namespace. Entries are pointers so that Put on
// an existing key updates in place without re-inserting the key (which
// would allocate a string).
type heapStore[V any] struct {
	ns  map[int64]map[string]*heapEntry[V]
	len int
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
