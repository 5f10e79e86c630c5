package pebble

import (
	"encoding/binary"
	"testing"

	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/types"
)

// Backends compared: the heap and pebble (256 MB budget), 1M keys, 16-byte
// values. Run: go test -run - -bench . ./internal/state/pebble/
// The 50M-key GROUP BY figure comes from cmd/stategroupby.

const benchKeys = 1 << 20

type acc16 struct{ n, sum int64 }
type acc16Codec struct{}

func (acc16Codec) Encode(dst []byte, v acc16) []byte {
	dst = binary.LittleEndian.AppendUint64(dst, uint64(v.n))
	return binary.LittleEndian.AppendUint64(dst, uint64(v.sum))
}
func (acc16Codec) Decode(b []byte) (acc16, error) {
	return acc16{int64(binary.LittleEndian.Uint64(b)), int64(binary.LittleEndian.Uint64(b[8:]))}, nil
}

func benchKey(dst []byte, i int) []byte {
	return types.AppendValueKey(dst, types.IntValue(int64(uint64(i)*2654435761%benchKeys)))
}

func benchBackends(b *testing.B, fn func(b *testing.B, s state.Store[acc16], flush func())) {
	b.Run("heap", func(b *testing.B) {
		s, _ := state.NewStore[acc16](state.NewHeap(), "s", acc16Codec{})
		fn(b, s, func() {})
	})
	b.Run("pebble", func(b *testing.B) {
		be := backend(b, openDB(b, DefaultMemory), fullGroups)
		s, _ := state.NewStore[acc16](be, "s", acc16Codec{})
		fn(b, s, func() { be.Flush() })
	})
}

func fillBench(s state.Store[acc16], flush func()) {
	var k []byte
	for i := 0; i < benchKeys; i++ {
		k = benchKey(k[:0], i)
		s.Put(0, k, acc16{1, int64(i)})
	}
	flush()
}

func BenchmarkPut(b *testing.B) {
	benchBackends(b, func(b *testing.B, s state.Store[acc16], flush func()) {
		var k []byte
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			k = benchKey(k[:0], i)
			s.Put(0, k, acc16{1, int64(i)})
		}
		flush()
	})
}

func BenchmarkGet(b *testing.B) {
	benchBackends(b, func(b *testing.B, s state.Store[acc16], flush func()) {
		fillBench(s, flush)
		var k []byte
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			k = benchKey(k[:0], i)
			if _, ok := s.Get(0, k); !ok {
				b.Fatal("missing key")
			}
		}
	})
}

// BenchmarkUpsert is the GROUP BY step: Get, update, Put, over 1M keys.
func BenchmarkUpsert(b *testing.B) {
	benchBackends(b, func(b *testing.B, s state.Store[acc16], flush func()) {
		var k []byte
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			k = benchKey(k[:0], i)
			a, _ := s.Get(0, k)
			a.n++
			a.sum += int64(i)
			s.Put(0, k, a)
		}
		flush()
	})
}
