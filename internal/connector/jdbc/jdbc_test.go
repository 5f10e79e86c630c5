package jdbc

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/types"
)

// backend is one real database of this machine (.ci/run starts them).
type backend struct {
	name, url, driver, dsn, start string
	pg                            bool
}

var backends = []backend{
	{name: "postgres", url: "jdbc:postgresql://127.0.0.1:5432/test", driver: "pgx", pg: true,
		dsn:   "postgres://postgres@127.0.0.1:5432/test?sslmode=disable",
		start: "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"},
	{name: "mariadb", url: "jdbc:mariadb://127.0.0.1:3306/test", driver: "mysql",
		dsn:   "root@tcp(127.0.0.1:3306)/test?time_zone=%27%2B00%3A00%27",
		start: "start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd"},
}

// admin connects to the backend to create test tables; an unreachable
// database fails the test with how to start it.
func (b backend) admin(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sql.Open(b.driver, b.dsn)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Ping(); err != nil {
		t.Fatalf("%s is not reachable (%v): run .ci/run, or start it with: %s (and create database 'test')", b.name, err, b.start)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func exec(t testing.TB, db *sql.DB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// tableName is unique to the test; the table is dropped at the end.
func tableName(t testing.TB, db *sql.DB) string {
	name := strings.ToLower(strings.NewReplacer("/", "_", "-", "_").Replace(t.Name())) + fmt.Sprintf("_%06d", rand.IntN(1000000))
	t.Cleanup(func() { db.Exec("DROP TABLE IF EXISTS " + name) })
	return name
}

func col(name string, t types.Type) types.Field { return types.Field{Name: name, Type: t} }

// open builds the lookup source through the option spec, as the planner does.
func open(t testing.TB, url, table string, schema []types.Field, keys []int, extra ...string) (*Source, error) {
	t.Helper()
	raw := map[string]string{"url": url, "table-name": table}
	for i := 0; i+1 < len(extra); i += 2 {
		raw[extra[i]] = extra[i+1]
	}
	opts, err := config.Validate("connector 'jdbc' of table 'dim'", Options, raw)
	if err != nil {
		return nil, err
	}
	src, err := NewLookup(connector.LookupContext{CreateContext: connector.CreateContext{
		Table: "dim", Schema: types.Schema{Fields: schema}, Options: opts}, Keys: keys})
	if err == nil {
		t.Cleanup(func() { src.Close() })
	}
	return src, err
}

func mustOpen(t testing.TB, url, table string, schema []types.Field, keys []int, extra ...string) *Source {
	t.Helper()
	src, err := open(t, url, table, schema, keys, extra...)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// render prints each key's rows, sorted, as "k: (a, b) (c, d)" lines, so
// expectations do not depend on the database's row order.
func render(schema []types.Field, keys []types.Row, got [][]types.Row) string {
	s := types.Schema{Fields: schema}
	var lines []string
	for i, rows := range got {
		var rs []string
		for _, r := range rows {
			var vs []string
			for j, v := range r {
				vs = append(vs, sqlText(v, s.Fields[j].Type))
			}
			rs = append(rs, "("+strings.Join(vs, ", ")+")")
		}
		sort := slices.Clone(rs)
		slices.Sort(sort)
		var ks []string
		for _, v := range keys[i] {
			ks = append(ks, sqlText(v, types.StringType))
		}
		line := strings.Join(ks, ",") + ":"
		if rows == nil {
			line += " none"
		}
		lines = append(lines, line+" "+strings.Join(sort, " "))
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

func sqlText(v types.Value, t types.Type) string {
	if v.IsNull() {
		return "NULL"
	}
	if v.K == types.KindString {
		return v.S
	}
	if v.K == types.KindInt && t.ID == types.VarChar {
		return fmt.Sprint(v.I)
	}
	return types.FormatSQL(v, t)
}

func key(vs ...types.Value) types.Row { return types.Row(vs) }

func i64(n int64) types.Value  { return types.IntValue(n) }
func str(s string) types.Value { return types.StringValue(s) }

func eachBackend(t *testing.T, f func(t *testing.T, b backend, db *sql.DB)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { f(t, b, b.admin(t)) })
	}
}

func TestLookupOneKey(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend, db *sql.DB) {
		tbl := tableName(t, db)
		exec(t, db, "CREATE TABLE "+tbl+" (id BIGINT, name VARCHAR(20))",
			"INSERT INTO "+tbl+" VALUES (1, 'one'), (2, 'two'), (2, 'deux'), (4, NULL), (NULL, 'nokey')")
		schema := []types.Field{col("id", types.BigIntType), col("name", types.StringType)}
		src := mustOpen(t, b.url, tbl, schema, []int{0})
		keys := []types.Row{key(i64(2)), key(i64(1)), key(i64(3)), key(types.NullValue()), key(i64(4))}
		got, err := src.Lookup(context.Background(), keys)
		if err != nil {
			t.Fatal(err)
		}
		want := `2: (2, deux) (2, two)
1: (1, one)
3: none 
NULL: none 
4: (4, NULL)`
		if r := render(schema, keys, got); r != want {
			t.Errorf("got\n%s\nwant\n%s", r, want)
		}
		// an empty call queries nothing
		if got, err := src.Lookup(context.Background(), nil); err != nil || len(got) != 0 {
			t.Errorf("empty lookup: %v %v", got, err)
		}
	})
}

func TestLookupTwoKeys(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend, db *sql.DB) {
		tbl := tableName(t, db)
		exec(t, db, "CREATE TABLE "+tbl+" (v DOUBLE PRECISION, a INT, b VARCHAR(10))",
			"INSERT INTO "+tbl+" VALUES (1.5, 1, 'x'), (NULL, 1, 'y'), (3, 2, 'z'), (4.25, 1, 'y')")
		schema := []types.Field{col("v", types.DoubleType), col("a", types.IntType), col("b", types.StringType)}
		// key columns in the join's order: b, a
		src := mustOpen(t, b.url, tbl, schema, []int{2, 1})
		keys := []types.Row{key(str("x"), i64(1)), key(str("y"), i64(1)), key(str("x"), i64(2)), key(str("z"), i64(2))}
		got, err := src.Lookup(context.Background(), keys)
		if err != nil {
			t.Fatal(err)
		}
		want := `x,1: (1.5, 1, x)
y,1: (4.25, 1, y) (NULL, 1, y)
x,2: none 
z,2: (3.0, 2, z)`
		if r := render(schema, keys, got); r != want {
			t.Errorf("got\n%s\nwant\n%s", r, want)
		}
	})
}

