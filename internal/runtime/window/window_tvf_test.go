package window

import (
	"errors"
	"testing"

	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/runtime/optest"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/types"
)

func newTVF(t *testing.T, w plan.Window) *optest.Harness {
	n := plan.NewWindowTVF(in, w)
	return newHarness(t, NewWindowTVF(n), n.Schema(), -1)
}

func TestWindowTVFEmitsImmediately(t *testing.T) {
	h := newTVF(t, tumble(10, 0))
	h.Send(0, -1, types.Insert, r("a", 1, 12))
	h.Expect("+I[a, 1, 12, 10, 20, 19]")

	h = newTVF(t, hop(10, 5, 0))
	h.Send(0, -1, types.Insert, r("a", 1, 12), types.Row{types.StringValue("n"), types.IntValue(0), types.Value{}})
	// Latest window first, as Flink's SlidingWindowAssigner; the NULL-time
	// row is dropped.
	h.Expect("+I[a, 1, 12, 10, 20, 19]", "+I[a, 1, 12, 5, 15, 14]")

	h = newTVF(t, cumulate(6, 2, 0))
	h.Send(0, 5, types.Insert, r("a", 1, 3)) // never late in a TVF
	h.WM(7)
	h.Expect("+I[a, 1, 3, 0, 4, 3]", "+I[a, 1, 3, 0, 6, 5]", "WM 7")
}

func TestSessionTVFNotSupported(t *testing.T) {
	n := plan.NewWindowTVF(in, plan.Window{Kind: plan.Session, TimeCol: tsCol, Gap: ms})
	ctx := &operator.Context{Name: "T", State: state.NewHeap(), Metrics: operator.NewMetrics()}
	if err := NewWindowTVF(n).Open(ctx, nil); !errors.Is(err, ErrSessionTVF) {
		t.Errorf("err = %v", err)
	}
}
