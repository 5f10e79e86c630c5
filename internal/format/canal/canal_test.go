package canal

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
	o, err := config.Validate("canal-json", Options, raw)
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

func TestTypes(t *testing.T) {
	for _, tc := range []struct{ rec, want string }{
		{`{"data":[{"id":"111","name":"scooter","weight":"5.18"},{"id":"112","name":"car","weight":"2"}],"database":"inventory","table":"products","isDdl":false,"type":"INSERT"}`,
			"+I[111, scooter, 5.18] +I[112, car, 2.0]"},
		// "old" holds only the changed columns; an explicit null counts as changed.
		{`{"data":[{"id":"111","name":"scooter","weight":"5.18"}],"old":[{"weight":"5.15","name":null}],"database":"inventory","table":"products","type":"UPDATE"}`,
			"-U[111, null, 5.15] +U[111, scooter, 5.18]"},
		{`{"data":[{"id":"111","name":"scooter","weight":"5.18"}],"old":null,"type":"DELETE"}`, "-D[111, scooter, 5.18]"},
		{`{"data":null,"database":"inventory","table":"products","isDdl":true,"sql":"CREATE TABLE x","type":"CREATE"}`, ""},
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

func TestInclude(t *testing.T) {
	rec := `{"data":[{"id":1}],"database":"inventory","table":"products","type":"INSERT"}`
	for _, tc := range []struct {
		raw  map[string]string
		rows int
	}{
		{map[string]string{"database.include": "inv.*"}, 1},
		{map[string]string{"database.include": "inv"}, 0}, // whole-value match
		{map[string]string{"table.include": "orders|products"}, 1},
		{map[string]string{"table.include": "orders"}, 0},
	} {
		got, err := decode(t, tc.raw, rec)
		if err != nil || len(got) != tc.rows {
			t.Errorf("%v: got %v %v, want %d rows", tc.raw, got, err, tc.rows)
		}
	}
}

func TestErrors(t *testing.T) {
	for rec, want := range map[string]string{
		`{"data":[{"id":1}],"type":"TRUNCATE"}`:        `unknown "type" value "TRUNCATE"`,
		`{"data":[{"id":1}],"old":[],"type":"UPDATE"}`: `1 "data" rows but 0 "old"`,
		`{"data":[{"id":"x"}],"type":"INSERT"}`:        "data[].id",
		`{"type":"INSERT"}`:                            `"data" field of a INSERT event is null`,
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
	b, _ := e.Encode(nil, types.UpdateBefore, types.Row{types.IntValue(1), types.StringValue("a"), types.FloatValue(1.5)})
	if string(b) != `{"data":[{"id":1,"name":"a","weight":1.5}],"type":"DELETE"}` {
		t.Errorf("-U: %s", b)
	}
	got, err := decode(t, nil, string(b))
	if err != nil || strings.Join(got, " ") != "-D[1, a, 1.5]" {
		t.Errorf("round trip: %v %v", got, err)
	}
}
