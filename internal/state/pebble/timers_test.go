package pebble

import (
	"fmt"
	"testing"

	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/types"
)

// Timers in a backend that owns part of the key groups (subtask 1 of 2):
// a timer belongs to the key group of its user key, so every timer of a
// key the subtask owns is found, earliest first. (Placed by the hash of
// the whole (time, key) bytes, most timers fell outside the range and
// never fired.)
func TestTimersInPartOfTheKeyGroups(t *testing.T) {
	sub := state.RangeFor(state.DefaultMaxParallelism, 2, 1)
	d := openDB(t, 64<<20)
	b := backend(t, d, sub)
	tm, err := state.NewTimers(b, "timers")
	if err != nil {
		t.Fatal(err)
	}
	var keys [][]byte
	for i := 0; len(keys) < 40; i++ {
		k := types.AppendValueKey(nil, types.StringValue(fmt.Sprint("k", i)))
		if sub.Contains(state.KeyGroup(k, state.DefaultMaxParallelism)) {
			keys = append(keys, k)
		}
	}
	// Times in reverse key order, so key order and time order differ.
	for i, k := range keys {
		tm.Register(int64(1000-i*10), k)
	}
	if tm.Len() != len(keys) {
		t.Fatalf("%d timers, want %d", tm.Len(), len(keys))
	}
	for i := len(keys) - 1; i >= 0; i-- {
		at, k, ok := tm.Peek()
		if !ok {
			t.Fatalf("timer %d of %d not found", len(keys)-i, len(keys))
		}
		if at != int64(1000-i*10) || string(k) != string(keys[i]) {
			t.Fatalf("peek gave (%d, %x), want (%d, %x)", at, k, 1000-i*10, keys[i])
		}
		tm.Pop()
	}
	if _, _, ok := tm.Peek(); ok {
		t.Fatal("a timer is left after popping all")
	}
}
