package blackhole

import (
	"context"
	"testing"

	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/types"
)

func TestBlackhole(t *testing.T) {
	s, err := New().NewSink(connector.CreateContext{Table: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Accepts() != connector.All {
		t.Error("blackhole must accept all changelog kinds")
	}
	w, _ := s.Open(context.Background(), 0, 1)
	b := types.NewBatch(2)
	b.Append(types.Insert, types.Row{types.IntValue(1)})
	b.Append(types.Delete, types.Row{types.IntValue(1)})
	if err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if n := s.(*Sink).Rows(); n != 2 {
		t.Errorf("counted %d rows, want 2", n)
	}
}
