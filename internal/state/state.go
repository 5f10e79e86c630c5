package state

import "fmt"

// Backend holds the state of one operator instance.
type Backend interface {
	// Kind names the backend type, e.g. "hashmap".
	Kind() string
	// Close releases everything the backend holds.
	Close() error
}

// BytesBackend is a backend that stores encoded bytes (a disk backend).
// NewStore wraps it with the store's Codec.
type BytesBackend interface {
	Backend
	// Table returns the raw store called name. The value slice returned by
	// its Get, and the key and value slices passed to its Range callback,
	// are valid only until the next call on the store (they may point into
	// reused buffers): copy them to keep them. Put copies key and value.
	Table(name string) (Store[[]byte], error)
}

// Codec serialises values for backends that store bytes.
type Codec[V any] interface {
	Encode(dst []byte, v V) []byte
	Decode(b []byte) (V, error)
}

// Store is a namespaced keyed store. See the package doc for the mutation
// contract.
type Store[V any] interface {
	Get(ns int64, key []byte) (V, bool)
	Put(ns int64, key []byte, v V)
	Delete(ns int64, key []byte)
	// Range visits the entries of one namespace in unspecified order until
	// fn returns false. fn must not modify the store, nor modify or keep the
	// key slice (copy it to keep it).
	Range(ns int64, fn func(key []byte, v V) bool)
	// DropNamespace deletes every entry of a namespace.
	DropNamespace(ns int64)
	// Len is the number of entries in all namespaces.
	Len() int
}

// NewStore creates the store called name in backend b. codec may be nil for
// the heap backend, but then the heap cannot be snapshotted (Snapshot fails
// naming the store) nor can the store claim restored state.
func NewStore[V any](b Backend, name string, codec Codec[V]) (Store[V], error) {
	switch be := b.(type) {
	case *Heap:
		s, err := newHeapStoreIn(be, name, codec)
		if err != nil {
			return nil, err
		}
		return s, nil
	case BytesBackend:
		if codec == nil {
			return nil, fmt.Errorf("state store %q needs a codec for backend %q", name, b.Kind())
		}
		t, err := be.Table(name)
		if err != nil {
			return nil, err
		}
		return &codecStore[V]{t: t, c: codec}, nil
	}
	return nil, fmt.Errorf("state backend %q cannot hold store %q", b.Kind(), name)
}

// codecStore adapts a bytes store with a codec.
type codecStore[V any] struct {
	t   Store[[]byte]
	c   Codec[V]
	buf []byte
}

func (s *codecStore[V]) Get(ns int64, key []byte) (V, bool) {
	var zero V
	b, ok := s.t.Get(ns, key)
	if !ok {
		return zero, false
	}
	v, err := s.c.Decode(b)
	if err != nil {
		panic(fmt.Errorf("state: corrupt value: %w", err))
	}
	return v, true
}

func (s *codecStore[V]) Put(ns int64, key []byte, v V) {
	s.buf = s.c.Encode(s.buf[:0], v)
	s.t.Put(ns, key, s.buf)
}

func (s *codecStore[V]) Delete(ns int64, key []byte) { s.t.Delete(ns, key) }
func (s *codecStore[V]) DropNamespace(ns int64)      { s.t.DropNamespace(ns) }
func (s *codecStore[V]) Len() int                    { return s.t.Len() }
func (s *codecStore[V]) Range(ns int64, fn func([]byte, V) bool) {
	s.t.Range(ns, func(k []byte, b []byte) bool {
		v, err := s.c.Decode(b)
		if err != nil {
			panic(fmt.Errorf("state: corrupt value: %w", err))
		}
		return fn(k, v)
	})
}
