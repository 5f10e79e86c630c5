package statetest

import (
	"fmt"
	"sort"
	"testing"

	"github.com/sluicehq/sluice/internal/state"
)

// intCodec stores ints as decimal text, for byte-oriented backends.
type intCodec struct{}

func (intCodec) Encode(dst []byte, v int) []byte { return fmt.Appendf(dst, "%d", v) }
func (intCodec) Decode(b []byte) (int, error) {
	var v int
	_, err := fmt.Sscanf(string(b), "%d", &v)
	return v, err
}

// Run runs the suite against backends made by newBackend.
func Run(t *testing.T, newBackend func(t *testing.T) state.Backend) {
	t.Run("GetPutDelete", func(t *testing.T) { getPutDelete(t, newBackend(t)) })
	t.Run("Namespaces", func(t *testing.T) { namespaces(t, newBackend(t)) })
	t.Run("KeyIsCopied", func(t *testing.T) { keyIsCopied(t, newBackend(t)) })
	t.Run("StoresAreSeparate", func(t *testing.T) { separate(t, newBackend(t)) })
	t.Run("RangeOrderIndependence", func(t *testing.T) { rangeOrder(t, newBackend(t)) })
	t.Run("LargeValues", func(t *testing.T) { largeValues(t, newBackend(t)) })
	t.Run("ManyNamespaces", func(t *testing.T) { manyNamespaces(t, newBackend(t)) })
}

func store(t *testing.T, b state.Backend, name string) state.Store[int] {
	s, err := state.NewStore[int](b, name, intCodec{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func getPutDelete(t *testing.T, b state.Backend) {
	s := store(t, b, "s")
	if _, ok := s.Get(0, []byte("a")); ok {
		t.Fatal("Get on an empty store found a value")
	}
	s.Put(0, []byte("a"), 1)
	s.Put(0, []byte("b"), 2)
	s.Put(0, []byte("a"), 3) // overwrite
	if v, ok := s.Get(0, []byte("a")); !ok || v != 3 {
		t.Fatalf("Get(a) = %d, %v; want 3, true", v, ok)
	}
	if s.Len() != 2 {
		t.Fatalf("Len = %d, want 2", s.Len())
	}
	s.Delete(0, []byte("a"))
	s.Delete(0, []byte("missing"))
	if _, ok := s.Get(0, []byte("a")); ok {
		t.Fatal("deleted key still found")
	}
	if s.Len() != 1 {
		t.Fatalf("Len after delete = %d, want 1", s.Len())
	}
}

func namespaces(t *testing.T, b state.Backend) {
	s := store(t, b, "s")
	for ns := int64(1); ns <= 3; ns++ {
		for k := 0; k < 4; k++ {
			s.Put(ns, []byte{byte(k)}, int(ns)*10+k)
		}
	}
	var got []int
	s.Range(2, func(_ []byte, v int) bool { got = append(got, v); return true })
	sort.Ints(got)
	if fmt.Sprint(got) != "[20 21 22 23]" {
		t.Fatalf("Range(2) = %v", got)
	}
	n := 0
	s.Range(2, func([]byte, int) bool { n++; return false })
	if n != 1 {
		t.Fatalf("Range did not stop when fn returned false (%d calls)", n)
	}
	s.DropNamespace(2)
	if _, ok := s.Get(2, []byte{0}); ok {
		t.Fatal("dropped namespace still has entries")
	}
	if v, ok := s.Get(3, []byte{0}); !ok || v != 30 {
		t.Fatalf("other namespace lost: %d, %v", v, ok)
	}
	if s.Len() != 8 {
		t.Fatalf("Len = %d, want 8", s.Len())
	}
}

func keyIsCopied(t *testing.T, b state.Backend) {
	s := store(t, b, "s")
	k := []byte("key")
	s.Put(0, k, 1)
	k[0] = 'X' // the caller reuses its buffer
	if v, ok := s.Get(0, []byte("key")); !ok || v != 1 {
		t.Fatalf("store kept a reference to the caller's key buffer")
	}
}

func separate(t *testing.T, b state.Backend) {
	s1, s2 := store(t, b, "one"), store(t, b, "two")
	s1.Put(0, []byte("k"), 1)
	if _, ok := s2.Get(0, []byte("k")); ok {
		t.Fatal("stores share entries")
	}
	if _, err := state.NewStore[int](b, "one", intCodec{}); err == nil {
		t.Fatal("a second store with the same name was allowed")
	}
}
