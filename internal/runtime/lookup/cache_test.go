package lookup

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

func partialHarness(t *testing.T, f *fakeSource, opts map[string]string) *harness {
	o := map[string]string{"lookup.cache": "PARTIAL"}
	for k, v := range opts {
		o[k] = v
	}
	return newHarness(t, newPlan(plan.InnerJoin, newTable(t, o, srcs(f)), nil), DefaultAsync)
}

func abc() *fakeSource { return newFake(dim("a", "x", 1), dim("b", "y", 2), dim("c", "z", 3)) }

// Cached keys are not requested again; hits and misses are counted.
func TestPartialCacheHits(t *testing.T) {
	f := abc()
	h := partialHarness(t, f, nil)
	h.process(in(1, "a", 0), in(2, "b", 0))
	h.drain()
	h.process(in(3, "a", 0), in(4, "b", 0), in(5, "c", 0))
	h.drain()
	if got, want := f.callLog(), "a,b|c"; got != want {
		t.Errorf("calls %q, want %q", got, want)
	}
	h.expect("+I[1, a, 0, a, x, 1]", "+I[2, b, 0, b, y, 2]", "+I[3, a, 0, a, x, 1]", "+I[4, b, 0, b, y, 2]", "+I[5, c, 0, c, z, 3]")
	if s := h.j.Stats(); s.CacheHits != 2 || s.CacheMisses != 3 || s.CachedKeys != 3 {
		t.Errorf("stats %+v, want 2 hits, 3 misses, 3 keys", s)
	}
}

// With max-rows 2 the least recently used key is evicted.
func TestPartialCacheEviction(t *testing.T) {
	f := abc()
	h := partialHarness(t, f, map[string]string{"lookup.partial-cache.max-rows": "2"})
	for _, k := range []string{"a", "b", "c", "a", "c", "b"} {
		h.process(in(1, k, 0))
		h.drain()
	}
	// a, b: misses; c evicts a; a evicts b; c hits (so a is now the
	// least recent); b evicts a.
	if got, want := f.callLog(), "a|b|c|a|b"; got != want {
		t.Errorf("calls %q, want %q", got, want)
	}
	if s := h.j.Stats(); s.CachedKeys != 2 {
		t.Errorf("%d keys cached, want 2", s.CachedKeys)
	}
}

// expire-after-write counts from the lookup, on the operator clock; a hit
// does not extend it.
func TestPartialCacheExpireAfterWrite(t *testing.T) {
	f := abc()
	h := partialHarness(t, f, map[string]string{"lookup.partial-cache.expire-after-write": "10 s"})
	h.process(in(1, "a", 0))
	h.drain()
	h.advance(9 * time.Second)
	h.process(in(2, "a", 0))
	h.drain()
	h.advance(2 * time.Second) // 11 s after the write
	h.process(in(3, "a", 0))
	h.drain()
	if got, want := f.callLog(), "a|a"; got != want {
		t.Errorf("calls %q, want %q", got, want)
	}
}

// expire-after-access counts from the last hit.
func TestPartialCacheExpireAfterAccess(t *testing.T) {
	f := abc()
	h := partialHarness(t, f, map[string]string{"lookup.partial-cache.expire-after-access": "10 s"})
	for _, step := range []time.Duration{0, 9 * time.Second, 9 * time.Second, 11 * time.Second} {
		h.advance(step)
		h.process(in(1, "a", 0))
		h.drain()
	}
	if got, want := f.callLog(), "a|a"; got != want {
		t.Errorf("calls %q, want %q", got, want)
	}
}

// Keys with no row are cached unless cache-missing-key is false.
func TestPartialCacheMissingKeys(t *testing.T) {
	for _, c := range []struct{ missing, want string }{{"true", "z"}, {"false", "z|z"}} {
		f := abc()
		h := partialHarness(t, f, map[string]string{"lookup.partial-cache.cache-missing-key": c.missing})
		h.process(in(1, "z", 0))
		h.drain()
		h.process(in(2, "z", 0))
		h.drain()
		if got := f.callLog(); got != c.want {
			t.Errorf("cache-missing-key %s: calls %q, want %q", c.missing, got, c.want)
		}
		h.expect()
	}
}

