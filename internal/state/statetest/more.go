package statetest

import (
	"bytes"
	"fmt"
	"sort"
	"testing"

	"github.com/sluicehq/sluice/internal/state"
)

// bytesCodec stores byte slices as they are. Decode copies: a BytesBackend's
// Get result is only valid until the next call.
type bytesCodec struct{}

func (bytesCodec) Encode(dst []byte, v []byte) []byte { return append(dst, v...) }
func (bytesCodec) Decode(b []byte) ([]byte, error)    { return bytes.Clone(b), nil }

// collect returns a namespace's entries as sorted "key=value" strings.
func collect(s state.Store[int], ns int64) []string {
	var out []string
	s.Range(ns, func(k []byte, v int) bool {
		out = append(out, fmt.Sprintf("%x=%d", k, v))
		return true
	})
	sort.Strings(out)
	return out
}

// rangeOrder: the same entries put in different orders range to the same
// set, whatever order a backend visits them in; keys that are prefixes of
// each other and the empty key are distinct.
func rangeOrder(t *testing.T, b state.Backend) {
	s1, s2 := store(t, b, "fwd"), store(t, b, "rev")
	keys := [][]byte{{}, {0}, {0, 0}, {1}, []byte("a"), []byte("ab"), []byte("abc"), {0xff, 0xff}}
	for i := 0; i < 300; i++ {
		keys = append(keys, fmt.Appendf(nil, "k%05d", i*7919%1000))
	}
	for i, k := range keys {
		s1.Put(5, k, i)
	}
	for i := len(keys) - 1; i >= 0; i-- {
		s2.Put(5, keys[i], i)
	}
	a, c := collect(s1, 5), collect(s2, 5)
	if len(a) != len(keys) || fmt.Sprint(a) != fmt.Sprint(c) {
		t.Fatalf("Range differs with insertion order: %d vs %d entries, want %d", len(a), len(c), len(keys))
	}
	if v, ok := s1.Get(5, []byte{}); !ok || v != 0 {
		t.Fatalf("empty key: %d, %v", v, ok)
	}
}

func largeValues(t *testing.T, b state.Backend) {
	s, err := state.NewStore[[]byte](b, "big", bytesCodec{})
	if err != nil {
		t.Fatal(err)
	}
	big := func(i int) []byte { return bytes.Repeat([]byte{byte(i)}, 1<<20+i) }
	for i := 0; i < 8; i++ {
		s.Put(0, []byte{byte(i)}, big(i))
	}
	for i := 0; i < 8; i++ {
		v, ok := s.Get(0, []byte{byte(i)})
		if !ok || !bytes.Equal(v, big(i)) {
			t.Fatalf("large value %d: found %v, %d bytes", i, ok, len(v))
		}
	}
	n := 0
	s.Range(0, func(k []byte, v []byte) bool {
		if !bytes.Equal(v, big(int(k[0]))) {
			t.Fatalf("Range: wrong large value for key %d", k[0])
		}
		n++
		return true
	})
	if n != 8 || s.Len() != 8 {
		t.Fatalf("Range saw %d, Len %d; want 8", n, s.Len())
	}
}

// manyNamespaces covers negative, zero and extreme namespaces, and dropping
// one of many (the others keep their entries and Len stays exact).
func manyNamespaces(t *testing.T, b state.Backend) {
	s := store(t, b, "s")
	var spaces []int64
	for i := -500; i < 500; i++ {
		spaces = append(spaces, int64(i)*1_000_003)
	}
	spaces = append(spaces, -1<<63, 1<<63-1)
	for _, ns := range spaces {
		for k := 0; k < 3; k++ {
			s.Put(ns, []byte{byte(k)}, int(ns%1000)+k)
		}
	}
	if s.Len() != 3*len(spaces) {
		t.Fatalf("Len = %d, want %d", s.Len(), 3*len(spaces))
	}
	drop := spaces[len(spaces)/3]
	s.DropNamespace(drop)
	s.DropNamespace(drop)  // twice is harmless
	s.DropNamespace(12345) // absent
	if s.Len() != 3*(len(spaces)-1) {
		t.Fatalf("Len after drop = %d, want %d", s.Len(), 3*(len(spaces)-1))
	}
	for _, ns := range spaces {
		got := collect(s, ns)
		if ns == drop {
			if len(got) != 0 {
				t.Fatalf("dropped namespace %d still ranges %v", ns, got)
			}
			continue
		}
		if len(got) != 3 {
			t.Fatalf("namespace %d has %d entries after dropping %d", ns, len(got), drop)
		}
		if v, ok := s.Get(ns, []byte{2}); !ok || v != int(ns%1000)+2 {
			t.Fatalf("namespace %d: Get = %d, %v", ns, v, ok)
		}
	}
	// A dropped namespace can be written again.
	s.Put(drop, []byte{9}, 9)
	if got := collect(s, drop); len(got) != 1 || s.Len() != 3*(len(spaces)-1)+1 {
		t.Fatalf("rewritten namespace: %v, Len %d", got, s.Len())
	}
}
