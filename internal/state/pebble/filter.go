package pebble

import (
	"encoding/binary"
	"hash/maphash"
	"sync/atomic"

	"github.com/sluicehq/sluice/internal/state"
)

// keyFilter is an in-memory membership filter over the encoded keys a
// table has written: when it says a key is absent, it is, and the table
// skips the Pebble lookup. That lookup is most of the cost of a new key
// (every new group of an aggregate, every new row of a join): a miss
// searches the indexed batch, both memtables and a bloom filter per SST.
//
// It is a growing chain of split-block bloom filters (each key sets one bit
// in each of the eight 64-bit words of one 64-byte block, so a test costs
// one cache line per filter): when the newest filter holds its capacity of
// keys, a filter of twice the capacity is added; tests check every filter.
// At bitsPerKey bits a key (16), about 0.3% of absent keys still go to
// Pebble with a chain of a few blooms, 0.5% at 10 million keys (eight
// blooms); 12 bits let 2.3% through there, and a false positive costs a
// full Pebble miss (indexed batch, memtables, a bloom per SST), more than
// the filter's extra 4 bits a key save.
// Deleted keys stay in the filter (they cost a lookup, as before); the
// table rebuilds the filter from its live keys when the keys added exceed
// twice its entries (table.maybeRebuildFilter), so namespaces dropped by
// windows do not grow it without bound.
type keyFilter struct {
	blooms []*splitBloom
	added  int // keys added since the filter was (re)built
	// restored, after a fast restore, holds the keys the restore made
	// visible once a background scan has hashed them; until then the
	// filter rules nothing out.
	restored *restoredBloom
}

// restoredBloom holds a fast restore's keys: one bloom per key group of
// the instance, each published by the scan that builds them
// (DB.scanFilters) as it passes the group, so lookups in the groups
// scanned already skip Pebble while it goes on.
type restoredBloom struct {
	start  int // the instance's first key group
	groups []atomic.Pointer[splitBloom]
}

func newRestoredBloom(groups state.KeyGroupRange) *restoredBloom {
	return &restoredBloom{start: groups.Start, groups: make([]atomic.Pointer[splitBloom], groups.End-groups.Start+1)}
}

// mayContain reports false only if the encoded key k, of filterHash h, is
// not among the restored keys.
func (r *restoredBloom) mayContain(k []byte, h uint64) bool {
	if len(k) < uidLen+groupLen {
		return true
	}
	g := int(binary.BigEndian.Uint16(k[uidLen:])) - r.start
	if g < 0 || g >= len(r.groups) {
		return true
	}
	b := r.groups[g].Load()
	return b == nil || b.mayContain(h)
}

// ready reports whether every key group's bloom is published.
func (r *restoredBloom) ready() bool {
	for i := range r.groups {
		if r.groups[i].Load() == nil {
			return false
		}
	}
	return true
}

const (
	bitsPerKey     = 16
	filterFirstCap = 1 << 16 // keys the first bloom holds
)

var filterSeed = maphash.MakeSeed()

func newKeyFilter() *keyFilter { return &keyFilter{} }

func filterHash(k []byte) uint64 { return maphash.Bytes(filterSeed, k) }

// newKeyFilterSized returns a filter whose first bloom holds n keys (at
// least filterFirstCap): Restore sizes it to the keys it copied.
func newKeyFilterSized(n int) *keyFilter {
	return &keyFilter{blooms: []*splitBloom{newBloom(max(n, filterFirstCap))}}
}

// add records k.
func (f *keyFilter) add(k []byte) { f.addHash(filterHash(k)) }

// addHash records the key of filterHash h.
func (f *keyFilter) addHash(h uint64) {
	n := len(f.blooms)
	if n == 0 || f.blooms[n-1].n >= f.blooms[n-1].cap {
		c := filterFirstCap
		if n > 0 {
			c = 2 * f.blooms[n-1].cap
		}
		f.blooms = append(f.blooms, newBloom(c))
		n++
	}
	f.blooms[n-1].add(h)
	f.added++
}

// mayContain reports false only if k was never added.
func (f *keyFilter) mayContain(k []byte) bool {
	h := filterHash(k)
	if f.restored != nil && f.restored.mayContain(k, h) {
		return true
	}
	for i := len(f.blooms) - 1; i >= 0; i-- {
		if f.blooms[i].mayContain(h) {
			return true
		}
	}
	return false
}

// splitBloom is one split-block bloom filter.
type splitBloom struct {
	words  []uint64 // blocks of 8 words
	blocks uint64
	n, cap int
}

func newBloom(capacity int) *splitBloom {
	blocks := (capacity*bitsPerKey + 511) / 512
	return &splitBloom{words: make([]uint64, 8*blocks), blocks: uint64(blocks), cap: capacity}
}

// salts pick a key's bit in each word (as Parquet's split-block filter).
var salts = [8]uint32{0x47b6137b, 0x44974d91, 0x8824ad5b, 0xa2b7289d,
	0x705495c7, 0x2df1424b, 0x9efc4947, 0x5c6bfb31}

func (b *splitBloom) block(h uint64) []uint64 {
	i := (h >> 32) * b.blocks >> 32 // the high half picks the block
	return b.words[i*8 : i*8+8 : i*8+8]
}

func (b *splitBloom) add(h uint64) {
	blk := b.block(h)
	x := uint32(h)
	for i := range blk {
		blk[i] |= 1 << ((x * salts[i]) >> 26)
	}
	b.n++
}

func (b *splitBloom) mayContain(h uint64) bool {
	blk := b.block(h)
	x := uint32(h)
	for i := range blk {
		if blk[i]&(1<<((x*salts[i])>>26)) == 0 {
			return false
		}
	}
	return true
}
