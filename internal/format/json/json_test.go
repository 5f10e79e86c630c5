package json

import (
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/types"
)

func opts(t *testing.T, raw map[string]string) *config.Options {
	t.Helper()
	o, err := config.Validate("format 'json'", Options, raw)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

var testSchema = types.Schema{Fields: []types.Field{
	{Name: "id", Type: types.BigIntType},
	{Name: "name", Type: types.StringType},
	{Name: "price", Type: types.DecimalType(10, 2)},
	{Name: "ok", Type: types.BooleanType},
	{Name: "ts", Type: types.TimestampType(3)},
	{Name: "d", Type: types.DateType},
	{Name: "score", Type: types.DoubleType},
	{Name: "tags", Type: types.ArrayType(types.IntType)},
	{Name: "attrs", Type: types.MapType(types.StringType, types.BigIntType)},
	{Name: "r", Type: types.RowOf(types.Field{Name: "x", Type: types.IntType}, types.Field{Name: "y", Type: types.StringType})},
	{Name: "bin", Type: types.BytesType},
	{Name: "small", Type: types.TinyIntType},
}}

func decode(t *testing.T, raw map[string]string, schema types.Schema, data string) (types.Row, error) {
	t.Helper()
	d, err := New().NewDecoder(schema, opts(t, raw))
	if err != nil {
		t.Fatal(err)
	}
	row := make(types.Row, schema.Len())
	err = d.Decode([]byte(data), row)
	return row, err
}

func printed(row types.Row, schema types.Schema) string {
	return types.FormatRowPrint(types.Insert, row, schema)
}

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{`{"id": 1001, "name": "foo", "price": 12.5, "ok": true, "ts": "2020-04-15 08:05:00.123", "d": "2020-04-15",
		   "score": 1.5e3, "tags": [1, 2, null], "attrs": {"a": 1}, "r": {"y": "z", "x": 7}, "bin": "AQI=", "small": -5, "extra": {"skip": [1, {"a": "b"}]}}`,
			"+I[1001, foo, 12.50, true, 2020-04-15T08:05:00.123, 2020-04-15, 1500.0, [1, 2, null], {a=1}, +I[7, z], [1, 2], -5]"},
		// Missing fields are NULL; numbers and booleans may be strings; a
		// string column takes other values' JSON text.
		{`{"id": "42", "ok": "TRUE", "name": {"a": [1, 2]}, "ts": "2020-04-15T08:05"}`,
			"+I[42, {\"a\": [1, 2]}, null, true, 2020-04-15T08:05, null, null, null, null, null, null, null]"},
		{`{"name": "tab\there \u00e9\ud83d\ude00 \"q\" \\"}`,
			"+I[null, tab\there é😀 \"q\" \\, null, null, null, null, null, null, null, null, null, null]"},
		{`{"price": 123456789012.5}`, "+I[null, null, null, null, null, null, null, null, null, null, null, null]"},
		{`  {}  `, "+I[null, null, null, null, null, null, null, null, null, null, null, null]"},
	} {
		row, err := decode(t, nil, testSchema, tc.in)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if got := printed(row, testSchema); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.in, got, tc.want)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct {
		raw  map[string]string
		in   string
		want string
	}{
		{nil, `{"id": "abc"}`, `field 'id': expected BIGINT, found string "abc"`},
		{nil, `{"id": true}`, `field 'id': expected BIGINT, found 'true'`},
		{nil, `{"small": 300}`, `field 'small': expected TINYINT, found number 300`},
		{nil, `{"id": 1.5}`, `field 'id': expected BIGINT, found number 1.5`},
		{nil, `{"r": {"x": "q"}}`, `field 'r.x': expected INT, found string "q"`},
		{nil, `{"tags": {"a": 1}}`, `field 'tags': expected ARRAY<INT>, found object`},
		{nil, `{"ts": "yesterday"}`, `field 'ts': expected TIMESTAMP(3), found string "yesterday"`},
		{nil, `{"price": "12..3"}`, `field 'price': expected DECIMAL(10, 2), found string "12..3"`},
		{nil, `[1]`, `expected a JSON object, found array`},
		{nil, `{"id": 1`, `unexpected end of JSON input`},
		{nil, `{"id": 1} x`, `unexpected data after the JSON object`},
		{nil, `{"id" 1}`, `expected ':'`},
		{map[string]string{"fail-on-missing-field": "true"}, `{"id": 1}`, `field 'name' is missing`},
	} {
		_, err := decode(t, tc.raw, testSchema, tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.in, err, tc.want)
		}
	}
	d, _ := New().NewDecoder(testSchema, opts(t, map[string]string{"ignore-parse-errors": "true"}))
	if !d.IgnoreParseErrors() {
		t.Error("ignore-parse-errors not reported")
	}
}

