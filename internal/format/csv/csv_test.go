package csv

import (
	"errors"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/types"
)

var schema = types.Schema{Fields: []types.Field{
	{Name: "id", Type: types.BigIntType},
	{Name: "name", Type: types.StringType},
	{Name: "price", Type: types.DecimalType(10, 2)},
	{Name: "ok", Type: types.BooleanType},
	{Name: "ts", Type: types.TimestampType(3)},
	{Name: "tags", Type: types.ArrayType(types.IntType)},
	{Name: "score", Type: types.DoubleType},
}}

func codec(t *testing.T, raw map[string]string) (connector.Decoder, connector.Encoder) {
	t.Helper()
	o, err := config.Validate("format 'csv'", Options, raw)
	if err != nil {
		t.Fatal(err)
	}
	d, err := New().NewDecoder(schema, o)
	if err != nil {
		t.Fatal(err)
	}
	e, err := New().NewEncoder(schema, o)
	if err != nil {
		t.Fatal(err)
	}
	return d, e
}

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		raw      map[string]string
		in, want string
	}{
		{nil, `1001,foo,12.5,true,2020-04-15 08:05:00.123,1;2;3,1.5`, "+I[1001, foo, 12.50, true, 2020-04-15T08:05:00.123, [1, 2, 3], 1.5]"},
		{nil, `1,"a,""b""",,,,,` + "\r", `+I[1, a,"b", null, null, null, null, null]`},
		{map[string]string{"field-delimiter": "|", "null-literal": "N/A"}, `2|N/A|N/A|false|2020-04-15T08:05|4|N/A`, "+I[2, null, null, false, 2020-04-15T08:05, [4], null]"},
		{map[string]string{"escape-character": "\\", "disable-quote-character": "true"}, `3,x\,y,1,TRUE,,,`, "+I[3, x,y, 1.00, true, null, null, null]"},
	} {
		d, _ := codec(t, tc.raw)
		row := make(types.Row, schema.Len())
		if err := d.Decode([]byte(tc.in), row); err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if got := types.FormatRowPrint(types.Insert, row, schema); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.in, got, tc.want)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	d, _ := codec(t, map[string]string{"allow-comments": "true"})
	for _, tc := range []struct{ in, want string }{
		{`abc,foo,1,true,,,`, `field 'id': expected BIGINT, found "abc"`},
		{`1,foo,1,maybe,,,`, `field 'ok': expected BOOLEAN, found "maybe"`},
		{`1,foo,1,true,,1;x,`, `field 'tags': expected INT, found "x"`},
		{`1,foo`, `row length mismatch: 7 fields expected but was 2`},
		{`1,"foo,1,true,,,`, `unterminated quoted field`},
	} {
		err := d.Decode([]byte(tc.in), make(types.Row, schema.Len()))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.in, err, tc.want)
		}
	}
	if err := d.Decode([]byte("# comment"), make(types.Row, schema.Len())); !errors.Is(err, connector.ErrSkipRecord) {
		t.Errorf("comment: %v", err)
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	for _, raw := range []map[string]string{nil, {"field-delimiter": ";", "array-element-delimiter": "|", "null-literal": "\\N"}} {
		d, e := codec(t, raw)
		ts := int64(1586937900)*1e9 + 120e6
		row := types.Row{types.IntValue(7), types.StringValue("a \"quoted\", text\nline"), types.DecimalValue(1250),
			types.BoolValue(true), types.IntValue(ts), types.ArrayValue([]types.Value{types.IntValue(1), types.IntValue(2)}), {}}
		line, err := e.Encode(nil, types.Insert, row)
		if err != nil {
			t.Fatal(err)
		}
		if raw == nil {
			want := `7,"a ""quoted"", text` + "\n" + `line",12.50,true,2020-04-15 08:05:00.12,1;2,`
			if string(line) != want {
				t.Errorf("got %q, want %q", line, want)
			}
		}
		back := make(types.Row, schema.Len())
		if err := d.Decode(line, back); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		if a, b := types.FormatRowPrint(types.Insert, row, schema), types.FormatRowPrint(types.Insert, back, schema); a != b {
			t.Errorf("round trip %v: %s vs %s", raw, a, b)
		}
	}
}

func TestOptionErrors(t *testing.T) {
	for _, raw := range []map[string]string{
		{"field-delimiter": "ab"},
		{"disable-quote-character": "true", "quote-character": "'"},
	} {
		o, _ := config.Validate("csv", Options, raw)
		if _, err := New().NewDecoder(schema, o); err == nil {
			t.Errorf("%v accepted", raw)
		}
	}
	m := types.Schema{Fields: []types.Field{{Name: "m", Type: types.MapType(types.StringType, types.IntType)}}}
	if _, err := New().NewDecoder(m, nil); err == nil || !strings.Contains(err.Error(), "does not support column 'm'") {
		t.Errorf("map column: %v", err)
	}
}
