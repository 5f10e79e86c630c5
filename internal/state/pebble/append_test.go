package pebble

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/sluicehq/sluice/internal/state"
)

// listCodec encodes []int64 as concatenated uvarints: an AppendCodec.
type listCodec struct{}

func (listCodec) Concatenates() {}
func (listCodec) Encode(dst []byte, v []int64) []byte {
	for _, x := range v {
		dst = binary.AppendUvarint(dst, uint64(x))
	}
	return dst
}
func (listCodec) Decode(b []byte) ([]int64, error) {
	var out []int64
	for len(b) > 0 {
		x, n := binary.Uvarint(b)
		if n <= 0 {
			return nil, errors.New("bad uvarint")
		}
		out, b = append(out, int64(x)), b[n:]
	}
	return out, nil
}

var _ state.AppendCodec[[]int64] = listCodec{}

func concat(old, v []int64) []int64 { return append(old, v...) }

// Appends, puts and deletes of one key, in any order and across commits,
// read back as if applied in order, on Pebble (blind merge operands) and
// on the heap (read, combine, write) alike.
func TestAppend(t *testing.T) {
	backends := map[string]func(t *testing.T) state.Backend{
		"heap":   func(*testing.T) state.Backend { return state.NewHeap() },
		"pebble": newTestBackend,
	}
	for name, open := range backends {
		t.Run(name, func(t *testing.T) {
			b := open(t)
			s, err := state.NewStore[[]int64](b, "list", listCodec{})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := state.CanAppend(s), name == "pebble"; got != want {
				t.Fatalf("CanAppend = %t, want %t", got, want)
			}
			get := func(key string) string {
				v, ok := s.Get(1, []byte(key))
				if !ok {
					return "absent"
				}
				return fmt.Sprint(v)
			}
			app := func(key string, xs ...int64) { state.Append(s, 1, []byte(key), xs, concat) }
			app("a", 1)
			app("a", 2)
			if g := get("a"); g != "[1 2]" {
				t.Errorf("after two appends a = %s, want [1 2]", g)
			}
			s.Put(1, []byte("a"), []int64{9})
			app("a", 3)
			if g := get("a"); g != "[9 3]" {
				t.Errorf("after put and append a = %s, want [9 3]", g)
			}
			app("b", 4)
			s.Delete(1, []byte("b"))
			if g := get("b"); g != "absent" {
				t.Errorf("after append and delete b = %s, want absent", g)
			}
			app("b", 5, 6)
			if pb, ok := b.(*Backend); ok {
				if err := pb.Flush(); err != nil {
					t.Fatal(err)
				}
			}
			app("a", 7)
			var keys []string
			s.Range(1, func(k []byte, v []int64) bool {
				keys = append(keys, fmt.Sprint(string(k), v))
				return true
			})
			slices.Sort(keys)
			if want := []string{"a[9 3 7]", "b[5 6]"}; !slices.Equal(keys, want) {
				t.Errorf("Range = %v, want %v", keys, want)
			}
			s.DropNamespace(1)
			if g := get("a"); g != "absent" || s.Len() != 0 {
				t.Errorf("after DropNamespace a = %s, Len %d; want absent, 0", g, s.Len())
			}
		})
	}
}

// Appended values survive a checkpoint and restore, as one entry per key.
func TestAppendRestore(t *testing.T) {
	b := newTestBackend(t)
	s, err := state.NewStore[[]int64](b, "list", listCodec{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range int64(3) {
		state.Append(s, 5, []byte("x"), []int64{i}, concat)
	}
	dir := t.TempDir()
	files, err := b.(*Backend).Snapshot(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := reopen(t, dir, files, fullGroups)
	s2, err := state.NewStore[[]int64](r, "list", listCodec{})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := s2.Get(5, []byte("x")); !ok || fmt.Sprint(v) != "[0 1 2]" || s2.Len() != 1 {
		t.Errorf("restored x = %v (%t), Len %d; want [0 1 2], Len 1", v, ok, s2.Len())
	}
}
