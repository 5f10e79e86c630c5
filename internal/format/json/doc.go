// Package json is the 'json' format: one JSON object per record, with
// Flink's json format options ('fail-on-missing-field', 'ignore-parse-
// errors', 'timestamp-format.standard', 'map-null-key.mode',
// 'map-null-key.literal', 'encode.decimal-as-plain-number',
// 'encode.ignore-null-fields'; 'decode.json-parser.enabled' is accepted).
//
// Decoding uses a small hand-written scanner (decode.go) rather than
// encoding/json: it converts each JSON value straight into the column's
// SQL type without an intermediate tree or reflection, parses numbers
// without allocating, and allocates only for the strings it returns. The
// conversions follow Flink's JsonToRowDataConverters: numbers, booleans and
// dates may also arrive as JSON strings; a string column takes a non-string
// value's JSON text; a wrong-typed value is an error naming the field and
// what was found. Unknown fields are skipped; missing ones are NULL unless
// 'fail-on-missing-field'.
//
// Encoding (encode.go) follows RowDataToJsonConverters: fields in schema
// order, timestamps in the chosen standard ("2020-04-15 08:05:00" for SQL,
// "2020-04-15T08:05:00" for ISO-8601, with as many fraction digits as
// needed — Java's appendFraction(0, 9)), binaries in base64, decimals as
// JSON numbers. Flink's json format is insert-only: the encoder ignores the
// row kind, and sinks declare which changes they accept.
package json
