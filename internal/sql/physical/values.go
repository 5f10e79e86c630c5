package physical

import (
	"context"
	"io"

	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/runtime/task"
	"github.com/sluicehq/sluice/internal/sql/functions"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

// values plans a constant relation as a one-split bounded source.
func (p *planner) values(x *plan.Values) (*task.Vertex, error) {
	rows := make([][]functions.Eval, len(x.Rows))
	for i, r := range x.Rows {
		evs, err := operator.CompileAll(r)
		if err != nil {
			return nil, err
		}
		rows[i] = evs
	}
	v := p.newVertex("Source: Values", 1)
	v.Source = &task.SourceSpec{Table: "VALUES", Key: ordinal(p.scans, "VALUES"), Source: &valuesSource{rows: rows}, Schema: x.Schema(), Describe: x.Describe()}
	v.Schema, v.Mode = x.Schema(), plan.AppendOnly
	return v, nil
}

type valuesSource struct{ rows [][]functions.Eval }

type valuesSplit struct{}

func (valuesSplit) ID() string { return "values" }

func (s *valuesSource) Bounded() bool { return true }
func (s *valuesSource) Splits(int) ([]connector.Split, error) {
	return []connector.Split{valuesSplit{}}, nil
}
func (s *valuesSource) Open(context.Context, connector.Split) (connector.Reader, error) {
	return &valuesReader{rows: s.rows}, nil
}

type valuesReader struct {
	rows [][]functions.Eval
	next int
}

func (r *valuesReader) Read(_ context.Context, b *types.Batch, max int) error {
	for ; r.next < len(r.rows) && b.Len() < max; r.next++ {
		evs := r.rows[r.next]
		row := b.Alloc(len(evs))
		for i, e := range evs {
			row[i] = e(nil)
		}
		b.Append(types.Insert, row)
	}
	if r.next >= len(r.rows) {
		return io.EOF
	}
	return nil
}

func (r *valuesReader) Close() error { return nil }