func encode(t *testing.T, raw map[string]string, schema types.Schema, row types.Row) (string, error) {
	t.Helper()
	e, err := New().NewEncoder(schema, opts(t, raw))
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.Encode(nil, types.Insert, row)
	return string(b), err
}

func TestEncode(t *testing.T) {
	in := `{"id": 1001, "name": "f\"o\no", "price": 12.5, "ok": true, "ts": "2020-04-15 08:05:00.120", "d": "2020-04-15",
		"score": 1.5e3, "tags": [1, null], "attrs": {"a": 1}, "r": {"x": 7}, "bin": "AQI=", "small": -5}`
	row, err := decode(t, nil, testSchema, in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := encode(t, nil, testSchema, row)
	want := `{"id":1001,"name":"f\"o\no","price":12.50,"ok":true,"ts":"2020-04-15 08:05:00.12","d":"2020-04-15","score":1500.0,"tags":[1,null],"attrs":{"a":1},"r":{"x":7,"y":null},"bin":"AQI=","small":-5}`
	if err != nil || got != want {
		t.Fatalf("got  %s (%v)\nwant %s", got, err, want)
	}
	back, err := decode(t, nil, testSchema, got)
	if err != nil || printed(back, testSchema) != printed(row, testSchema) {
		t.Fatalf("round trip: %v %v", printed(back, testSchema), err)
	}
	ts := types.Schema{Fields: []types.Field{{Name: "ts", Type: types.TimestampType(3)}, {Name: "l", Type: types.TimestampLTZType(3)}, {Name: "n", Type: types.IntType}}}
	whole := types.IntValue(1586937900 * 1_000_000_000) // 2020-04-15 08:05:00
	got, _ = encode(t, map[string]string{"timestamp-format.standard": "ISO-8601", "encode.ignore-null-fields": "true"}, ts, types.Row{whole, whole, {}})
	if want := `{"ts":"2020-04-15T08:05:00","l":"2020-04-15T08:05:00Z"}`; got != want {
		t.Errorf("ISO: got %s, want %s", got, want)
	}
}

func TestEncodeMapNullKey(t *testing.T) {
	schema := types.Schema{Fields: []types.Field{{Name: "m", Type: types.MapType(types.StringType, types.IntType)}}}
	row := types.Row{types.MapOf([]types.Value{{}, types.StringValue("k")}, []types.Value{types.IntValue(1), types.IntValue(2)})}
	if _, err := encode(t, nil, schema, row); err == nil || !strings.Contains(err.Error(), "NULL key") {
		t.Errorf("FAIL mode: %v", err)
	}
	if got, _ := encode(t, map[string]string{"map-null-key.mode": "DROP"}, schema, row); got != `{"m":{"k":2}}` {
		t.Errorf("DROP: %s", got)
	}
	if got, _ := encode(t, map[string]string{"map-null-key.mode": "LITERAL", "map-null-key.literal": "nil"}, schema, row); got != `{"m":{"nil":1,"k":2}}` {
		t.Errorf("LITERAL: %s", got)
	}
}

func BenchmarkDecode(b *testing.B) {
	schema := types.Schema{Fields: []types.Field{
		{Name: "auction", Type: types.BigIntType}, {Name: "bidder", Type: types.BigIntType},
		{Name: "price", Type: types.BigIntType}, {Name: "dateTime", Type: types.TimestampType(3)},
		{Name: "extra", Type: types.StringType},
	}}
	d := newDecoder(schema, nil)
	data := []byte(`{"auction": 1000, "bidder": 2001, "price": 123456, "dateTime": "2020-04-15 08:05:00.123", "extra": "abcdefghij"}`)
	row := make(types.Row, 5)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for i := 0; i < b.N; i++ {
		clear(row)
		if err := d.Decode(data, row); err != nil {
			b.Fatal(err)
		}
	}
}
