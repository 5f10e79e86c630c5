package kafka

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/types"
	"github.com/twmb/franz-go/pkg/kgo"
)

var (
	_ connector.CheckpointedReader = (*reader)(nil)
	_ connector.SkipCounter        = (*reader)(nil)
)

// idleWait is how long Read waits for records before returning none.
const idleWait = 50 * time.Millisecond

// nullDecoder is implemented by formats that read a record without a value
// as a row (raw: a NULL column). For other formats such a record holds no
// row, as in Flink.
type nullDecoder interface{ DecodeNull(row types.Row) }

var _ connector.LagReporter = (*reader)(nil)

// Lag is the records between the position and the partition's high
// watermark at the latest fetch (-1 before the first fetch).
func (r *reader) Lag() int64 {
	if r.q == nil {
		return -1
	}
	hw := r.q.hw.Load()
	if hw < 0 {
		return -1
	}
	return max(hw-r.next, 0)
}

// reader reads one partition from its queue in the source's consumer.
type reader struct {
	s    *source
	t    *table
	sp   split
	q    *queue
	next int64 // offset after the last record consumed: the position
	stop int64 // < 0: unbounded
	done bool

	buf []*kgo.Record
	i   int

	value   connector.Decoder
	changes connector.ChangelogDecoder
	key     connector.Decoder // nil unless the key must be decoded
	full    bool              // the value holds every physical column in order
	width   int
	proj    []int
	meta    []string

	phys, valueRow, keyRow types.Row // scratch rows
	pending                []change
	skipped                int64
	timer                  *time.Timer
}

type change struct {
	kind types.RowKind
	row  types.Row
}

func newReader(s *source, sp split, from int64) (*reader, error) {
	t := s.t
	r := &reader{s: s, t: t, sp: sp, next: from, stop: sp.stop, width: t.ctx.Schema.Len(),
		proj: t.ctx.Projection, meta: t.ctx.Metadata}
	var err error
	if r.value, err = t.valueFormat.NewDecoder(t.valueSchema); err != nil {
		return nil, t.errorf("%v", err)
	}
	r.changes, _ = r.value.(connector.ChangelogDecoder)
	r.full = len(t.valueCols) == r.width
	if t.keyFormat != nil && (!r.full || t.upsert) {
		if r.key, err = t.keyFormat.NewDecoder(t.keySchema); err != nil {
			return nil, t.errorf("%v", err)
		}
		r.keyRow = make(types.Row, t.keySchema.Len())
	}
	r.phys = make(types.Row, r.width)
	r.valueRow = make(types.Row, t.valueSchema.Len())
	return r, nil
}

func (r *reader) Skipped() int64 { return r.skipped }

// Position is the offset of the next record to read.
func (r *reader) Position() ([]byte, error) { return encodePosition(r.next), nil }

func (r *reader) Close() error {
	if r.q != nil {
		r.s.consumer.remove(r.q)
		r.q = nil
	}
	return nil
}

func (r *reader) Read(ctx context.Context, b *types.Batch, max int) error {
	n := 0
	for len(r.pending) > 0 && n < max {
		b.Append(r.pending[0].kind, r.pending[0].row)
		r.pending = r.pending[1:]
		n++
	}
	if len(r.pending) > 0 {
		return nil
	}
	if r.done || r.stop >= 0 && r.next >= r.stop {
		r.done = true
		return io.EOF
	}
	waited := false
	for n < max {
		if r.i >= len(r.buf) {
			if n > 0 {
				return nil
			}
			clear(r.buf)
			recs, err := r.q.take(r.buf)
			r.buf, r.i = recs, 0
			if err != nil {
				return r.t.errorf("reading topic '%s' partition %d at offset %d: %v", r.sp.topic, r.sp.partition, r.next, err)
			}
			if len(recs) == 0 {
				if waited {
					return nil
				}
				if err := r.wait(ctx); err != nil {
					return err
				}
				waited = true
				continue
			}
		}
		rec := r.buf[r.i]
		r.i++
		if rec.Offset < r.next {
			continue // a refetch after a pause may repeat records
		}
		if r.stop >= 0 && rec.Offset >= r.stop {
			r.done = true
			return io.EOF
		}
		r.next = rec.Offset + 1
		if !rec.Attrs.IsControl() {
			k, err := r.record(rec, b, max-n)
			if err != nil {
				return err
			}
			n += k
		}
		if r.stop >= 0 && r.next >= r.stop {
			r.done = true
			if len(r.pending) > 0 {
				return nil
			}
			return io.EOF
		}
	}
	return nil
}

// wait blocks until records arrive, idleWait passes or ctx ends.
func (r *reader) wait(ctx context.Context) error {
	if r.timer == nil {
		r.timer = time.NewTimer(idleWait)
	} else {
		r.timer.Reset(idleWait)
	}
	select {
	case <-r.q.wake:
		r.timer.Stop()
	case <-r.timer.C:
	case <-ctx.Done():
		r.timer.Stop()
		return ctx.Err()
	}
	return nil
}

func (r *reader) bad(rec *kgo.Record, format string, err error) error {
	return &connector.BadRecordError{Source: r.t.ctx.Table, Format: format,
		Location: fmt.Sprintf("topic %s partition %d", rec.Topic, rec.Partition),
		Offset:   fmt.Sprintf("offset %d", rec.Offset), Reason: err}
}

