package kafka

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/types"
	"github.com/twmb/franz-go/pkg/kgo"
)

var (
	_ connector.Sink                 = (*sink)(nil)
	_ connector.Writer               = (*writer)(nil)
	_ connector.TwoPhaseCommitWriter = (*flushWriter)(nil)
)

type sink struct {
	t     *table
	topic string
}

func newSink(t *table) (connector.Sink, error) {
	if t.pattern != nil || len(t.topics) != 1 {
		return nil, t.errorf("a sink writes to exactly one 'topic' (not a list nor 'topic-pattern')")
	}
	if t.delivery == "exactly-once" && t.txnPrefix == "" {
		return nil, t.errorf("'sink.delivery-guarantee' = 'exactly-once' needs 'sink.transactional-id-prefix'")
	}
	if t.valueFormat.Format.NewEncoder == nil || t.keyFormat != nil && t.keyFormat.Format.NewEncoder == nil {
		return nil, t.errorf("format cannot be written")
	}
	return &sink{t: t, topic: t.topics[0]}, nil
}

// Accepts: upsert-kafka takes an upsert stream keyed by its primary key; a
// changelog format takes every kind; other formats inserts only.
func (s *sink) Accepts() connector.ChangelogMode {
	switch {
	case s.t.upsert:
		return connector.Upsert
	case s.t.valueFormat.Format.Changelog:
		return connector.All
	}
	return connector.AppendOnly
}

func (s *sink) Open(_ context.Context, subtask, _ int) (connector.Writer, error) {
	w, err := s.newWriter(subtask)
	if err != nil {
		return nil, err
	}
	switch s.t.delivery {
	case "none":
		return w, nil
	case "exactly-once":
		return newTxnWriter(w)
	}
	if w.cl, err = kgo.NewClient(w.clientOpts()...); err != nil {
		return nil, s.t.errorf("%v", err)
	}
	return &flushWriter{w}, nil
}

func (s *sink) newWriter(subtask int) (*writer, error) {
	t := s.t
	w := &writer{s: s, subtask: subtask, keyRow: make(types.Row, len(t.keyCols)), valueRow: make(types.Row, len(t.valueCols))}
	var err error
	if w.value, err = t.valueFormat.NewEncoder(t.valueSchema); err != nil {
		return nil, t.errorf("%v", err)
	}
	if t.keyFormat != nil {
		if w.key, err = t.keyFormat.NewEncoder(t.keySchema); err != nil {
			return nil, t.errorf("%v", err)
		}
	}
	if t.delivery == "none" {
		if w.cl, err = kgo.NewClient(w.clientOpts()...); err != nil {
			return nil, t.errorf("%v", err)
		}
	}
	return w, nil
}

// writer encodes rows into records and produces them asynchronously; the
// first delivery error fails the next Write, Flush or Close.
type writer struct {
	s       *sink
	subtask int
	cl      *kgo.Client
	key     connector.Encoder
	value   connector.Encoder

	keyRow, valueRow types.Row
	sizeHint         int

	mu  sync.Mutex
	err error
}

func (w *writer) clientOpts(extra ...kgo.Opt) []kgo.Opt {
	t := w.s.t
	opts := append(append(append([]kgo.Opt(nil), t.client...), t.producer...), kgo.DefaultProduceTopic(w.s.topic))
	if !strings.EqualFold(t.props["allow.auto.create.topics"], "false") {
		opts = append(opts, kgo.AllowAutoTopicCreation())
	}
	switch t.partitioner {
	case "fixed":
		opts = append(opts, kgo.RecordPartitioner(fixedPartitioner(w.subtask)))
	case "round-robin":
		opts = append(opts, kgo.RecordPartitioner(kgo.RoundRobinPartitioner()))
	}
	return append(opts, extra...)
}

// fixedPartitioner sends writer k's records to partition k mod n, as
// Flink's FlinkFixedPartitioner.
type fixedPartitioner int

func (f fixedPartitioner) ForTopic(string) kgo.TopicPartitioner { return f }
func (f fixedPartitioner) RequiresConsistency(*kgo.Record) bool { return true }
func (f fixedPartitioner) Partition(_ *kgo.Record, n int) int   { return int(f) % n }

func (w *writer) failure() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

func (w *writer) promise(_ *kgo.Record, err error) {
	if err != nil {
		w.mu.Lock()
		if w.err == nil {
			w.err = err
		}
		w.mu.Unlock()
	}
}

func (w *writer) Write(b *types.Batch) error {
	return w.produce(w.cl, b)
}

// produce encodes and sends a batch through cl.
func (w *writer) produce(cl *kgo.Client, b *types.Batch) error {
	if err := w.failure(); err != nil {
		return w.s.t.errorf("writing to topic '%s': %v", w.s.topic, err)
	}
	t := w.s.t
	ctx := context.Background()
	for i, row := range b.Rows {
		kind := b.Kinds[i]
		tombstone := false
		switch {
		case t.upsert && kind == types.UpdateBefore:
			continue // the +U that follows overwrites the key
		case t.upsert && kind == types.Delete:
			tombstone = true
		case !t.upsert && kind != types.Insert && !t.valueFormat.Format.Changelog:
			return t.errorf("the '%s' format is insert-only and cannot write a %s row; use upsert-kafka or a changelog format such as debezium-json", t.valueFormat.Format.Name, kind)
		}
		rec := &kgo.Record{}
		var err error
		if w.key != nil {
			for j, c := range t.keyCols {
				w.keyRow[j] = row[c]
			}
			if rec.Key, err = w.key.Encode(nil, kind, w.keyRow); err != nil {
				return t.errorf("encoding a key: %v", err)
			}
		}
		if !tombstone {
			for j, c := range t.valueCols {
				w.valueRow[j] = row[c]
			}
			if rec.Value, err = w.value.Encode(make([]byte, 0, w.sizeHint), kind, w.valueRow); err != nil {
				return t.errorf("encoding a value: %v", err)
			}
			w.sizeHint = len(rec.Value) + 16
		}
		cl.Produce(ctx, rec, w.promise)
	}
	return nil
}

// flush waits for every record sent through cl to be acknowledged.
func (w *writer) flush(cl *kgo.Client) error {
	if err := cl.Flush(context.Background()); err != nil {
		return w.s.t.errorf("flushing to topic '%s': %v", w.s.topic, err)
	}
	if err := w.failure(); err != nil {
		return w.s.t.errorf("writing to topic '%s': %v", w.s.topic, err)
	}
	return nil
}

func (w *writer) Close() error {
	err := w.flush(w.cl)
	w.cl.Close()
	return err
}

// flushWriter is 'at-least-once': every checkpoint waits for the records
// written before it to be acknowledged, so a restored job loses none.
type flushWriter struct{ *writer }

func (w *flushWriter) PreCommit(int64) ([]byte, error) { return nil, w.flush(w.cl) }
func (w *flushWriter) Commit(int64, [][]byte) error    { return nil }
func (w *flushWriter) Recover([][]byte) error          { return nil }

// String names the writer in errors.
func (w *writer) String() string {
	return fmt.Sprintf("%s sink '%s' writer %d", w.s.t.name, w.s.t.ctx.Table, w.subtask)
}
