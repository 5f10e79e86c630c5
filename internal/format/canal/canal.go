package canal

import (
	stdjson "encoding/json"
	"errors"
	"fmt"
	"regexp"

	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/format/json"
	"github.com/sluicehq/sluice/internal/types"
)

// Options is the canal-json format's option spec, keys without the
// 'canal-json.' prefix.
var Options = []config.Spec{
	{Key: "ignore-parse-errors", Type: config.Bool, Default: "false",
		Description: "Skip records that cannot be parsed instead of failing (skipped records are counted)."},
	{Key: "timestamp-format.standard", Type: config.Enum, Values: []string{"SQL", "ISO-8601"}, Default: "SQL",
		Description: "Timestamp text: 'SQL' is \"2020-04-15 08:05:00.123\", 'ISO-8601' is \"2020-04-15T08:05:00.123\"."},
	{Key: "map-null-key.mode", Type: config.Enum, Values: []string{"FAIL", "DROP", "LITERAL"}, Default: "FAIL",
		Description: "When encoding a MAP with a NULL key: 'FAIL', 'DROP' the entry, or write the key as 'map-null-key.literal'."},
	{Key: "map-null-key.literal", Type: config.String, Default: "null",
		Description: "Key text written for NULL map keys when 'map-null-key.mode' is 'LITERAL'."},
	{Key: "encode.decimal-as-plain-number", Type: config.Bool, Default: "false",
		Description: "Write decimals without scientific notation."},
	{Key: "database.include", Type: config.String,
		Description: "Regular expression: read only events whose \"database\" matches it entirely."},
	{Key: "table.include", Type: config.String,
		Description: "Regular expression: read only events whose \"table\" matches it entirely."},
}

// New returns the 'canal-json' format.
func New() *connector.Format {
	return &connector.Format{
		Name:        "canal-json",
		Description: "Canal change events in JSON (data/old/type), read as a changelog: INSERT is +I, UPDATE is -U and +U, DELETE is -D.",
		Options:     Options,
		Changelog:   true,
		NewDecoder:  newDecoder,
		NewEncoder:  newEncoder,
	}
}

// Positions in the envelope row.
const (
	fData = iota
	fOld
	fType
	fDatabase
	fTable
	fIsDdl
)

func envelope(schema types.Schema) types.Schema {
	rows := types.ArrayType(types.RowOf(schema.Fields...))
	return types.Schema{Fields: []types.Field{
		{Name: "data", Type: rows}, {Name: "old", Type: rows}, {Name: "type", Type: types.StringType},
		{Name: "database", Type: types.StringType}, {Name: "table", Type: types.StringType},
		{Name: "isDdl", Type: types.BooleanType},
	}}
}

var _ connector.ChangelogDecoder = (*decoder)(nil)

type decoder struct {
	schema   types.Schema
	inner    connector.Decoder
	ignore   bool
	database *regexp.Regexp
	table    *regexp.Regexp
	env      types.Row
	rows     []types.Row // decoded before emitting
	kinds    []types.RowKind
}

func anchored(o *config.Options, key string) (*regexp.Regexp, error) {
	if o == nil || !o.Has(key) {
		return nil, nil
	}
	re, err := regexp.Compile(`^(?:` + o.String(key) + `)$`)
	if err != nil {
		return nil, fmt.Errorf("'canal-json.%s': %w", key, err)
	}
	return re, nil
}

func newDecoder(schema types.Schema, o *config.Options) (connector.Decoder, error) {
	jo, err := json.SharedOptions(o)
	if err != nil {
		return nil, err
	}
	d := &decoder{schema: schema, ignore: o != nil && o.Bool("ignore-parse-errors"), env: make(types.Row, 6)}
	if d.database, err = anchored(o, "database.include"); err != nil {
		return nil, err
	}
	if d.table, err = anchored(o, "table.include"); err != nil {
		return nil, err
	}
	if d.inner, err = json.New().NewDecoder(envelope(schema), jo); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *decoder) IgnoreParseErrors() bool { return d.ignore }

var errNotChangelog = errors.New("canal-json records hold changes: read them through DecodeChangelog")

