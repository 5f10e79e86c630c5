package raw

import (
	"testing"

	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/types"
)

func schema(t types.Type) types.Schema {
	return types.Schema{Fields: []types.Field{{Name: "v", Type: t}}}
}

func TestRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		typ types.Type
		v   types.Value
		le  bool
	}{
		{types.StringType, types.StringValue("héllo"), false},
		{types.BytesType, types.BytesValue([]byte{0, 1, 255}), false},
		{types.IntType, types.IntValue(-42), false},
		{types.BigIntType, types.IntValue(1 << 40), true},
		{types.DoubleType, types.FloatValue(2.5), false},
		{types.BooleanType, types.BoolValue(true), false},
	} {
		raw := map[string]string{}
		if tc.le {
			raw["endianness"] = "little-endian"
		}
		o, err := config.Validate("raw", Options, raw)
		if err != nil {
			t.Fatal(err)
		}
		f := New()
		enc, err := f.NewEncoder(schema(tc.typ), o)
		if err != nil {
			t.Fatal(err)
		}
		dec, _ := f.NewDecoder(schema(tc.typ), o)
		b, err := enc.Encode(nil, types.Insert, types.Row{tc.v})
		if err != nil {
			t.Fatal(err)
		}
		row := make(types.Row, 1)
		if err := dec.Decode(b, row); err != nil {
			t.Fatal(err)
		}
		if types.FormatSQL(row[0], tc.typ) != types.FormatSQL(tc.v, tc.typ) {
			t.Errorf("%s: got %s want %s", tc.typ.ID, types.FormatSQL(row[0], tc.typ), types.FormatSQL(tc.v, tc.typ))
		}
	}
}

func TestErrors(t *testing.T) {
	f := New()
	if _, err := f.NewDecoder(types.Schema{Fields: []types.Field{{Name: "a", Type: types.IntType}, {Name: "b", Type: types.IntType}}}, nil); err == nil {
		t.Error("two columns accepted")
	}
	dec, _ := f.NewDecoder(schema(types.IntType), nil)
	if err := dec.Decode([]byte{1, 2}, make(types.Row, 1)); err == nil {
		t.Error("short INT accepted")
	}
	dec, _ = f.NewDecoder(schema(types.StringType), nil)
	if err := dec.Decode([]byte{0xff}, make(types.Row, 1)); err == nil {
		t.Error("invalid UTF-8 accepted")
	}
}
