package redis

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"
	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/format/json"
	"github.com/sluicehq/sluice/internal/format/raw"
	"github.com/sluicehq/sluice/internal/types"
)

const startRedis = `redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log`

// client connects to the machine's Redis (.ci/run starts it); an
// unreachable server fails the test with how to start it.
func client(t testing.TB) *goredis.Client {
	t.Helper()
	c := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:6379"})
	if err := c.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("Redis at 127.0.0.1:6379 is not reachable (%v): run .ci/run, or start it with: %s", err, startRedis)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// prefix is a key prefix unique to the test; its keys are deleted at the end.
func prefix(t testing.TB, c *goredis.Client) string {
	p := strings.NewReplacer("/", "_").Replace(t.Name()) + fmt.Sprintf("_%06d:", rand.IntN(1000000))
	t.Cleanup(func() {
		ctx := context.Background()
		var cursor uint64
		for {
			keys, next, err := c.Scan(ctx, cursor, globEscape(p)+"*", 1000).Result()
			if err != nil {
				return
			}
			if len(keys) > 0 {
				c.Unlink(ctx, keys...)
			}
			if cursor = next; cursor == 0 {
				return
			}
		}
	})
	return p
}

func col(name string, t types.Type) types.Field { return types.Field{Name: name, Type: t} }

type def struct {
	schema []types.Field
	pk     []int
	format *connector.Format
	opts   []string
}

func (d def) ctx(t testing.TB) (connector.CreateContext, error) {
	raw := map[string]string{}
	for i := 0; i+1 < len(d.opts); i += 2 {
		raw[d.opts[i]] = d.opts[i+1]
	}
	opts, err := config.Validate("connector 'redis' of table 'dim'", Options, raw)
	if err != nil {
		return connector.CreateContext{}, err
	}
	cc := connector.CreateContext{Table: "dim", Schema: types.Schema{Fields: d.schema}, Options: opts, PrimaryKey: d.pk}
	if d.format != nil {
		fo, err := config.Validate("format", d.format.Options, nil)
		if err != nil {
			t.Fatal(err)
		}
		cc.Format = &connector.FormatSpec{Format: d.format, Options: fo}
	}
	return cc, nil
}

func (d def) lookup(t testing.TB, keys []int) (*Source, error) {
	cc, err := d.ctx(t)
	if err != nil {
		return nil, err
	}
	src, err := NewLookup(connector.LookupContext{CreateContext: cc, Keys: keys})
	if err == nil {
		t.Cleanup(func() { src.Close() })
	}
	return src, err
}

func (d def) mustLookup(t testing.TB, keys []int) *Source {
	t.Helper()
	src, err := d.lookup(t, keys)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func text(schema []types.Field, r types.Row) string {
	vs := make([]string, len(r))
	for i, v := range r {
		switch {
		case v.IsNull():
			vs[i] = "NULL"
		case v.K == types.KindString:
			vs[i] = v.S
		default:
			vs[i] = types.FormatSQL(v, schema[i].Type)
		}
	}
	return "(" + strings.Join(vs, ", ") + ")"
}

// render prints each key's rows as one line, "none" when it has none.
func render(schema []types.Field, got [][]types.Row) string {
	lines := make([]string, len(got))
	for i, rows := range got {
		if rows == nil {
			lines[i] = "none"
		}
		for _, r := range rows {
			lines[i] += text(schema, r)
		}
	}
	return strings.Join(lines, "\n")
}

func key(vs ...types.Value) types.Row { return types.Row(vs) }
func i64(n int64) types.Value         { return types.IntValue(n) }
func str(s string) types.Value        { return types.StringValue(s) }

func TestLookupStringJSON(t *testing.T) {
	c := client(t)
	p := prefix(t, c)
	ctx := context.Background()
	c.Set(ctx, p+"1", `{"name":"one","score":1.5}`, 0)
	c.Set(ctx, p+"3", `{"name":null,"score":3}`, 0)
	c.Set(ctx, p+"-4", `{"name":"minus four"}`, 0)
	c.HSet(ctx, p+"5", "name", "a hash") // another type: no row
	d := def{schema: []types.Field{col("name", types.StringType), col("id", types.BigIntType.NotNull()), col("score", types.DoubleType)},
		pk: []int{1}, format: json.New(), opts: []string{"key-prefix", p}}
	src := d.mustLookup(t, []int{1})
	got, err := src.Lookup(ctx, []types.Row{key(i64(1)), key(i64(2)), key(types.NullValue()), key(i64(3)), key(i64(-4)), key(i64(5))})
	if err != nil {
		t.Fatal(err)
	}
	want := "(one, 1, 1.5)\nnone\nnone\n(NULL, 3, 3.0)\n(minus four, -4, NULL)\nnone"
	if r := render(d.schema, got); r != want {
		t.Errorf("got\n%s\nwant\n%s", r, want)
	}
	// a value the format cannot decode fails, naming the key
	c.Set(ctx, p+"6", `{"name":`, 0)
	_, err = src.Lookup(ctx, []types.Row{key(i64(6))})
	if err == nil || !strings.Contains(err.Error(), "bad record in source 'dim'") || !strings.Contains(err.Error(), "key '"+p+"6'") {
		t.Errorf("got %v", err)
	}
}

func TestLookupStringRaw(t *testing.T) {
	c := client(t)
	p := prefix(t, c)
	ctx := context.Background()
	c.Set(ctx, p+"a", "apple", 0)
	c.Set(ctx, p+"b c", "", 0)
	d := def{schema: []types.Field{col("k", types.StringType.NotNull()), col("v", types.StringType)},
		pk: []int{0}, format: raw.New(), opts: []string{"key-prefix", p, "data-type", "string"}}
	src := d.mustLookup(t, []int{0})
	got, err := src.Lookup(ctx, []types.Row{key(str("a")), key(str("b c")), key(str("z"))})
	if err != nil {
		t.Fatal(err)
	}
	if r, want := render(d.schema, got), "(a, apple)\n(b c, )\nnone"; r != want {
		t.Errorf("got\n%s\nwant\n%s", r, want)
	}
}

func hashDef(p string) def {
	return def{schema: []types.Field{col("a", types.IntType.NotNull()), col("n", types.IntType), col("b", types.StringType.NotNull()),
		col("d", types.DecimalType(5, 2)), col("dt", types.DateType)},
		pk: []int{0, 2}, format: json.New(), opts: []string{"key-prefix", p, "data-type", "hash"}}
}

func TestLookupHashTwoKeys(t *testing.T) {
	c := client(t)
	p := prefix(t, c)
	ctx := context.Background()
	c.HSet(ctx, p+"1:x", "n", "5", "d", "1.25", "dt", "2024-02-29", "extra", "ignored")
	c.HSet(ctx, p+"1:y", "n", "6")
	c.HSet(ctx, p+"2:p:q", "n", "7")
	c.Set(ctx, p+"3:s", "a string", 0)
	d := hashDef(p)
	src := d.mustLookup(t, []int{2, 0}) // lookup key order b, a
	got, err := src.Lookup(ctx, []types.Row{key(str("x"), i64(1)), key(str("y"), i64(1)), key(str("x"), i64(2)), key(str("p:q"), i64(2))})
	if err != nil {
		t.Fatal(err)
	}
	want := "(1, 5, x, 1.25, 2024-02-29)\n(1, 6, y, NULL, NULL)\nnone\n(2, 7, p:q, NULL, NULL)"
	if r := render(d.schema, got); r != want {
		t.Errorf("got\n%s\nwant\n%s", r, want)
	}
	// a key of another type is a server error naming the command
	_, err = src.Lookup(ctx, []types.Row{key(str("s"), i64(3))})
	if err == nil || !strings.Contains(err.Error(), "HGETALL at 127.0.0.1:6379 (database 0) failed: WRONGTYPE") {
		t.Errorf("got %v", err)
	}
	// a field that does not parse names field and key
	c.HSet(ctx, p+"4:t", "n", "four")
	_, err = src.Lookup(ctx, []types.Row{key(str("t"), i64(4))})
	if err == nil || !strings.Contains(err.Error(), "field 'n' of hash '"+p+"4:t': 'four' is not a INT") {
		t.Errorf("got %v", err)
	}
}

// allTypes has one column of each type with a text form; the primary key
// (ts, flag) needs the key parser to find ':' inside the timestamp.
var allTypes = []types.Field{
	col("ts", types.TimestampType(3).NotNull()), col("flag", types.BooleanType.NotNull()),
	col("ti", types.TinyIntType), col("si", types.SmallIntType), col("i", types.IntType), col("bi", types.BigIntType),
	col("f", types.FloatType), col("d", types.DoubleType), col("dec", types.DecimalType(10, 3)), col("c", types.CharType(2)),
	col("s", types.StringType), col("by", types.BytesType), col("dt", types.DateType), col("tm", types.TimeType(3)),
	col("ltz", types.TimestampLTZType(6)),
}

func allTypesRow() types.Row {
	ts, _ := types.ParseTimestamp("2024-03-01 12:34:56.789")
	ltz, _ := types.ParseTimestamp("2024-03-02 01:02:03.456789")
	dec, _ := types.ParseDecimal("-12.345", 10, 3)
	dt, _ := types.ParseDate("2024-02-29")
	tm, _ := types.ParseTime("23:59:58.5")
	return types.Row{i64(ts), types.BoolValue(true), i64(-7), i64(300), i64(70000), i64(9000000000), types.FloatValue(1.5),
		types.FloatValue(2.25), dec, str("ab"), str("héllo"), types.BytesValue([]byte{0, 0xff, 'A'}), i64(dt), i64(tm), i64(ltz)}
}

const allTypesText = "(2024-03-01 12:34:56.789, TRUE, -7, 300, 70000, 9000000000, 1.5, 2.25, -12.345, ab, héllo, " +
	"x'00ff41', 2024-02-29, 23:59:58.500, 2024-03-02 01:02:03.456789)"

// The sink writes what the lookup reads, for every type, as hash fields
// and as JSON strings; upserts replace, deletes remove, -U is skipped.
func TestSinkAndLookupAllTypes(t *testing.T) {
	for _, dataType := range []string{"hash", "string"} {
		t.Run(dataType, func(t *testing.T) {
			c := client(t)
			p := prefix(t, c)
			ctx := context.Background()
			d := def{schema: allTypes, pk: []int{0, 1}, format: json.New(), opts: []string{"key-prefix", p, "data-type", dataType}}
			cc, err := d.ctx(t)
			if err != nil {
				t.Fatal(err)
			}
			sink, err := NewSink(cc)
			if err != nil {
				t.Fatal(err)
			}
			w, err := sink.Open(ctx, 0, 1)
			if err != nil {
				t.Fatal(err)
			}
			full := allTypesRow()
			other := full.Clone()
			other[1] = types.BoolValue(false)
			gone := full.Clone()
			gone[0] = i64(0)
			nulls := make(types.Row, len(full))
			nulls[0], nulls[1], nulls[2] = full[0], types.BoolValue(false), i64(1)
			b := types.NewBatch(4)
			b.Append(types.Insert, other)
			b.Append(types.Insert, gone)
			b.Append(types.Delete, gone)
			b.Append(types.UpdateBefore, other)
			b.Append(types.UpdateAfter, nulls) // replaces 'other' (same key)
			b.Append(types.Insert, full)
			if err := w.Write(b); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			src := d.mustLookup(t, []int{0, 1})
			got, err := src.Lookup(ctx, []types.Row{key(full[0], full[1]), key(full[0], types.BoolValue(false)), key(gone[0], gone[1])})
			if err != nil {
				t.Fatal(err)
			}
			want := allTypesText + "\n(2024-03-01 12:34:56.789, FALSE, 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)\nnone"
			if r := render(allTypes, got); r != want {
				t.Errorf("got\n%s\nwant\n%s", r, want)
			}
			// the key is the key columns' text joined with ':'
			if n, _ := c.Exists(ctx, p+"2024-03-01 12:34:56.789:true").Result(); n != 1 {
				t.Errorf("key %q missing", p+"2024-03-01 12:34:56.789:true")
			}
			// Scan parses the keys back
			var rows []string
			err = src.Scan(ctx, func(r types.Row) error { rows = append(rows, text(allTypes, r)); return nil })
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(rows)
			lines := strings.Split(want, "\n")[:2]
			slices.Sort(lines)
			if got, want := strings.Join(rows, "\n"), strings.Join(lines, "\n"); got != want {
				t.Errorf("scan got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func TestScan(t *testing.T) {
	c := client(t)
	p := prefix(t, c)
	ctx := context.Background()
	want := []string{}
	for i := 0; i < 2500; i++ {
		c.HSet(ctx, fmt.Sprintf("%s%d:k%d", p, i, i), "n", i*2)
		want = append(want, fmt.Sprintf("(%d, %d, k%d, NULL, NULL)", i, i*2, i))
	}
	c.Set(ctx, p+"9:x", "a string is not a hash row", 0)
	slices.Sort(want)
	d := hashDef(p)
	src := d.mustLookup(t, []int{0, 2})
	var rows []string
	if err := src.Scan(ctx, func(r types.Row) error { rows = append(rows, text(d.schema, r)); return nil }); err != nil {
		t.Fatal(err)
	}
	slices.Sort(rows)
	if !slices.Equal(rows, want) {
		t.Errorf("scan: %d rows, want %d; first %v", len(rows), len(want), rows[:min(3, len(rows))])
	}
	// a key under the prefix that is not the key columns fails the scan
	c.HSet(ctx, p+"notanint:x", "n", 1)
	err := src.Scan(ctx, func(types.Row) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "key '"+p+"notanint:x' under 'key-prefix' '"+p+"' is not the key columns (a INT NOT NULL, b STRING NOT NULL) joined with ':'") {
		t.Errorf("got %v", err)
	}
}

func TestLookupManyKeys(t *testing.T) {
	c := client(t)
	p := prefix(t, c)
	ctx := context.Background()
	var kv []any
	for i := 0; i < 5000; i += 2 {
		kv = append(kv, fmt.Sprintf("%s%d", p, i), fmt.Sprintf("v%d", i))
	}
	c.MSet(ctx, kv...)
	d := def{schema: []types.Field{col("k", types.IntType.NotNull()), col("v", types.StringType)}, pk: []int{0}, format: raw.New(),
		opts: []string{"key-prefix", p}}
	src := d.mustLookup(t, []int{0})
	keys := make([]types.Row, 5000)
	for i := range keys {
		keys[i] = key(i64(int64(i)))
	}
	got, err := src.Lookup(ctx, keys)
	if err != nil {
		t.Fatal(err)
	}
	for i, rows := range got {
		if i%2 == 1 {
			if rows != nil {
				t.Fatalf("key %d: got %v, want none", i, rows)
			}
		} else if len(rows) != 1 || rows[0][0].I != int64(i) || rows[0][1].S != fmt.Sprintf("v%d", i) {
			t.Fatalf("key %d: got %v", i, rows)
		}
	}
}

func TestBadOptions(t *testing.T) {
	kv := []types.Field{col("k", types.IntType.NotNull()), col("v", types.StringType)}
	for _, tc := range []struct {
		d    def
		keys []int
		want string
	}{
		{def{schema: kv, format: raw.New()}, []int{0}, "needs a PRIMARY KEY"},
		{def{schema: kv, pk: []int{0}, format: raw.New()}, []int{1}, "a lookup must match exactly the PRIMARY KEY columns (k), it matches v"},
		{def{schema: kv, pk: []int{0}, format: raw.New()}, []int{0, 1}, "a lookup must match exactly the PRIMARY KEY columns (k), it matches k, v"},
		{def{schema: kv, pk: []int{0}, format: raw.New(), opts: []string{"port", "0"}}, []int{0}, "option 'port' is 0, not a number from 1 to 65535"},
		{def{schema: kv, pk: []int{0}, format: raw.New(), opts: []string{"database", "-1"}}, []int{0}, "option 'database' is -1"},
		{def{schema: kv, pk: []int{0}, format: raw.New(), opts: []string{"data-type", "list"}}, []int{0}, "option 'data-type'"},
		{def{schema: kv, pk: []int{0}, opts: []string{"data-type", "string"}}, []int{0}, "'data-type' = 'string' needs a 'format'"},
		{def{schema: append(slices.Clone(kv), col("w", types.IntType)), pk: []int{0}, format: raw.New()}, []int{0},
			"format 'raw' of the value columns: the 'raw' format needs exactly one physical column, the table has 2"},
		{def{schema: []types.Field{col("k", types.IntType.NotNull()), col("a", types.ArrayType(types.IntType))}, pk: []int{0}, format: raw.New(),
			opts: []string{"data-type", "hash"}}, []int{0}, "column 'a' has type ARRAY<INT>, which a hash field cannot hold as text"},
		{def{schema: []types.Field{col("k", types.IntType.NotNull())}, pk: []int{0}, format: raw.New()}, []int{0}, "has only key columns"},
		{def{schema: kv, pk: []int{0}, format: raw.New(), opts: []string{"key-prefx", "a"}}, []int{0}, "unsupported option 'key-prefx'; did you mean 'key-prefix'?"},
	} {
		_, err := tc.d.lookup(t, tc.keys)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want %q", err, tc.want)
		}
	}
}

func TestServiceDown(t *testing.T) {
	for _, dataType := range []string{"string", "hash"} {
		d := def{schema: []types.Field{col("k", types.IntType.NotNull()), col("v", types.StringType)}, pk: []int{0}, format: raw.New(),
			opts: []string{"port", "1", "data-type", dataType, "connection.timeout", "1 s"}}
		src := d.mustLookup(t, []int{0})
		_, err := src.Lookup(context.Background(), []types.Row{key(i64(1))})
		if err == nil || !strings.Contains(err.Error(), "redis table 'dim': cannot reach Redis at 127.0.0.1:1 (database 0)") ||
			!strings.Contains(err.Error(), "check that redis-server is running there") {
			t.Errorf("%s: got %v", dataType, err)
		}
	}
}