// allTypes declares one column of each supported type, per backend.
func allTypes(b backend) (ddl string, schema []types.Field, insert string) {
	schema = []types.Field{
		col("id", types.IntType), col("b", types.BooleanType), col("ti", types.TinyIntType), col("si", types.SmallIntType),
		col("bi", types.BigIntType), col("f", types.FloatType), col("d", types.DoubleType), col("dec", types.DecimalType(10, 2)),
		col("c", types.CharType(3)), col("s", types.StringType), col("by", types.BytesType), col("dt", types.DateType),
		col("tm", types.TimeType(0)), col("ts", types.TimestampType(6)), col("tz", types.TimestampLTZType(3)),
	}
	if b.pg {
		ddl = `(id INT, b BOOLEAN, ti SMALLINT, si SMALLINT, bi BIGINT, f REAL, d DOUBLE PRECISION, "dec" NUMERIC(10,2),
			c CHAR(3), s TEXT, "by" BYTEA, dt DATE, tm TIME, ts TIMESTAMP(6), tz TIMESTAMPTZ(3))`
		insert = `(1, TRUE, -7, 300, 9000000000, 1.5, 2.25, 12345.67, 'abc', 'héllo', '\x00ff41', '2024-02-29', '23:59:58', '2024-03-01 12:34:56.123456', '2024-03-01 12:34:56.789+02')`
	} else {
		ddl = "(id INT, b BOOLEAN, ti TINYINT, si SMALLINT, bi BIGINT, f FLOAT, d DOUBLE, `dec` DECIMAL(10,2), " +
			"c CHAR(3), s TEXT, `by` VARBINARY(10), dt DATE, tm TIME, ts DATETIME(6), tz TIMESTAMP(3) NULL)"
		insert = `(1, TRUE, -7, 300, 9000000000, 1.5, 2.25, 12345.67, 'abc', 'héllo', X'00ff41', '2024-02-29', '23:59:58', '2024-03-01 12:34:56.123456', '2024-03-01 10:34:56.789')`
	}
	return ddl, schema, insert
}