// Decode is not used: the format is a changelog (see DecodeChangelog).
func (d *decoder) Decode([]byte, types.Row) error { return errNotChangelog }

// DecodeChangelog emits the rows of one Canal event.
func (d *decoder) DecodeChangelog(data []byte, emit func(types.RowKind, types.Row)) error {
	if len(data) == 0 {
		return nil
	}
	clear(d.env)
	if err := d.inner.Decode(data, d.env); err != nil {
		return err
	}
	env := d.env
	if env[fIsDdl].Bool() || env[fType].S == "CREATE" {
		return nil
	}
	if d.database != nil && (env[fDatabase].IsNull() || !d.database.MatchString(env[fDatabase].S)) {
		return nil
	}
	if d.table != nil && (env[fTable].IsNull() || !d.table.MatchString(env[fTable].S)) {
		return nil
	}
	if env[fType].IsNull() {
		return fmt.Errorf("the record has no \"type\" field")
	}
	rows := env[fData].Array()
	if env[fData].IsNull() {
		return fmt.Errorf("the \"data\" field of a %s event is null", env[fType].S)
	}
	d.rows, d.kinds = d.rows[:0], d.kinds[:0]
	switch typ := env[fType].S; typ {
	case "INSERT":
		for _, r := range rows {
			d.add(types.Insert, r.Fields())
		}
	case "DELETE":
		for _, r := range rows {
			d.add(types.Delete, r.Fields())
		}
	case "UPDATE":
		old := env[fOld].Array()
		if len(old) != len(rows) {
			return fmt.Errorf("an UPDATE event has %d \"data\" rows but %d \"old\" rows", len(rows), len(old))
		}
		present, err := oldColumns(data)
		if err != nil {
			return err
		}
		for i, r := range rows {
			after := r.Fields()
			before := make(types.Row, len(after))
			copy(before, old[i].Fields())
			for f, field := range d.schema.Fields {
				if _, changed := present[i][field.Name]; !changed {
					before[f] = after[f]
				}
			}
			d.add(types.UpdateBefore, before)
			d.add(types.UpdateAfter, after)
		}
	default:
		return fmt.Errorf("unknown \"type\" value %q (Canal's are INSERT, UPDATE and DELETE)", typ)
	}
	for i, r := range d.rows {
		emit(d.kinds[i], r)
	}
	return nil
}

func (d *decoder) add(k types.RowKind, r types.Row) {
	if len(r) != d.schema.Len() {
		r = make(types.Row, d.schema.Len()) // a null element of "data"
	}
	d.rows = append(d.rows, r)
	d.kinds = append(d.kinds, k)
}

// oldColumns lists, per element of "old", the columns it holds: those an
// update changed.
func oldColumns(data []byte) ([]map[string]stdjson.RawMessage, error) {
	var ev struct {
		Old []map[string]stdjson.RawMessage `json:"old"`
	}
	if err := stdjson.Unmarshal(data, &ev); err != nil {
		return nil, fmt.Errorf("the \"old\" field: %w", err)
	}
	return ev.Old, nil
}

var _ connector.Encoder = (*encoder)(nil)

type encoder struct {
	inner connector.Encoder
	env   types.Row
	one   []types.Value
}

func newEncoder(schema types.Schema, o *config.Options) (connector.Encoder, error) {
	jo, err := json.SharedOptions(o)
	if err != nil {
		return nil, err
	}
	env := envelope(schema)
	inner, err := json.New().NewEncoder(types.Schema{Fields: []types.Field{env.Fields[fData], env.Fields[fType]}}, jo)
	if err != nil {
		return nil, err
	}
	return &encoder{inner: inner, env: make(types.Row, 2), one: make([]types.Value, 1)}, nil
}

// Encode writes one event per row: INSERT for +I and +U, DELETE for -U and
// -D.
func (e *encoder) Encode(dst []byte, kind types.RowKind, row types.Row) ([]byte, error) {
	e.one[0] = types.RowValue(row)
	e.env[0] = types.ArrayValue(e.one)
	if kind.IsRetract() {
		e.env[1] = types.StringValue("DELETE")
	} else {
		e.env[1] = types.StringValue("INSERT")
	}
	return e.inner.Encode(dst, kind, e.env)
}