func manyKeys(n int) []types.Row {
	var rows []types.Row
	for i := 0; i < n; i++ {
		k := string(rune('a'+i%26)) + string(rune('a'+i/26))
		rows = append(rows, dim(k, "v1", int64(i)))
	}
	return rows
}

// Two FULL-cache instances each hold exactly their shard (InShard) of the
// table, answer their keys without requests, and together hold it all.
func TestFullCacheSharded(t *testing.T) {
	rows := manyKeys(40)
	f := newFake(rows...)
	tab := newTable(t, map[string]string{"lookup.cache": "FULL"}, map[string]connector.LookupSource{"a": fakeScanner{f}})
	var hs []*harness
	for sub := 0; sub < 2; sub++ {
		h, err := tryHarness(t, newPlan(plan.InnerJoin, tab, nil), DefaultAsync, sub, 2)
		if err != nil {
			t.Fatal(err)
		}
		hs = append(hs, h)
	}
	total := 0
	var buf []byte
	for sub, h := range hs {
		idx := *h.j.full.index.Load()
		for _, rs := range idx {
			for _, r := range rs {
				var ok bool
				ok, buf = connector.InShard(r, []int{0}, sub, 2, buf)
				if !ok {
					t.Errorf("instance %d holds %v of another shard", sub, r)
				}
				total++
			}
		}
		if len(idx) == 0 || len(idx) == 40 {
			t.Errorf("instance %d holds %d keys, want a part", sub, len(idx))
		}
	}
	if total != 40 {
		t.Errorf("instances hold %d rows together, want 40", total)
	}
	// Each key joins on its instance, with no request.
	for _, r := range rows {
		ok, _ := connector.InShard(r, []int{0}, 0, 2, nil)
		h := hs[1]
		if ok {
			h = hs[0]
		}
		h.process(in(1, r[0].S, 0))
		want := "+I[1, " + r[0].S + ", 0, " + r[0].S + ", v1, " + types.FormatPrint(r[2], types.BigIntType) + "]"
		h.expect(want)
	}
	if n := f.nCalls(); n != 0 {
		t.Errorf("%d lookup calls with a FULL cache, want 0", n)
	}
}

// A reload builds the new copy while lookups read the old one, then swaps.
func TestFullCacheReloadSwaps(t *testing.T) {
	f := newFake(dim("a", "old", 1), dim("b", "old", 2))
	h := newHarness(t, newPlan(plan.InnerJoin, newTable(t, map[string]string{"lookup.cache": "FULL"}, map[string]connector.LookupSource{"a": fakeScanner{f}}), nil), DefaultAsync)
	f.set(dim("a", "new", 1), dim("b", "new", 2))
	gate := make(chan struct{})
	f.mu.Lock()
	f.scanGate = gate
	f.mu.Unlock()
	done := make(chan error)
	go func() { done <- h.j.full.reload(context.Background()) }()
	h.process(in(1, "a", 0), in(2, "b", 0)) // the reload is stuck after its first row
	h.expect("+I[1, a, 0, a, old, 1]", "+I[2, b, 0, b, old, 2]")
	close(gate)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	h.process(in(3, "a", 0), in(4, "b", 0))
	h.expect("+I[3, a, 0, a, new, 1]", "+I[4, b, 0, b, new, 2]")
	if s := h.j.Stats(); s.FullLoads != 2 || s.FullRows != 2 {
		t.Errorf("stats %+v, want 2 loads of 2 rows", s)
	}
}

