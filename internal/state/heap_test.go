package state_test

import (
	"testing"

	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/state/statetest"
)

func TestHeapConformance(t *testing.T) {
	statetest.Run(t, func(*testing.T) state.Backend { return state.NewHeap() })
}
