package blackhole

import (
	"context"
	"sync/atomic"

	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/types"
)

// New returns the 'blackhole' connector. It has no options.
func New() *connector.Factory {
	return &connector.Factory{
		Name:        "blackhole",
		Description: "Discards every row written to it (for benchmarks and tests).",
		Options:     []config.Spec{},
		NewSink: func(connector.CreateContext) (connector.Sink, error) {
			return &Sink{}, nil
		},
	}
}

var (
	_ connector.Sink   = (*Sink)(nil)
	_ connector.Writer = (*writer)(nil)
)

// Sink discards rows and counts them over all its writers.
type Sink struct {
	rows atomic.Int64
}

// Rows is the number of rows written so far, over all writers.
func (s *Sink) Rows() int64 { return s.rows.Load() }

// Accepts every changelog kind.
func (s *Sink) Accepts() connector.ChangelogMode { return connector.All }

// Open returns a writer that counts and discards.
func (s *Sink) Open(context.Context, int, int) (connector.Writer, error) {
	return &writer{sink: s}, nil
}

type writer struct {
	sink *Sink
	n    int64
}

func (w *writer) Write(b *types.Batch) error {
	w.n += int64(b.Len())
	w.sink.rows.Add(int64(b.Len()))
	return nil
}

// Rows is the number of rows this writer discarded.
func (w *writer) Rows() int64 { return w.n }

func (w *writer) Close() error { return nil }
