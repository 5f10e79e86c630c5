package debezium

import (
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/types"
)

var products = types.Schema{Fields: []types.Field{
	{Name: "id", Type: types.IntType}, {Name: "name", Type: types.StringType}, {Name: "weight", Type: types.DoubleType},
}}

func decode(t *testing.T, raw map[string]string, rec string) ([]string, error) {
	t.Helper()
	o, err := config.Validate("debezium-json", Options, raw)
	if err != nil {
		t.Fatal(err)
	}
	d, err := New().NewDecoder(products, o)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	err = d.(connector.ChangelogDecoder).DecodeChangelog([]byte(rec), func(k types.RowKind, r types.Row) {
		out = append(out, types.FormatRowPrint(k, r, products))
	})
	return out, err
}

func TestOps(t *testing.T) {
	for _, tc := range []struct{ rec, want string }{
		{`{"before":null,"after":{"id":1,"name":"scooter","weight":5.18},"source":{"db":"x"},"op":"c","ts_ms":1}`, "+I[1, scooter, 5.18]"},
		{`{"before":null,"after":{"id":1,"name":"scooter","weight":5.18},"op":"r"}`, "+I[1, scooter, 5.18]"},
		{`{"before":{"id":1,"name":"scooter","weight":5.18},"after":{"id":1,"name":"scooter","weight":5.15},"op":"u"}`, "-U[1, scooter, 5.18] +U[1, scooter, 5.15]"},
		{`{"before":{"id":1,"name":"scooter","weight":5.15},"after":null,"op":"d"}`, "-D[1, scooter, 5.15]"},
		{``, ""},
	} {
		got, err := decode(t, nil, tc.rec)
		if err != nil {
			t.Fatalf("%s: %v", tc.rec, err)
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%s: got %q want %q", tc.rec, got, tc.want)
		}
	}
}

func TestSchemaInclude(t *testing.T) {
	rec := `{"schema":{"type":"struct","fields":[]},"payload":{"before":null,"after":{"id":2,"name":"car","weight":1},"op":"c"}}`
	got, err := decode(t, map[string]string{"schema-include": "true"}, rec)
	if err != nil || strings.Join(got, " ") != "+I[2, car, 1.0]" {
		t.Fatalf("got %v, %v", got, err)
	}
	_, err = decode(t, nil, rec)
	if err == nil || !strings.Contains(err.Error(), "schema-include") {
		t.Fatalf("wrapped record without schema-include: %v", err)
	}
}

func TestErrors(t *testing.T) {
	for rec, want := range map[string]string{
		`{"before":null,"after":{"id":1},"op":"u"}`: "REPLICA IDENTITY FULL",
		`{"before":null,"after":{"id":1},"op":"x"}`: `unknown "op" value "x"`,
		`{"after":{"id":"abc"},"op":"c"}`:           "after.id",
		`not json`:                                  "JSON",
	} {
		out, err := decode(t, nil, rec)
		if err == nil || !strings.Contains(err.Error(), want) || len(out) > 0 {
			t.Errorf("%s: got %v %v, want an error with %q and no rows", rec, out, err, want)
		}
	}
}

func TestEncode(t *testing.T) {
	e, err := New().NewEncoder(products, nil)
	if err != nil {
		t.Fatal(err)
	}
	row := types.Row{types.IntValue(1), types.StringValue("a"), types.FloatValue(1.5)}
	b, _ := e.Encode(nil, types.UpdateAfter, row)
	if string(b) != `{"before":null,"after":{"id":1,"name":"a","weight":1.5},"op":"c"}` {
		t.Errorf("+U: %s", b)
	}
	b, _ = e.Encode(nil, types.Delete, row)
	if string(b) != `{"before":{"id":1,"name":"a","weight":1.5},"after":null,"op":"d"}` {
		t.Errorf("-D: %s", b)
	}
	// What the encoder writes, the decoder reads.
	got, err := decode(t, nil, string(b))
	if err != nil || strings.Join(got, " ") != "-D[1, a, 1.5]" {
		t.Errorf("round trip: %v %v", got, err)
	}
}
