package json

import (
	"strings"

	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/types"
)

// Options is the json format's option spec, keys without the 'json.' prefix.
var Options = []config.Spec{
	{Key: "fail-on-missing-field", Type: config.Bool, Default: "false",
		Description: "Fail when a field of the schema is missing from a record (otherwise it is NULL)."},
	{Key: "ignore-parse-errors", Type: config.Bool, Default: "false",
		Description: "Skip records that cannot be parsed instead of failing (skipped records are counted)."},
	{Key: "timestamp-format.standard", Type: config.Enum, Values: []string{"SQL", "ISO-8601"}, Default: "SQL",
		Description: "Timestamp text: 'SQL' is \"2020-04-15 08:05:00.123\", 'ISO-8601' is \"2020-04-15T08:05:00.123\"."},
	{Key: "map-null-key.mode", Type: config.Enum, Values: []string{"FAIL", "DROP", "LITERAL"}, Default: "FAIL",
		Description: "When encoding a MAP with a NULL key: 'FAIL', 'DROP' the entry, or write the key as 'map-null-key.literal'."},
	{Key: "map-null-key.literal", Type: config.String, Default: "null",
		Description: "Key text written for NULL map keys when 'map-null-key.mode' is 'LITERAL'."},
	{Key: "encode.decimal-as-plain-number", Type: config.Bool, Default: "false",
		Description: "Write decimals without scientific notation (e.g. 0.000000027 instead of 2.7E-8)."},
	{Key: "encode.ignore-null-fields", Type: config.Bool, Default: "false",
		Description: "Leave out fields whose value is NULL when encoding."},
	{Key: "decode.json-parser.enabled", Type: config.Bool, Default: "true",
		Description: "Accepted for compatibility with Flink; Sluice always uses its own streaming parser."},
}

// New returns the 'json' format.
func New() *connector.Format {
	return &connector.Format{
		Name:        "json",
		Description: "One JSON object per record, as Flink's json format.",
		Options:     Options,
		NewDecoder: func(schema types.Schema, o *config.Options) (connector.Decoder, error) {
			return newDecoder(schema, o), nil
		},
		NewEncoder: func(schema types.Schema, o *config.Options) (connector.Encoder, error) {
			return newEncoder(schema, o), nil
		},
	}
}

func isISO(o *config.Options) bool {
	return o != nil && strings.EqualFold(o.String("timestamp-format.standard"), "ISO-8601")
}

func optBool(o *config.Options, k string) bool { return o != nil && o.Bool(k) }

// SharedOptions picks, from the options of a format built on JSON
// (debezium-json, canal-json), those the json format itself takes, and
// validates them as json options.
func SharedOptions(o *config.Options) (*config.Options, error) {
	raw := map[string]string{}
	if o != nil {
		for _, k := range []string{"ignore-parse-errors", "timestamp-format.standard", "map-null-key.mode", "map-null-key.literal", "encode.decimal-as-plain-number"} {
			if o.Has(k) {
				raw[k] = o.String(k)
			}
		}
	}
	return config.Validate("format 'json'", Options, raw)
}
