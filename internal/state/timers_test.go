package state_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/state/statetest"
)

func TestTimeKeyOrder(t *testing.T) {
	times := []int64{math.MinInt64, -5, -1, 0, 1, 7, math.MaxInt64}
	var prev []byte
	for _, at := range times {
		k := state.AppendTimeKey(nil, at, []byte("k"))
		if prev != nil && string(prev) >= string(k) {
			t.Fatalf("key of %d does not sort after the previous one", at)
		}
		got, key, ok := state.ParseTimeKey(k)
		if !ok || got != at || string(key) != "k" {
			t.Fatalf("ParseTimeKey = %d %q %v, want %d", got, key, ok, at)
		}
		prev = k
	}
}

// Timers fire in (time, key) order in both modes, and the store mode keeps
// them only in the store.
func TestTimersOrder(t *testing.T) {
	for _, mode := range []string{"memory", "store"} {
		t.Run(mode, func(t *testing.T) {
			var b state.Backend = state.NewHeap()
			if mode == "store" {
				b = statetest.NewMemBytes()
			}
			tm, err := state.NewTimers(b, "timers")
			if err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(1, 1))
			type timer struct {
				at  int64
				key string
			}
			var want []timer
			seen := map[timer]bool{}
			for i := 0; i < 300; i++ {
				x := timer{int64(r.IntN(100) - 50), fmt.Sprint(r.IntN(20))}
				if seen[x] {
					continue
				}
				seen[x] = true
				want = append(want, x)
				tm.Register(x.at, []byte(x.key))
			}
			slices.SortFunc(want, func(a, b timer) int {
				if a.at != b.at {
					return int(a.at - b.at)
				}
				return compareStrings(a.key, b.key)
			})
			if tm.Len() != len(want) {
				t.Fatalf("Len = %d, want %d", tm.Len(), len(want))
			}
			for i, w := range want {
				at, key, ok := tm.Peek()
				if !ok || at != w.at || string(key) != w.key {
					t.Fatalf("timer %d: got %d %q %v, want %v", i, at, key, ok, w)
				}
				tm.Pop()
			}
			if _, _, ok := tm.Peek(); ok {
				t.Fatal("timers left after popping all")
			}
		})
	}
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestRangeOrderedHeap(t *testing.T) {
	s, err := state.NewStore[int](state.NewHeap(), "s", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		s.Put(3, []byte{byte(i * 37 % 100)}, i)
	}
	prev := -1
	state.RangeOrdered(s, 3, func(k []byte, _ int) bool {
		if int(k[0]) <= prev {
			t.Fatalf("key %d after %d", k[0], prev)
		}
		prev = int(k[0])
		return true
	})
	if prev != 99 {
		t.Fatalf("last key %d", prev)
	}
}

// OperatorKeys gives one key per key group the backend owns, each in its
// group.
func TestOperatorKeys(t *testing.T) {
	for sub := 0; sub < 4; sub++ {
		r := state.RangeFor(128, 4, sub)
		h := state.NewHeapFor(r, 128)
		got, maxPar, keys, err := state.OperatorKeys(h, "window-meta")
		if err != nil || got != r || maxPar != 128 || len(keys) != r.End-r.Start+1 {
			t.Fatalf("subtask %d: range %v, max %d, %d keys, %v", sub, got, maxPar, len(keys), err)
		}
		for i, k := range keys {
			if g := state.KeyGroup(k, 128); g != r.Start+i {
				t.Fatalf("subtask %d: key %q in group %d, want %d", sub, k, g, r.Start+i)
			}
		}
	}
}
