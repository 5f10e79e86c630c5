package pebble

import (
	"encoding/binary"
	"testing"
)

// Pebble reserves its memtables' memory out of the block cache's capacity:
// with both memtables full, blocks read from SSTs must still stay cached
// (a cache sized without the memtables was left empty, and every lookup
// read and decompressed its block from the file).
func TestBlockCacheSurvivesFullMemtables(t *testing.T) {
	const mem = 16 << 20
	d := openDB(t, mem)
	b := backend(t, d, fullGroups)
	st, err := b.Table("s")
	if err != nil {
		t.Fatal(err)
	}
	key := func(i int) []byte { return binary.BigEndian.AppendUint64(nil, uint64(i)) }
	val := make([]byte, 100)
	n := 0
	// Write until the first keys are in an SST and both memtables have
	// filled since (memtables are Memory/4 each).
	for ; d.db.Metrics().Flush.Count < 3; n++ {
		if n > 2_000_000 {
			t.Fatalf("no memtable flush after %d puts of %d bytes", n, len(val))
		}
		st.Put(0, key(n), val)
		if n%10_000 == 0 {
			if err := b.Flush(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, ok := st.Get(0, key(i)); !ok {
			t.Fatalf("key %d missing", i)
		}
	}
	hits := d.db.Metrics().BlockCache.Hits
	for i := range 3 {
		st.Get(0, key(i))
	}
	if got := d.db.Metrics().BlockCache.Hits; got == hits {
		t.Errorf("reading %d flushed keys again hit the block cache 0 times (cache %d bytes in use): the memtables' reservation starves it",
			3, d.db.Metrics().BlockCache.Size)
	}
}