// A scan that fails halfway is retried from scratch: the rows of the
// failed attempt are not kept twice.
func TestFullCacheRetriedScanKeepsNoDuplicates(t *testing.T) {
	f := newFake(dim("a", "v", 1), dim("b", "v", 2), dim("c", "v", 3))
	f.scanFailAfter = 2
	h := newHarness(t, newPlan(plan.InnerJoin, newTable(t, map[string]string{"lookup.cache": "FULL"}, map[string]connector.LookupSource{"a": fakeScanner{f}}), nil), DefaultAsync)
	if s := h.j.Stats(); s.FullRows != 3 {
		t.Errorf("%d rows cached after a retried scan, want 3", s.FullRows)
	}
	h.process(in(1, "a", 0))
	h.expect("+I[1, a, 0, a, v, 1]")
}

// A FULL cache needs a source that can scan.
func TestFullCacheNeedsScanner(t *testing.T) {
	_, err := tryHarness(t, newPlan(plan.InnerJoin, newTable(t, map[string]string{"lookup.cache": "FULL"}, srcs(abc())), nil), DefaultAsync, 0, 1)
	if err == nil || !strings.Contains(err.Error(), "lookup table 'dim': connector 'fake' cannot load a whole table") {
		t.Errorf("got %v", err)
	}
}

func TestReloadSchedule(t *testing.T) {
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	periodic := reloadSchedule{interval: time.Hour}
	if got := periodic.next(at("2024-01-01T05:10:00Z"), at("2024-01-01T05:10:00Z")); !got.Equal(at("2024-01-01T06:10:00Z")) {
		t.Errorf("PERIODIC: %v", got)
	}
	timed := reloadSchedule{timed: true, atTime: 2 * time.Hour, days: 1}
	for _, c := range []struct{ last, want string }{
		{"2024-01-01T01:00:00Z", "2024-01-01T02:00:00Z"},
		{"2024-01-01T05:00:00Z", "2024-01-02T02:00:00Z"},
	} {
		if got := timed.next(at(c.last), at(c.last)); !got.Equal(at(c.want)) {
			t.Errorf("TIMED after %s: %v, want %s", c.last, got, c.want)
		}
	}
	timed.days = 3
	if got := timed.next(at("2024-01-01T05:00:00Z"), at("2024-01-01T05:00:00Z")); !got.Equal(at("2024-01-04T02:00:00Z")) {
		t.Errorf("TIMED every 3 days: %v", got)
	}
}

// A connector that can only load whole tables (LookupFullCacheOnly, as
// filesystem) gets a FULL cache with 'lookup.cache' unset or NONE: rows
// join without a single Lookup call. PARTIAL is refused at Open.
func TestFullCacheOnlyConnector(t *testing.T) {
	for _, opts := range []map[string]string{{}, {"lookup.cache": "NONE"}, {"lookup.cache": "FULL"}} {
		f := newFake(dim("a", "x", 1), dim("b", "y", 2))
		tab := newTable(t, opts, map[string]connector.LookupSource{"a": fakeScanner{f}})
		tab.Connector.LookupFullCacheOnly = true
		h := newHarness(t, newPlan(plan.InnerJoin, tab, nil), DefaultAsync)
		if h.j.full == nil {
			t.Fatalf("options %v: no FULL cache", opts)
		}
		h.process(in(1, "a", 0), in(2, "c", 0), in(3, "b", 0))
		h.expect("+I[1, a, 0, a, x, 1]", "+I[3, b, 0, b, y, 2]")
		if n := f.nCalls(); n != 0 {
			t.Errorf("options %v: %d lookup calls, want 0", opts, n)
		}
	}
	tab := newTable(t, map[string]string{"lookup.cache": "PARTIAL"}, map[string]connector.LookupSource{"a": fakeScanner{newFake()}})
	tab.Connector.LookupFullCacheOnly = true
	_, err := tryHarness(t, newPlan(plan.InnerJoin, tab, nil), DefaultAsync, 0, 1)
	if err == nil || !strings.Contains(err.Error(), "lookup table 'dim': option 'lookup.cache' = 'PARTIAL' is not possible") {
		t.Errorf("PARTIAL on a full-cache-only connector: got %v", err)
	}
}
