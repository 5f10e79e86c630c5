package debezium

import (
	"errors"
	"fmt"

	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/format/json"
	"github.com/sluicehq/sluice/internal/types"
)

// Options is the debezium-json format's option spec, keys without the
// 'debezium-json.' prefix.
var Options = []config.Spec{
	{Key: "schema-include", Type: config.Bool, Default: "false",
		Description: "The records carry Debezium's JSON schema: the event is the \"payload\" of {\"schema\": ..., \"payload\": ...}."},
	{Key: "ignore-parse-errors", Type: config.Bool, Default: "false",
		Description: "Skip records that cannot be parsed instead of failing (skipped records are counted)."},
	{Key: "timestamp-format.standard", Type: config.Enum, Values: []string{"SQL", "ISO-8601"}, Default: "SQL",
		Description: "Timestamp text in \"before\" and \"after\": 'SQL' is \"2020-04-15 08:05:00.123\", 'ISO-8601' is \"2020-04-15T08:05:00.123\"."},
	{Key: "map-null-key.mode", Type: config.Enum, Values: []string{"FAIL", "DROP", "LITERAL"}, Default: "FAIL",
		Description: "When encoding a MAP with a NULL key: 'FAIL', 'DROP' the entry, or write the key as 'map-null-key.literal'."},
	{Key: "map-null-key.literal", Type: config.String, Default: "null",
		Description: "Key text written for NULL map keys when 'map-null-key.mode' is 'LITERAL'."},
	{Key: "encode.decimal-as-plain-number", Type: config.Bool, Default: "false",
		Description: "Write decimals without scientific notation."},
}

// New returns the 'debezium-json' format.
func New() *connector.Format {
	return &connector.Format{
		Name:        "debezium-json",
		Description: "Debezium change events in JSON (before/after/op), read as a changelog: c and r are +I, u is -U and +U, d is -D.",
		Options:     Options,
		Changelog:   true,
		NewDecoder:  newDecoder,
		NewEncoder:  newEncoder,
	}
}

// envelope is the schema of one event: before, after and op.
func envelope(schema types.Schema) types.Schema {
	row := types.RowOf(schema.Fields...)
	return types.Schema{Fields: []types.Field{
		{Name: "before", Type: row}, {Name: "after", Type: row}, {Name: "op", Type: types.StringType},
	}}
}

var _ connector.ChangelogDecoder = (*decoder)(nil)

type decoder struct {
	inner   connector.Decoder // decodes the envelope (or {"payload": envelope})
	wrapped bool              // schema-include
	ignore  bool
	env     types.Row
	before  types.Row
	after   types.Row
}

func newDecoder(schema types.Schema, o *config.Options) (connector.Decoder, error) {
	jo, err := json.SharedOptions(o)
	if err != nil {
		return nil, err
	}
	env := envelope(schema)
	d := &decoder{ignore: o != nil && o.Bool("ignore-parse-errors"), env: make(types.Row, 3),
		before: make(types.Row, schema.Len()), after: make(types.Row, schema.Len())}
	if o != nil && o.Bool("schema-include") {
		d.wrapped = true
		env = types.Schema{Fields: []types.Field{{Name: "payload", Type: types.RowOf(env.Fields...)}}}
		d.env = make(types.Row, 1)
	}
	if d.inner, err = json.New().NewDecoder(env, jo); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *decoder) IgnoreParseErrors() bool { return d.ignore }

var errNotChangelog = errors.New("debezium-json records hold changes: read them through DecodeChangelog")

// Decode is not used: the format is a changelog (see DecodeChangelog).
func (d *decoder) Decode([]byte, types.Row) error { return errNotChangelog }

// DecodeChangelog emits the rows of one Debezium event.
func (d *decoder) DecodeChangelog(data []byte, emit func(types.RowKind, types.Row)) error {
	if len(data) == 0 {
		return nil // tombstone
	}
	clear(d.env)
	if err := d.inner.Decode(data, d.env); err != nil {
		return err
	}
	env := d.env
	if d.wrapped {
		if env[0].IsNull() {
			return fmt.Errorf("the record has no \"payload\" (is 'debezium-json.schema-include' = 'true' right for it?)")
		}
		env = env[0].Fields()
	}
	op := env[2]
	if op.IsNull() {
		if !d.wrapped {
			return fmt.Errorf("the record has no \"op\" field (if it carries a \"schema\" and a \"payload\", set 'debezium-json.schema-include' = 'true')")
		}
		return fmt.Errorf("the record has no \"op\" field")
	}
	before, after := env[0], env[1]
	switch op.S {
	case "c", "r":
		if after.IsNull() {
			return fmt.Errorf("the \"after\" field of a %q event is null", op.S)
		}
		emit(types.Insert, fill(d.after, after))
	case "u":
		if before.IsNull() {
			return fmt.Errorf("the \"before\" field of an UPDATE event is null; the database must log whole rows (for Postgres set REPLICA IDENTITY FULL on the table)")
		}
		if after.IsNull() {
			return fmt.Errorf("the \"after\" field of an UPDATE event is null")
		}
		emit(types.UpdateBefore, fill(d.before, before))
		emit(types.UpdateAfter, fill(d.after, after))
	case "d":
		if before.IsNull() {
			return fmt.Errorf("the \"before\" field of a DELETE event is null; the database must log whole rows (for Postgres set REPLICA IDENTITY FULL on the table)")
		}
		emit(types.Delete, fill(d.before, before))
	default:
		return fmt.Errorf("unknown \"op\" value %q (Debezium's are c, r, u and d)", op.S)
	}
	return nil
}

func fill(dst types.Row, v types.Value) types.Row {
	copy(dst, v.Fields())
	return dst
}

var _ connector.Encoder = (*encoder)(nil)

type encoder struct {
	inner connector.Encoder
	env   types.Row
}

func newEncoder(schema types.Schema, o *config.Options) (connector.Encoder, error) {
	jo, err := json.SharedOptions(o)
	if err != nil {
		return nil, err
	}
	inner, err := json.New().NewEncoder(envelope(schema), jo)
	if err != nil {
		return nil, err
	}
	return &encoder{inner: inner, env: make(types.Row, 3)}, nil
}

// Encode writes one event per row: c for +I and +U, d for -U and -D.
func (e *encoder) Encode(dst []byte, kind types.RowKind, row types.Row) ([]byte, error) {
	v := types.RowValue(row)
	if kind.IsRetract() {
		e.env[0], e.env[1], e.env[2] = v, types.NullValue(), types.StringValue("d")
	} else {
		e.env[0], e.env[1], e.env[2] = types.NullValue(), v, types.StringValue("c")
	}
	return e.inner.Encode(dst, kind, e.env)
}
