package join

import (
	"testing"

	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/state/pebble"
)

// openPebble returns a Pebble backend for one operator instance in dir.
func openPebble(t *testing.T, dir string) state.Backend {
	t.Helper()
	d, err := pebble.Open(pebble.Options{Dir: dir, Memory: 16 << 20})
	if err != nil {
		t.Fatal(err)
	}
	b, err := d.Backend(1, state.KeyGroupRange{Start: 0, End: state.DefaultMaxParallelism - 1}, state.DefaultMaxParallelism)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		b.Close()
		d.Close()
	})
	return b
}
