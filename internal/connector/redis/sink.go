package redis

import (
	"context"

	goredis "github.com/redis/go-redis/v9"
	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/types"
)

// Sink upserts rows into Redis by primary key.
type Sink struct{ t *table }

var _ connector.Sink = (*Sink)(nil)

// NewSink validates a redis table's options and returns its sink.
func NewSink(ctx connector.CreateContext) (*Sink, error) {
	t, err := newTable(ctx)
	if err != nil {
		return nil, err
	}
	if !t.hash {
		if _, err := t.format.NewEncoder(t.valueSch); err != nil {
			return nil, t.errorf("format '%s' of the value columns: %v", t.format.Format.Name, err)
		}
	}
	return &Sink{t: t}, nil
}

// Accepts reports Upsert: +I/+U write the row, -D deletes its key, -U is
// skipped (the +U that follows replaces the row).
func (s *Sink) Accepts() connector.ChangelogMode { return connector.Upsert }

// Open starts a writer with its own connection pool.
func (s *Sink) Open(ctx context.Context, subtask, parallelism int) (connector.Writer, error) {
	w := &writer{t: s.t, ctx: ctx, c: s.t.client()}
	if !s.t.hash {
		enc, err := s.t.format.NewEncoder(s.t.valueSch)
		if err != nil {
			return nil, s.t.errorf("format '%s': %v", s.t.format.Format.Name, err)
		}
		w.enc = enc
	}
	return w, nil
}

type writer struct {
	t    *table
	ctx  context.Context
	c    *goredis.Client
	enc  connector.Encoder
	key  []byte
	vrow types.Row
}

// Write applies the batch in one MULTI/EXEC transaction, so a lookup sees
// a row either before or after a batch's change, never half of it.
func (w *writer) Write(b *types.Batch) error {
	t := w.t
	pipe := w.c.TxPipeline()
	n := 0
	for i, row := range b.Rows {
		kind := b.Kinds[i]
		if kind == types.UpdateBefore {
			continue
		}
		for _, c := range t.pk {
			if row[c].IsNull() {
				return t.errorf("a row to write has NULL in key column '%s'; Redis keys cannot hold NULL", t.schema.Fields[c].Name)
			}
		}
		w.key = t.appendKey(w.key[:0], func(j int) types.Value { return row[t.pk[j]] })
		key := string(w.key)
		n++
		if kind == types.Delete {
			pipe.Del(w.ctx, key)
			continue
		}
		if !t.hash {
			w.vrow = w.vrow[:0]
			for _, c := range t.values {
				w.vrow = append(w.vrow, row[c])
			}
			val, err := w.enc.Encode(nil, types.Insert, w.vrow)
			if err != nil {
				return t.errorf("encoding the row of key '%s': %v", key, err)
			}
			pipe.Set(w.ctx, key, val, 0)
			continue
		}
		fields := make([]any, 0, 2*len(t.values))
		for _, c := range t.values {
			if v := row[c]; !v.IsNull() {
				fields = append(fields, t.schema.Fields[c].Name, string(appendText(nil, v, t.schema.Fields[c].Type)))
			}
		}
		pipe.Del(w.ctx, key)
		if len(fields) == 0 {
			return t.errorf("the row of key '%s' has NULL in every value column, which a Redis hash cannot hold", key)
		}
		pipe.HSet(w.ctx, key, fields...)
	}
	if n == 0 {
		return nil
	}
	if _, err := pipe.Exec(w.ctx); err != nil {
		return t.redisError("writing", err)
	}
	return nil
}

func (w *writer) Close() error { return w.c.Close() }
