package print

import (
	"bytes"
	"context"
	"testing"

	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/types"
)

func TestPrefix(t *testing.T) {
	for _, tc := range []struct {
		id       string
		sub, par int
		want     string
	}{
		{"", 0, 1, ""},
		{"", 1, 4, "2> "},
		{"sink", 0, 1, "sink> "},
		{"sink", 2, 3, "sink:3> "},
	} {
		if got := Prefix(tc.id, tc.sub, tc.par); got != tc.want {
			t.Errorf("Prefix(%q, %d, %d) = %q, want %q", tc.id, tc.sub, tc.par, got, tc.want)
		}
	}
}

func TestPrint(t *testing.T) {
	var out, errOut bytes.Buffer
	f := New(&out, &errOut)
	schema := types.Schema{Fields: []types.Field{
		{Name: "id", Type: types.BigIntType},
		{Name: "name", Type: types.StringType},
		{Name: "ts", Type: types.TimestampType(3)},
	}}
	ts := (int64(18367)*86400 + 8*3600 + 5*60) * 1_000_000_000 // 2020-04-15T08:05
	b := types.NewBatch(2)
	b.Append(types.Insert, types.Row{types.IntValue(1001), types.StringValue("foo"), types.IntValue(ts)})
	b.Append(types.UpdateBefore, types.Row{types.IntValue(1002), types.NullValue(), types.NullValue()})
	for _, tc := range []struct {
		opts map[string]string
		par  int
		dst  *bytes.Buffer
		want string
	}{
		{map[string]string{}, 1, &out, "+I[1001, foo, 2020-04-15T08:05]\n-U[1002, null, null]\n"},
		{map[string]string{"print-identifier": "p"}, 2, &out, "p:2> +I[1001, foo, 2020-04-15T08:05]\np:2> -U[1002, null, null]\n"},
		{map[string]string{"standard-error": "true"}, 2, &errOut, "2> +I[1001, foo, 2020-04-15T08:05]\n2> -U[1002, null, null]\n"},
	} {
		out.Reset()
		errOut.Reset()
		o, err := config.Validate("print", f.Options, tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		s, err := f.NewSink(connector.CreateContext{Table: "t", Schema: schema, Options: o})
		if err != nil {
			t.Fatal(err)
		}
		if s.Accepts() != connector.All {
			t.Error("print must accept all changelog kinds")
		}
		w, _ := s.Open(context.Background(), 1, tc.par)
		if err := w.Write(b); err != nil {
			t.Fatal(err)
		}
		_ = w.Close()
		if got := tc.dst.String(); got != tc.want {
			t.Errorf("%v: got %q, want %q", tc.opts, got, tc.want)
		}
	}
}