func TestLookupAllTypes(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend, db *sql.DB) {
		tbl := tableName(t, db)
		ddl, schema, insert := allTypes(b)
		exec(t, db, "CREATE TABLE "+tbl+" "+ddl, "INSERT INTO "+tbl+" VALUES "+insert,
			"INSERT INTO "+tbl+" (id) VALUES (2)")
		src := mustOpen(t, b.url, tbl, schema, []int{0})
		keys := []types.Row{key(i64(1)), key(i64(2))}
		got, err := src.Lookup(context.Background(), keys)
		if err != nil {
			t.Fatal(err)
		}
		// TIMESTAMP_LTZ is rendered in UTC: 12:34:56.789+02 is 10:34:56.789.
		want := `1: (1, TRUE, -7, 300, 9000000000, 1.5, 2.25, 12345.67, abc, héllo, x'00ff41', 2024-02-29, 23:59:58, 2024-03-01 12:34:56.123456, 2024-03-01 10:34:56.789)
2: (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`
		if r := render(schema, keys, got); r != want {
			t.Errorf("got\n%s\nwant\n%s", r, want)
		}
		if len(got[0]) != 1 {
			t.Fatal("no row for id 1")
		}
		row := got[0][0]
		// every column type as a lookup key finds the row: the key values
		// go to the database as bind parameters of that type
		for c := 1; c < len(schema); c++ {
			if schema[c].Type.IsApprox() {
				continue // equality on floats is not a key
			}
			ks := mustOpen(t, b.url, tbl, schema, []int{c})
			got, err := ks.Lookup(context.Background(), []types.Row{key(row[c])})
			if err != nil {
				t.Fatalf("key %s: %v", schema[c].Name, err)
			}
			if len(got[0]) != 1 || got[0][0][0].I != 1 {
				t.Errorf("key %s = %s: got %v, want the row with id 1", schema[c].Name, types.FormatSQL(row[c], schema[c].Type), got[0])
			}
		}
	})
}

func TestLookupManyKeysChunked(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend, db *sql.DB) {
		tbl := tableName(t, db)
		exec(t, db, "CREATE TABLE "+tbl+" (id INT, v BIGINT)")
		for start := 0; start < 5000; start += 1000 {
			var vals []string
			for i := start; i < start+1000; i++ {
				vals = append(vals, fmt.Sprintf("(%d, %d)", i, i*10))
			}
			exec(t, db, "INSERT INTO "+tbl+" VALUES "+strings.Join(vals, ", "))
		}
		schema := []types.Field{col("id", types.IntType), col("v", types.BigIntType)}
		// keys 0, 2, 4, ... 9998: the even ones below 5000 exist
		keys := make([]types.Row, 5000)
		for i := range keys {
			keys[i] = key(i64(int64(2 * i)))
		}
		for _, maxKeys := range []int{0, 1024} {
			src := mustOpen(t, b.url, tbl, schema, []int{0})
			if maxKeys > 0 {
				src.maxKeys = maxKeys // force 5 statements
			}
			got, err := src.Lookup(context.Background(), keys)
			if err != nil {
				t.Fatal(err)
			}
			for i, rows := range got {
				id := int64(2 * i)
				if id < 5000 {
					if len(rows) != 1 || rows[0][0].I != id || rows[0][1].I != id*10 {
						t.Fatalf("maxKeys %d: key %d: got %v, want one row (%d, %d)", maxKeys, id, rows, id, id*10)
					}
				} else if rows != nil {
					t.Fatalf("maxKeys %d: key %d: got %v, want none", maxKeys, id, rows)
				}
			}
			src.mu.Lock()
			var sizes []int
			for n := range src.stmts {
				sizes = append(sizes, n)
			}
			src.mu.Unlock()
			slices.Sort(sizes)
			want := []int{5120}
			if maxKeys > 0 {
				want = []int{1024}
			}
			if !slices.Equal(sizes, want) {
				t.Errorf("maxKeys %d: statements for %v keys, want %v", maxKeys, sizes, want)
			}
		}
	})
}

