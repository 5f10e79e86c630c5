package state_test

import (
	"path/filepath"
	"testing"

	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/state/statetest"
)

func TestHeapConformance(t *testing.T) {
	statetest.Run(t, func(*testing.T) state.Backend { return state.NewHeap() })
}

func TestHeapSnapshotConformance(t *testing.T) {
	statetest.RunSnapshot(t, func(*testing.T) state.Backend { return state.NewHeap() },
		func(t *testing.T, dir string, files []string, kg state.KeyGroupRange) state.Backend {
			var paths []string
			for _, f := range files {
				paths = append(paths, filepath.Join(dir, f))
			}
			h, err := state.RestoreHeap(paths, kg, state.DefaultMaxParallelism)
			if err != nil {
				t.Fatal(err)
			}
			return h
		})
}