// record decodes one record and appends its rows (up to room, the rest
// pending), returning how many it appended.
func (r *reader) record(rec *kgo.Record, b *types.Batch, room int) (int, error) {
	// The fast path: one row, the value is the whole row, no projection.
	if r.changes == nil && r.full && r.key == nil && r.proj == nil && rec.Value != nil {
		row := b.Alloc(r.width + len(r.meta))
		if err := r.value.Decode(rec.Value, row[:r.width]); err != nil {
			return 0, r.failed(rec, r.t.valueFormat.Format.Name, r.value, err)
		}
		r.appendMeta(row[r.width:], rec)
		b.Append(types.Insert, row)
		return 1, nil
	}
	clear(r.phys)
	if r.key != nil && rec.Key != nil {
		clear(r.keyRow)
		if err := r.key.Decode(rec.Key, r.keyRow); err != nil {
			return 0, r.failed(rec, r.t.keyFormat.Format.Name, r.key, err)
		}
		for i, c := range r.t.keyCols {
			r.phys[c] = r.keyRow[i]
		}
	}
	if r.t.upsert {
		return r.upsert(rec, b, room)
	}
	if rec.Value == nil {
		nd, ok := r.value.(nullDecoder)
		if !ok {
			return 0, nil // no value, no row (as Flink's formats)
		}
		clear(r.valueRow)
		nd.DecodeNull(r.valueRow)
		r.spread(r.valueRow)
		return r.emit(b, room, types.Insert, r.phys, rec, 0), nil
	}
	if r.changes != nil {
		n := 0
		err := r.changes.DecodeChangelog(rec.Value, func(kind types.RowKind, row types.Row) {
			r.spread(row)
			n = r.emit(b, room, kind, r.phys, rec, n)
		})
		if err != nil {
			return 0, r.failed(rec, r.t.valueFormat.Format.Name, r.value, err)
		}
		return min(n, room), nil
	}
	clear(r.valueRow)
	if err := r.value.Decode(rec.Value, r.valueRow); err != nil {
		return 0, r.failed(rec, r.t.valueFormat.Format.Name, r.value, err)
	}
	r.spread(r.valueRow)
	return r.emit(b, room, types.Insert, r.phys, rec, 0), nil
}

// failed turns a decoding error into a BadRecordError, or counts and skips
// the record when the format ignores parse errors.
func (r *reader) failed(rec *kgo.Record, format string, dec connector.Decoder, err error) error {
	if errors.Is(err, connector.ErrSkipRecord) {
		return nil
	}
	if dec.IgnoreParseErrors() {
		r.skipped++
		return nil
	}
	return r.bad(rec, format, err)
}

// spread copies the value columns into the physical row.
func (r *reader) spread(value types.Row) {
	for i, c := range r.t.valueCols {
		r.phys[c] = value[i]
	}
}

// emit appends the projection of phys with the metadata as the n-th row of
// a record: into b while there is room, else to pending. It returns n+1.
func (r *reader) emit(b *types.Batch, room int, kind types.RowKind, phys types.Row, rec *kgo.Record, n int) int {
	width := r.width
	if r.proj != nil {
		width = len(r.proj)
	}
	var out types.Row
	if n < room {
		out = b.Alloc(width + len(r.meta))
	} else {
		out = make(types.Row, width+len(r.meta))
	}
	if r.proj == nil {
		copy(out, phys)
	} else {
		for i, p := range r.proj {
			out[i] = phys[p]
		}
	}
	r.appendMeta(out[width:], rec)
	if n < room {
		b.Append(kind, out)
	} else {
		r.pending = append(r.pending, change{kind, out})
	}
	return n + 1
}

func (r *reader) appendMeta(dst types.Row, rec *kgo.Record) {
	for i, m := range r.meta {
		switch m {
		case "topic":
			dst[i] = types.StringValue(rec.Topic)
		case "partition":
			dst[i] = types.IntValue(int64(rec.Partition))
		case "offset":
			dst[i] = types.IntValue(rec.Offset)
		case "timestamp":
			dst[i] = types.IntValue(rec.Timestamp.UnixMilli() * int64(time.Millisecond))
		case "timestamp-type":
			if rec.Attrs.TimestampType() == 1 {
				dst[i] = types.StringValue("LogAppendTime")
			} else {
				dst[i] = types.StringValue("CreateTime")
			}
		case "headers":
			keys := make([]types.Value, len(rec.Headers))
			vals := make([]types.Value, len(rec.Headers))
			for j, h := range rec.Headers {
				keys[j], vals[j] = types.StringValue(h.Key), types.BytesValue(h.Value)
			}
			dst[i] = types.MapOf(keys, vals)
		case "leader-epoch":
			if rec.LeaderEpoch >= 0 {
				dst[i] = types.IntValue(int64(rec.LeaderEpoch))
			} else {
				dst[i] = types.NullValue()
			}
		default:
			dst[i] = types.NullValue()
		}
	}
}

// upsert turns one upsert-kafka record into a row of the upsert stream
// (connector.Factory.Upsert): a value is +U of its key's row, a tombstone
// -D holding the key columns (the others NULL). Normalising it into a
// changelog with the previous rows is the ChangelogNormalize the planner
// puts after the source, keyed on the primary key over all partitions.
func (r *reader) upsert(rec *kgo.Record, b *types.Batch, room int) (int, error) {
	if rec.Value == nil {
		if rec.Key == nil {
			return 0, nil // no key, no row to delete
		}
		return r.emit(b, room, types.Delete, r.phys, rec, 0), nil
	}
	clear(r.valueRow)
	if err := r.value.Decode(rec.Value, r.valueRow); err != nil {
		return 0, r.failed(rec, r.t.valueFormat.Format.Name, r.value, err)
	}
	r.spread(r.valueRow)
	return r.emit(b, room, types.UpdateAfter, r.phys, rec, 0), nil
}
