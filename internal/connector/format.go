package connector

import (
	"errors"

	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/types"
)

// Format turns bytes into rows and back ('format' = 'json', 'csv', ...).
// Options are declared without the format prefix (e.g. "ignore-parse-errors"
// for 'json.ignore-parse-errors'); the registry adds the prefix.
type Format struct {
	Name        string
	Description string
	Options     []config.Spec
	// Changelog is set for formats whose records describe changes
	// (debezium-json, canal-json): their decoders implement
	// ChangelogDecoder and their encoders take every row kind.
	Changelog bool
	// NewDecoder builds a decoder for rows of the given schema.
	NewDecoder func(schema types.Schema, opts *config.Options) (Decoder, error)
	// NewEncoder builds an encoder for rows of the given schema.
	NewEncoder func(schema types.Schema, opts *config.Options) (Encoder, error)
}

// FormatSpec is a format chosen for a table, with its validated options.
type FormatSpec struct {
	Format  *Format
	Options *config.Options // keys without the format prefix
}

// NewDecoder builds the table's decoder.
func (f *FormatSpec) NewDecoder(schema types.Schema) (Decoder, error) {
	return f.Format.NewDecoder(schema, f.Options)
}

// NewEncoder builds the table's encoder.
func (f *FormatSpec) NewEncoder(schema types.Schema) (Encoder, error) {
	return f.Format.NewEncoder(schema, f.Options)
}

// Decoder decodes one record (a line, a message) into a row. It is used by
// one goroutine.
type Decoder interface {
	// Decode fills row (len = schema width, zeroed) from data. It returns
	// an error describing what is wrong with the record; the caller wraps
	// it in a BadRecordError with the location, except ErrSkipRecord.
	Decode(data []byte, row types.Row) error
	// IgnoreParseErrors reports whether bad records are to be skipped.
	IgnoreParseErrors() bool
}

// Encoder encodes one row. It is used by one goroutine.
type Encoder interface {
	// Encode appends the encoding of row (with its changelog kind) to dst.
	Encode(dst []byte, kind types.RowKind, row types.Row) ([]byte, error)
}

// ErrSkipRecord is returned by Decoder.Decode for a record that holds no row
// (a CSV comment line): the caller drops it silently and does not count it
// as a bad record.
var ErrSkipRecord = errors.New("record holds no row")

// ChangelogDecoder is implemented by decoders of changelog formats
// (debezium-json, canal-json), whose one record holds zero or more rows,
// each with its own kind (an update is a -U and a +U). A source whose
// decoder has it calls DecodeChangelog instead of Decode.
type ChangelogDecoder interface {
	Decoder
	// DecodeChangelog decodes one record and calls emit for each of its
	// rows, in order. The row (len = schema width) belongs to the decoder
	// and is valid only during the call: emit copies what it keeps. The
	// whole record is checked before the first emit, so a bad record emits
	// nothing and returns the error (as Decode does). A record holding no
	// row (a tombstone, a DDL event) emits nothing and returns nil.
	DecodeChangelog(data []byte, emit func(kind types.RowKind, row types.Row)) error
}

// ChangelogSource is implemented by sources whose rows may carry -U, +U and
// -D kinds (a changelog format such as debezium-json, or the upsert-kafka
// connector), so the planner treats the table as updating. A source that
// does not implement it, or returns false, emits inserts only.
type ChangelogSource interface {
	Source
	ProducesChangelog() bool
}