func TestScan(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend, db *sql.DB) {
		tbl := tableName(t, db)
		exec(t, db, "CREATE TABLE "+tbl+" (id BIGINT, name VARCHAR(20))",
			"INSERT INTO "+tbl+" VALUES (1, 'one'), (2, 'two'), (2, 'deux'), (4, NULL)")
		schema := []types.Field{col("id", types.BigIntType), col("name", types.StringType)}
		src := mustOpen(t, b.url, tbl, schema, []int{0})
		var rows []string
		err := src.Scan(context.Background(), func(r types.Row) error {
			rows = append(rows, sqlText(r[0], schema[0].Type)+" "+sqlText(r[1], schema[1].Type))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(rows)
		if got, want := strings.Join(rows, "|"), "1 one|2 deux|2 two|4 NULL"; got != want {
			t.Errorf("scan got %s want %s", got, want)
		}
		// fn's error stops the scan and is returned as is
		stop := fmt.Errorf("stop")
		if err := src.Scan(context.Background(), func(types.Row) error { return stop }); err != stop {
			t.Errorf("scan error %v, want %v", err, stop)
		}
	})
}

func TestTypeMismatch(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend, db *sql.DB) {
		tbl := tableName(t, db)
		exec(t, db, "CREATE TABLE "+tbl+" (id BIGINT, name VARCHAR(20), big BIGINT)",
			"INSERT INTO "+tbl+" VALUES (1, 'one', 100000)")
		schema := []types.Field{col("id", types.BigIntType), col("name", types.IntType), col("big", types.BigIntType)}
		src := mustOpen(t, b.url, tbl, schema, []int{0})
		_, err := src.Lookup(context.Background(), []types.Row{key(i64(1))})
		if err == nil || !strings.Contains(err.Error(), "jdbc table 'dim': column 'name' is ") ||
			!strings.Contains(err.Error(), "database table '"+tbl+"'") || !strings.Contains(err.Error(), "declare it as STRING") {
			t.Errorf("got %v", err)
		}
		// a value out of the declared range names the column
		schema = []types.Field{col("id", types.BigIntType), col("name", types.StringType), col("big", types.SmallIntType)}
		src = mustOpen(t, b.url, tbl, schema, []int{0})
		_, err = src.Lookup(context.Background(), []types.Row{key(i64(1))})
		if err == nil || !strings.Contains(err.Error(), "column 'big'") || !strings.Contains(err.Error(), "out of the range of SMALLINT") {
			t.Errorf("got %v", err)
		}
		// NULL in a NOT NULL column
		exec(t, db, "INSERT INTO "+tbl+" VALUES (2, NULL, 1)")
		schema = []types.Field{col("id", types.BigIntType), col("name", types.StringType.NotNull()), col("big", types.BigIntType)}
		src = mustOpen(t, b.url, tbl, schema, []int{0})
		_, err = src.Lookup(context.Background(), []types.Row{key(i64(2))})
		if err == nil || !strings.Contains(err.Error(), "column 'name'") || !strings.Contains(err.Error(), "NOT NULL") {
			t.Errorf("got %v", err)
		}
		// a missing table
		src = mustOpen(t, b.url, tbl+"_missing", schema, []int{0})
		_, err = src.Lookup(context.Background(), []types.Row{key(i64(2))})
		if err == nil || !strings.Contains(err.Error(), "check 'table-name' ('"+tbl+"_missing')") {
			t.Errorf("got %v", err)
		}
	})
}

func TestMariaDBStringKeysFoldCase(t *testing.T) {
	b := backends[1]
	db := b.admin(t)
	tbl := tableName(t, db)
	exec(t, db, "CREATE TABLE "+tbl+" (name VARCHAR(10), v INT)", "INSERT INTO "+tbl+" VALUES ('Abc', 1)")
	schema := []types.Field{col("name", types.StringType), col("v", types.IntType)}
	src := mustOpen(t, b.url, tbl, schema, []int{0})
	keys := []types.Row{key(str("abc")), key(str("ABC ")), key(str("abd"))}
	got, err := src.Lookup(context.Background(), keys)
	if err != nil {
		t.Fatal(err)
	}
	// the default collation is case-insensitive and ignores trailing spaces
	want := "abc: (Abc, 1)\nABC : (Abc, 1)\nabd: none"
	if r := render(schema, keys, got); r != want {
		t.Errorf("got\n%s\nwant\n%s", r, want)
	}
}

