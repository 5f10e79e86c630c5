package datagen

import (
	"context"
	"errors"
	"io"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/types"
)

func schemaOf(fields ...types.Field) types.Schema { return types.Schema{Fields: fields} }

func open(t *testing.T, raw map[string]string, schema types.Schema, proj []int) (connector.Source, error) {
	t.Helper()
	o, err := config.Validate("connector 'datagen'", Options, raw)
	if err != nil {
		t.Fatal(err)
	}
	return New().NewSource(connector.CreateContext{Table: "g", Schema: schema, Options: o, Projection: proj})
}

func mustOpen(t *testing.T, raw map[string]string, schema types.Schema) connector.Source {
	t.Helper()
	s, err := open(t, raw, schema, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func readSplits(t *testing.T, src connector.Source, p int) [][]types.Row {
	t.Helper()
	splits, _ := src.Splits(p)
	var out [][]types.Row
	for _, sp := range splits {
		r, err := src.Open(context.Background(), sp)
		if err != nil {
			t.Fatal(err)
		}
		var rows []types.Row
		for {
			b := types.NewBatch(64)
			err := r.Read(context.Background(), b, 64)
			rows = append(rows, b.Rows...)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, rows)
	}
	return out
}

func TestSequenceSplits(t *testing.T) {
	schema := schemaOf(types.Field{Name: "id", Type: types.BigIntType}, types.Field{Name: "s", Type: types.StringType})
	raw := map[string]string{"fields.id.kind": "sequence", "fields.id.start": "1", "fields.id.end": "100", "rows-per-second": "0"}
	src := mustOpen(t, raw, schema)
	if !src.Bounded() {
		t.Fatal("a sequence makes the source bounded")
	}
	for p := 1; p <= 3; p++ {
		var got []int64
		for _, rows := range readSplits(t, src, p) {
			for i, r := range rows {
				if i > 0 && r[0].Int() != rows[i-1][0].Int()+1 {
					t.Fatalf("p=%d: split part not contiguous", p)
				}
				got = append(got, r[0].Int())
			}
		}
		sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
		if len(got) != 100 || got[0] != 1 || got[99] != 100 {
			t.Fatalf("p=%d: got %d values %v…", p, len(got), got[:min(5, len(got))])
		}
		for i := 1; i < len(got); i++ {
			if got[i] == got[i-1] {
				t.Fatalf("p=%d: %d generated twice", p, got[i])
			}
		}
	}
}

func TestNumberOfRows(t *testing.T) {
	src := mustOpen(t, map[string]string{"number-of-rows": "10", "rows-per-second": "0"}, schemaOf(types.Field{Name: "x", Type: types.IntType}))
	total := 0
	for _, rows := range readSplits(t, src, 3) {
		total += len(rows)
	}
	if total != 10 {
		t.Fatalf("got %d rows over 3 splits, want 10", total)
	}
	if mustOpen(t, map[string]string{}, schemaOf(types.Field{Name: "x", Type: types.IntType})).Bounded() {
		t.Error("without number-of-rows or a sequence the source is unbounded")
	}
}

func TestRandomValues(t *testing.T) {
	elem := types.IntType
	schema := schemaOf(
		types.Field{Name: "i", Type: types.IntType},
		types.Field{Name: "s", Type: types.StringType},
		types.Field{Name: "v", Type: types.VarCharType(10)},
		types.Field{Name: "b", Type: types.BooleanType},
		types.Field{Name: "d", Type: types.DecimalType(5, 2)},
		types.Field{Name: "ts", Type: types.TimestampType(3)},
		types.Field{Name: "n", Type: types.BigIntType},
		types.Field{Name: "a", Type: types.ArrayType(elem)},
		types.Field{Name: "m", Type: types.MapType(types.StringType, types.DoubleType)},
		types.Field{Name: "r", Type: types.RowOf(types.Field{Name: "x", Type: types.SmallIntType})},
		types.Field{Name: "dt", Type: types.DateType},
		types.Field{Name: "by", Type: types.BytesType},
	)
	raw := map[string]string{
		"number-of-rows": "2000", "rows-per-second": "0", "seed": "42",
		"fields.i.min": "-5", "fields.i.max": "5",
		"fields.s.length": "7", "fields.s.var-len": "true",
		"fields.ts.max-past": "1 h",
		"fields.n.null-rate": "0.5",
		"fields.a.length":    "4", "fields.a.element.min": "0", "fields.a.element.max": "9",
		"fields.r.x.min": "100", "fields.r.x.max": "200",
		"fields.m.length":  "2",
		"fields.by.length": "5",
	}
	before := time.Now()
	rows := readSplits(t, mustOpen(t, raw, schema), 1)[0]
	after := time.Now()
	nulls := 0
	for _, r := range rows {
		if v := r[0].Int(); v < -5 || v > 5 {
			t.Fatalf("int %d outside [-5, 5]", v)
		}
		if s := r[1].Str(); len(s) < 1 || len(s) > 7 || strings.Trim(s, "0123456789abcdef") != "" {
			t.Fatalf("string %q", s)
		}
		if len(r[2].Str()) != 10 {
			t.Fatalf("VARCHAR(10) value %q", r[2].Str())
		}
		if r[3].K != types.KindBool {
			t.Fatal("boolean")
		}
		if d := r[4].Int(); r[4].K != types.KindDecimal || d < -99999 || d > 99999 {
			t.Fatalf("decimal %v", r[4])
		}
		if ts := r[5].Int(); ts < before.Add(-time.Hour-time.Millisecond).UnixNano() || ts > after.UnixNano() {
			t.Fatalf("timestamp %d not within the last hour", ts)
		}
		if r[6].IsNull() {
			nulls++
		}
		if a := r[7].Array(); len(a) != 4 || a[0].Int() < 0 || a[0].Int() > 9 {
			t.Fatalf("array %v", a)
		}
		if m := r[8].MapV(); len(m.Keys) != 2 {
			t.Fatalf("map %v", m)
		}
		if x := r[9].Fields()[0].Int(); x < 100 || x > 200 {
			t.Fatalf("nested %d", x)
		}
		if d := r[10].Int(); d != before.Unix()/86400 && d != after.Unix()/86400 {
			t.Fatalf("date %d", d)
		}
		if len(r[11].Str()) != 5 || r[11].K != types.KindBytes {
			t.Fatalf("bytes %v", r[11])
		}
	}
	if f := float64(nulls) / float64(len(rows)); f < 0.45 || f > 0.55 {
		t.Errorf("null rate %.2f, want ~0.5", f)
	}
	// Same seed, same rows (the timestamps aside).
	again := readSplits(t, mustOpen(t, raw, schema), 1)[0]
	for i := range rows {
		if !reflect.DeepEqual(rows[i][:5], again[i][:5]) {
			t.Fatalf("row %d differs with the same seed", i)
		}
	}
}

func TestProjection(t *testing.T) {
	schema := schemaOf(types.Field{Name: "a", Type: types.IntType}, types.Field{Name: "id", Type: types.BigIntType})
	src, err := open(t, map[string]string{"fields.id.kind": "sequence", "fields.id.start": "5", "fields.id.end": "7", "rows-per-second": "0"}, schema, []int{1})
	if err != nil {
		t.Fatal(err)
	}
	rows := readSplits(t, src, 1)[0]
	if len(rows) != 3 || len(rows[0]) != 1 || rows[2][0].Int() != 7 {
		t.Fatalf("rows %v", rows)
	}
}

func TestErrors(t *testing.T) {
	schema := schemaOf(types.Field{Name: "price", Type: types.BigIntType}, types.Field{Name: "iv", Type: types.IntervalDT})
	for _, tc := range []struct {
		raw  map[string]string
		want string
	}{
		{map[string]string{"fields.prize.min": "1"}, "did you mean 'price'"},
		{map[string]string{"fields.price.kind": "sequence"}, "needs 'fields.price.start'"},
		{map[string]string{"fields.price.min": "abc"}, "'min' = 'abc' is not an integer"},
		{map[string]string{"fields.price.min": "5", "fields.price.max": "1"}, "greater than 'max'"},
	} {
		_, err := open(t, tc.raw, schemaOf(schema.Fields[0]), nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want %q", tc.raw, err, tc.want)
		}
	}
	if _, err := open(t, map[string]string{}, schema, nil); err == nil || !strings.Contains(err.Error(), "cannot generate") {
		t.Errorf("interval: %v", err)
	}
}

func TestPacing(t *testing.T) {
	src := mustOpen(t, map[string]string{"rows-per-second": "100"}, schemaOf(types.Field{Name: "x", Type: types.IntType}))
	sp, _ := src.Splits(1)
	r, _ := src.Open(context.Background(), sp[0])
	b := types.NewBatch(1000)
	start := time.Now()
	for time.Since(start) < 100*time.Millisecond {
		if err := r.Read(context.Background(), b, 1000); err != nil {
			t.Fatal(err)
		}
	}
	if n := b.Len(); n < 5 || n > 25 {
		t.Errorf("%d rows in 100 ms at 100 rows/s", n)
	}
}
