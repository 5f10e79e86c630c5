package pebble

import (
	"fmt"
	"testing"
)

// Reads skip the indexed batch only when it cannot hold the key: a key set
// in the batch, or any batch holding a delete or a range deletion, is read
// through the batch.
func TestGetSkipsBatchOnlyWhenSafe(t *testing.T) {
	b := backend(t, openDB(t, 16<<20), fullGroups)
	st, err := b.Table("s")
	if err != nil {
		t.Fatal(err)
	}
	get := func(ns int64, k string) string {
		v, ok := st.Get(ns, []byte(k))
		if !ok {
			return "absent"
		}
		return string(v)
	}
	flush := func() {
		if err := b.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	// More keys than pendingFilter keeps hashes of, then a few: both ways
	// of clearing it at a commit.
	for _, n := range []int{1000, 3} {
		for i := range n {
			st.Put(0, fmt.Appendf(nil, "k%d", i), []byte("old"))
		}
		flush()
		st.Put(0, []byte("other"), []byte("x"))
		if got := get(0, "k0"); got != "old" {
			t.Fatalf("committed key read past a batch without it: %s", got)
		}
		st.Put(0, []byte("k1"), []byte("new"))
		if got := get(0, "k1"); got != "new" {
			t.Fatalf("key set in the batch: got %s, want new", got)
		}
		st.Delete(0, []byte("k2"))
		if got := get(0, "k2"); got != "absent" {
			t.Fatalf("key deleted in the batch: got %s", got)
		}
		flush()
		if got := get(0, "k1"); got != "new" {
			t.Fatalf("after commit: got %s, want new", got)
		}
	}
	st.Put(1, []byte("a"), []byte("v"))
	flush()
	st.Put(0, []byte("other"), []byte("y"))
	st.DropNamespace(1)
	if got := get(1, "a"); got != "absent" {
		t.Fatalf("key of a namespace dropped in the batch: got %s", got)
	}
}