func TestConcurrentLookups(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend, db *sql.DB) {
		tbl := tableName(t, db)
		exec(t, db, "CREATE TABLE "+tbl+" (id INT, v INT)", "INSERT INTO "+tbl+" VALUES (1, 10), (2, 20), (3, 30)")
		schema := []types.Field{col("id", types.IntType), col("v", types.IntType)}
		src := mustOpen(t, b.url, tbl, schema, []int{0}, "connection.max-open", "3")
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 20; i++ {
					k := int64(1 + (g+i)%4)
					got, err := src.Lookup(context.Background(), []types.Row{key(i64(k))})
					if err != nil {
						errs <- err
						return
					}
					if (k == 4) != (got[0] == nil) || (k < 4 && got[0][0][1].I != k*10) {
						errs <- fmt.Errorf("key %d: got %v", k, got[0])
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})
}

func TestBadOptions(t *testing.T) {
	schema := []types.Field{col("id", types.IntType), col("v", types.IntType)}
	for _, tc := range []struct {
		opts []string
		keys []int
		want string
	}{
		{[]string{"url", "postgresql://h/db"}, []int{0}, "option 'url' is 'postgresql://h/db', not a JDBC URL like 'jdbc:postgresql://host:5432/db'"},
		{[]string{"url", "jdbc:oracle://h:1521/db"}, []int{0}, "database 'oracle' is not supported; use jdbc:postgresql://, jdbc:mysql:// or jdbc:mariadb://"},
		{[]string{"url", "jdbc:mysql://h:99999/db"}, []int{0}, "port '99999', not a number from 1 to 65535"},
		{[]string{"url", "jdbc:mysql://h:3306"}, []int{0}, "it must name one database after the host"},
		{[]string{"url", "jdbc:mysql://u:p@h:3306/db"}, []int{0}, "must not hold credentials"},
		{[]string{"table-name", " "}, []int{0}, "option 'table-name' is empty"},
		{[]string{"table-name", "a..b"}, []int{0}, "option 'table-name' is 'a..b', not a table name or schema.table"},
		{[]string{"connection.max-retry-timeout", "100 ms"}, []int{0}, "option 'connection.max-retry-timeout' is 100ms; it must be at least 1 s"},
		{[]string{"connection.max-open", "0"}, []int{0}, "option 'connection.max-open' is 0; it must be at least 1"},
		{[]string{"lookup.cache", "SOMETIMES"}, []int{0}, "option 'lookup.cache'"},
		{[]string{"table-nam", "x"}, []int{0}, "unsupported option 'table-nam'; did you mean 'table-name'?"},
		{nil, nil, "a lookup needs at least one key column"},
	} {
		opts := append([]string{"url", "jdbc:postgresql://127.0.0.1/test"}, tc.opts...)
		raw := map[string]string{"table-name": "t"}
		for i := 0; i+1 < len(opts); i += 2 {
			raw[opts[i]] = opts[i+1]
		}
		url := raw["url"]
		delete(raw, "url")
		var extra []string
		for k, v := range raw {
			if k != "table-name" {
				extra = append(extra, k, v)
			}
		}
		_, err := open(t, url, raw["table-name"], schema, tc.keys, extra...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want %q", tc.opts, err, tc.want)
		}
	}
	// a column type the connector cannot read
	_, err := open(t, "jdbc:postgresql://127.0.0.1/test", "t", []types.Field{col("id", types.IntType), col("a", types.ArrayType(types.IntType))}, []int{0})
	if err == nil || !strings.Contains(err.Error(), "column 'a' has type ARRAY<INT>, which the jdbc connector cannot read") {
		t.Errorf("got %v", err)
	}
}

func TestServiceDown(t *testing.T) {
	schema := []types.Field{col("id", types.IntType)}
	for _, url := range []string{"jdbc:postgresql://127.0.0.1:1/test", "jdbc:mysql://127.0.0.1:1/test"} {
		src := mustOpen(t, url, "t", schema, []int{0}, "connection.max-retry-timeout", "1 s")
		_, err := src.Lookup(context.Background(), []types.Row{key(i64(1))})
		if err == nil || !strings.Contains(err.Error(), "jdbc table 'dim': cannot query ") ||
			!strings.Contains(err.Error(), "at 127.0.0.1:1 (database 'test')") ||
			!strings.Contains(err.Error(), "check that the database is running and reachable there") {
			t.Errorf("%s: got %v", url, err)
		}
	}
}
