package connector

import (
	"context"
	"errors"
	"fmt"

	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/types"
)

// Factory describes one connector. NewSource or NewSink is nil when the
// connector cannot be read or written.
type Factory struct {
	Name        string
	Description string
	// Options lists every option the connector accepts, 'connector' itself
	// excluded. Format options ('format', 'json.*', ...) are added by the
	// registry for connectors with UsesFormat.
	Options    []config.Spec
	UsesFormat bool
	// Metadata lists the metadata columns the source can read, if any.
	Metadata Metadata
	// Changelog reports, from a table's definition, whether its source
	// emits a changelog (-U/+U/-D) rather than inserts only; the planner
	// needs it before any source exists. Nil means: a changelog exactly when
	// the table's format is a changelog format (Format.Changelog).
	Changelog func(ctx CreateContext) bool
	// Upsert reports, from a table's definition, whether its source emits
	// an upsert stream keyed by the table's PRIMARY KEY rather than a full
	// changelog: +I or +U carry a key's new row (without a -U of the old
	// one, which the source does not know), -D carries the key columns (the
	// others may be NULL) and may name a key that has no row. The planner
	// puts a ChangelogNormalize (package rank) keyed on the primary key
	// after such a source. Nil means no.
	Upsert func(ctx CreateContext) bool

	NewSource func(ctx CreateContext) (Source, error)
	NewSink   func(ctx CreateContext) (Sink, error)
	// NewLookup, when set, lets lookup joins query the table by key
	// (FOR SYSTEM_TIME AS OF a processing-time attribute).
	NewLookup func(ctx LookupContext) (LookupSource, error)
	// LookupFullCacheOnly marks a lookup connector that cannot fetch rows by
	// key (its LookupSource is a LookupScanner whose Lookup fails), as
	// Flink's filesystem lookup: a lookup join always keeps such a table in
	// a FULL cache, with 'lookup.cache' NONE taken as FULL, and the planner
	// hash-partitions the stream side by the lookup keys for it.
	LookupFullCacheOnly bool
}

// CreateContext is what a connector is given to build a source or sink.
type CreateContext struct {
	Table   string          // the table's name, for error messages
	Schema  types.Schema    // physical columns, in declaration order
	Options *config.Options // validated against Factory.Options
	// Projection lists the physical columns the query reads, in the order
	// the source must emit them; nil means all, in schema order.
	Projection []int
	// PrimaryKey lists the primary-key columns (indexes into Schema), if any.
	PrimaryKey []int
	// Metadata lists the metadata keys the source must append to each row,
	// after the projected physical columns (see Factory.Metadata).
	Metadata []string
	// Format is the decoder/encoder factory when the connector UsesFormat.
	Format *FormatSpec
}

// ProjectedSchema returns the schema of the rows the source emits.
func (c CreateContext) ProjectedSchema() types.Schema {
	if c.Projection == nil {
		return c.Schema
	}
	fs := make([]types.Field, len(c.Projection))
	for i, p := range c.Projection {
		fs[i] = c.Schema.Fields[p]
	}
	return types.Schema{Fields: fs}
}

// Source is the read side of a table in one job.
type Source interface {
	// Bounded reports whether every split ends.
	Bounded() bool
	// Splits returns the source's independent parts (files, partitions,
	// generator shards). parallelism is the number of source tasks, so a
	// generator can make one split per task.
	Splits(parallelism int) ([]Split, error)
	// Open starts reading one split.
	Open(ctx context.Context, s Split) (Reader, error)
}

// SequentialSource is implemented by sources whose splits a task reads one
// after another rather than interleaved (files, as Flink's file source
// reads them). A split that has not started yet then does not hold back the
// task's watermark; the watermark carries over from one split to the next.
type SequentialSource interface {
	SequentialSplits() bool
}

// Split is one independently readable part of a source.
type Split interface {
	// ID names the split in errors and metrics, e.g. "file:/data/a.json".
	ID() string
}

// Reader reads one split. It is used by one goroutine.
type Reader interface {
	// Read appends up to max rows (all Insert unless the source produces a
	// changelog) to b, allocating rows with b.Alloc. It returns io.EOF when
	// the split is exhausted (possibly together with final rows). An
	// unbounded reader with nothing to read returns nil with no rows after a
	// short wait (at most ~50 ms), so the runtime can track idleness and
	// cancellation. A record that cannot be decoded yields a
	// *BadRecordError unless the format is told to ignore parse errors.
	Read(ctx context.Context, b *types.Batch, max int) error
	Close() error
}

// SkipCounter is implemented by readers that skip bad records when told to
// ignore parse errors.
type SkipCounter interface {
	Skipped() int64
}

// ChangelogMode says which row kinds a sink accepts.
type ChangelogMode uint8

const (
	AppendOnly ChangelogMode = iota // only +I
	Upsert                          // +I, +U, -D keyed by the primary key
	All                             // +I, -U, +U, -D
)

// Sink is the write side of a table in one job.
type Sink interface {
	// Accepts reports the changelog the sink can consume.
	Accepts() ChangelogMode
	// Open starts one parallel writer; subtask is in [0, parallelism).
	Open(ctx context.Context, subtask, parallelism int) (Writer, error)
}

// Writer writes batches for one sink task. It is used by one goroutine.
type Writer interface {
	// Write consumes the batch; it must not keep references to it after
	// returning.
	Write(b *types.Batch) error
	// Close flushes everything written and releases resources.
	Close() error
}

// BadRecordError reports an input record that could not be decoded, with
// where it was found.
type BadRecordError struct {
	Source   string // table name
	Format   string // the format's name, for the hint (e.g. "json")
	Location string // file, partition, ...
	Offset   string // "line 12", "offset 4711", ...
	Reason   error
}

func (e *BadRecordError) Error() string {
	f := e.Format
	if f == "" {
		f = "<format>"
	}
	return fmt.Sprintf("bad record in source '%s' at %s, %s: %v (set '%s.ignore-parse-errors' = 'true' to skip bad records)",
		e.Source, e.Location, e.Offset, e.Reason, f)
}

func (e *BadRecordError) Unwrap() error { return e.Reason }

// ProducesChangelog reports whether a table of this connector, defined by
// ctx, reads as a changelog.
func (f *Factory) ProducesChangelog(ctx CreateContext) bool {
	if f.Changelog != nil {
		return f.Changelog(ctx)
	}
	return ctx.Format != nil && ctx.Format.Format.Changelog
}

// ProducesUpserts reports whether a table of this connector, defined by
// ctx, reads as an upsert stream keyed by its primary key (Factory.Upsert).
func (f *Factory) ProducesUpserts(ctx CreateContext) bool {
	return f.Upsert != nil && f.Upsert(ctx)
}

// ErrUnknownConnector is wrapped when no connector has the requested name.
var ErrUnknownConnector = errors.New("unknown connector")
