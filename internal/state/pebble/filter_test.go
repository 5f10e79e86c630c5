package pebble

import (
	"encoding/binary"
	"fmt"
	"testing"
)

func TestKeyFilter(t *testing.T) {
	f := newKeyFilter()
	key := func(i int) []byte { return binary.BigEndian.AppendUint64([]byte("k"), uint64(i)) }
	const n = 300_000 // several blooms of the chain
	for i := 0; i < n; i++ {
		f.add(key(i))
	}
	if len(f.blooms) < 3 {
		t.Fatalf("%d blooms for %d keys, want a chain of at least 3", len(f.blooms), n)
	}
	for i := 0; i < n; i++ {
		if !f.mayContain(key(i)) {
			t.Fatalf("key %d was added but the filter rules it out", i)
		}
	}
	fp := 0
	for i := n; i < 2*n; i++ {
		if f.mayContain(key(i)) {
			fp++
		}
	}
	if rate := float64(fp) / n; rate > 0.004 {
		t.Fatalf("false-positive rate %.4f, want under 0.004 at %d bits a key", rate, bitsPerKey)
	}
}

// TestTableFilter: a table's filter never hides a key — after a commit in
// key order, after deletes and re-puts, across a rebuild (more writes than
// twice the live entries) and after a restore — and Len stays exact.
func TestTableFilter(t *testing.T) {
	d := openDB(t, 64<<20)
	b := backend(t, d, fullGroups)
	tb, err := b.Table("s")
	if err != nil {
		t.Fatal(err)
	}
	tab := tb.(*table)
	k := func(i int) []byte { return []byte(fmt.Sprintf("key-%d", i)) }
	// Rounds of: put 0..9999 (ns round), delete them all but every tenth.
	const rounds, per = 30, 10_000
	for r := 0; r < rounds; r++ {
		for i := 0; i < per; i++ {
			tab.Put(int64(r), k(i), []byte{byte(r), 1})
			tab.Put(int64(r), k(i), []byte{byte(r), 2}) // overwritten in the same batch
		}
		for i := 0; i < per; i++ {
			if i%10 != 0 {
				tab.Delete(int64(r), k(i))
			}
		}
	}
	want := rounds * per / 10
	if tab.Len() != want {
		t.Fatalf("Len %d, want %d", tab.Len(), want)
	}
	// 300,000 new keys were written; rebuilt past 2×Len+filterFirstCap
	// (Len peaks at 3,000 + 10,000 per round), the filter holds far fewer.
	if tab.filter.added >= 2*(want+per)+filterFirstCap+per {
		t.Fatalf("filter took %d keys for %d entries: it was not rebuilt", tab.filter.added, want)
	}
	check := func(tab *table) {
		t.Helper()
		for r := 0; r < rounds; r++ {
			for i := 0; i < per; i++ {
				v, ok := tab.Get(int64(r), k(i))
				if i%10 != 0 {
					if ok {
						t.Fatalf("ns %d key %d: deleted, Get found %v", r, i, v)
					}
					continue
				}
				if !ok || v[0] != byte(r) || v[1] != 2 {
					t.Fatalf("ns %d key %d: Get = %v, %v; want [%d 2]", r, i, v, ok, r)
				}
			}
		}
	}
	check(tab)
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	check(tab)

	dir := t.TempDir()
	files, err := b.Snapshot(dir)
	if err != nil {
		t.Fatal(err)
	}
	rb := reopen(t, dir, files, fullGroups).(*Backend)
	rt, err := rb.Table("s")
	if err != nil {
		t.Fatal(err)
	}
	if rt.Len() != want {
		t.Fatalf("restored Len %d, want %d", rt.Len(), want)
	}
	check(rt.(*table))
	// A restored key is found, so re-putting it does not count it again.
	rt.Put(0, k(0), []byte{0, 2})
	if rt.Len() != want {
		t.Fatalf("Len %d after re-putting a restored key, want %d", rt.Len(), want)
	}
}
