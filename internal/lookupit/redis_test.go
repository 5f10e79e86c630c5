package lookupit

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"
	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/types"
)

// seq is a datagen table s (id BIGINT 1..n, pt proctime); rate 0 is
// unpaced.
func seq(n, rate int) string {
	return fmt.Sprintf(`CREATE TABLE s (id BIGINT, pt AS PROCTIME()) WITH ('connector' = 'datagen', 'rows-per-second' = '%d',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '%d');
`, rate, n)
}

func setJSON(t *testing.T, c *goredis.Client, prefix string, kv map[int]string) {
	t.Helper()
	for k, name := range kv {
		if err := c.Set(context.Background(), prefix+strconv.Itoa(k), `{"name":"`+name+`"}`, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRedisStringJSON(t *testing.T) {
	c := sharedRedis(t)
	p := keyPrefix(t, c)
	setJSON(t, c, p, map[int]string{1: "one", 2: "two", 4: "four"})
	ddl := seq(5, 0) + fmt.Sprintf(`
CREATE TABLE dim (id BIGINT, name STRING, PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'redis', 'key-prefix' = '%s', 'format' = 'json');
CREATE TABLE snk (id BIGINT, name STRING) WITH ('connector' = 'print');
`, p)
	t.Run("inner", func(t *testing.T) {
		got := newRun().mustRows(t, ddl+`INSERT INTO snk SELECT s.id, d.name FROM s JOIN dim FOR SYSTEM_TIME AS OF s.pt AS d ON s.id = d.id;`)
		assertRows(t, got, "+I[1, one]", "+I[2, two]", "+I[4, four]")
	})
	t.Run("left", func(t *testing.T) {
		got := newRun().mustRows(t, ddl+`INSERT INTO snk SELECT s.id, d.name FROM s LEFT JOIN dim FOR SYSTEM_TIME AS OF s.pt AS d ON s.id = d.id;`)
		assertRows(t, got, "+I[1, one]", "+I[2, two]", "+I[3, null]", "+I[4, four]", "+I[5, null]")
	})
}

// A computed key: ids 1..25 looked up by id mod 10 in keys 0..9 without 7.
func TestRedisComputedKey(t *testing.T) {
	c := sharedRedis(t)
	p := keyPrefix(t, c)
	kv := map[int]string{}
	for k := 0; k < 10; k++ {
		if k != 7 {
			kv[k] = "k" + strconv.Itoa(k)
		}
	}
	setJSON(t, c, p, kv)
	got := newRun().mustRows(t, seq(25, 0)+fmt.Sprintf(`
CREATE TABLE dim (id BIGINT, name STRING, PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'redis', 'key-prefix' = '%s', 'format' = 'json');
CREATE TABLE snk (id BIGINT, name STRING) WITH ('connector' = 'print');
INSERT INTO snk SELECT s.id, d.name FROM s JOIN dim FOR SYSTEM_TIME AS OF s.pt AS d ON MOD(s.id, 10) = d.id;`, p))
	var want []string
	for id := 1; id <= 25; id++ {
		if id%10 != 7 {
			want = append(want, fmt.Sprintf("+I[%d, k%d]", id, id%10))
		}
	}
	assertRows(t, got, want...)
}

// Hashes with a two-column key (region, id) and a residual condition on a
// looked-up column: ids 1..6, region 'us' for odd ids and 'eu' for even.
func TestRedisHashTwoColumnKeyResidual(t *testing.T) {
	c := sharedRedis(t)
	p := keyPrefix(t, c)
	ctx := context.Background()
	for key, f := range map[string][]string{
		"us:1": {"name", "a", "score", "5"},  // fails score > 10
		"eu:2": {"name", "b", "score", "20"}, // matches
		"us:3": {"name", "c", "score", "30"}, // matches
		"eu:4": {"name", "d", "score", "40"}, // matches
		"eu:5": {"name", "e", "score", "50"}, // id 5 is 'us': no row
	} {
		if err := c.HSet(ctx, p+key, f).Err(); err != nil {
			t.Fatal(err)
		}
	}
	ddl := `CREATE TABLE s (id BIGINT, region AS CASE WHEN MOD(id, 2) = 0 THEN 'eu' ELSE 'us' END, pt AS PROCTIME()) WITH ('connector' = 'datagen',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '6');
` + fmt.Sprintf(`CREATE TABLE dim (region STRING, id BIGINT, name STRING, score INT, PRIMARY KEY (region, id) NOT ENFORCED)
  WITH ('connector' = 'redis', 'data-type' = 'hash', 'key-prefix' = '%s', 'format' = 'json');
CREATE TABLE snk (id BIGINT, region STRING, name STRING, score INT) WITH ('connector' = 'print');
`, p)
	t.Run("inner", func(t *testing.T) {
		got := newRun().mustRows(t, ddl+`INSERT INTO snk SELECT s.id, s.region, d.name, d.score FROM s
  JOIN dim FOR SYSTEM_TIME AS OF s.pt AS d ON s.region = d.region AND s.id = d.id AND d.score > 10;`)
		assertRows(t, got, "+I[2, eu, b, 20]", "+I[3, us, c, 30]", "+I[4, eu, d, 40]")
	})
	t.Run("left", func(t *testing.T) {
		got := newRun().mustRows(t, ddl+`INSERT INTO snk SELECT s.id, s.region, d.name, d.score FROM s
  LEFT JOIN dim FOR SYSTEM_TIME AS OF s.pt AS d ON s.region = d.region AND s.id = d.id AND d.score > 10;`)
		assertRows(t, got, "+I[1, us, null, null]", "+I[2, eu, b, 20]", "+I[3, us, c, 30]", "+I[4, eu, d, 40]",
			"+I[5, us, null, null]", "+I[6, eu, null, null]")
	})
}

// PARTIAL cache: 20 rows at 10/s all look up key 1; after the first row is
// out the stored value changes from 'old' to 'new'. Cached for an hour,
// every row sees 'old' and one key is looked up; expiring after 300 ms or
// without a cache, the last row (1.9 s later) sees 'new'.
func TestRedisPartialCache(t *testing.T) {
	c := sharedRedis(t)
	for _, tc := range []struct {
		name, opts string
		lastNew    bool
		keys       func(int64) bool
	}{
		{"cached", `'lookup.cache' = 'PARTIAL', 'lookup.partial-cache.expire-after-write' = '1 h'`, false, func(n int64) bool { return n == 1 }},
		{"expiring", `'lookup.cache' = 'PARTIAL', 'lookup.partial-cache.expire-after-write' = '300 ms'`, true, func(n int64) bool { return n >= 2 && n < 20 }},
		{"none", `'lookup.cache' = 'NONE'`, true, func(n int64) bool { return n == 20 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := keyPrefix(t, c)
			setJSON(t, c, p, map[int]string{1: "old"})
			r := newRun()
			done := make(chan error, 1)
			go func() {
				done <- r.exec(t, `SET 'parallelism.default' = '1';
`+seq(20, 10)+fmt.Sprintf(`CREATE TABLE dim (id BIGINT, name STRING, PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'redis', 'key-prefix' = '%s', 'format' = 'json', %s);
CREATE TABLE snk (id BIGINT, name STRING) WITH ('connector' = 'print');
INSERT INTO snk SELECT s.id, d.name FROM s JOIN dim FOR SYSTEM_TIME AS OF s.pt AS d ON MOD(s.id, 1) + 1 = d.id;`, p, tc.opts))
			}()
			waitRows(t, r, 1, done)
			setJSON(t, c, p, map[int]string{1: "new"})
			if err := <-done; err != nil {
				t.Fatalf("%v\n%s", err, r.out.String())
			}
			rows := r.out.rows()
			if len(rows) != 20 || rows[0] != "+I[1, old]" {
				t.Fatalf("%d rows, first %q; want 20, the first +I[1, old]:\n%s", len(rows), rows[0], strings.Join(rows, "\n"))
			}
			want := "+I[20, old]"
			if tc.lastNew {
				want = "+I[20, new]"
			}
			if rows[19] != want {
				t.Fatalf("last row %q, want %q:\n%s", rows[19], want, strings.Join(rows, "\n"))
			}
			if !tc.lastNew {
				for _, row := range rows {
					if !strings.HasSuffix(row, ", old]") {
						t.Fatalf("row %q saw the new value within expire-after-write", row)
					}
				}
				if st := r.lookupState(); st[0] != 1 {
					t.Fatalf("cached keys %v, want 1 in subtask 0", st)
				}
			}
			if n := r.count.keys.Load(); !tc.keys(n) {
				t.Fatalf("%d keys looked up in the store", n)
			}
		})
	}
}

// FULL cache at parallelism 2: each instance holds only the rows of its
// shard (the rows the hash exchange sends it keys of), and no key is
// looked up in the store.
func TestRedisFullCacheSharded(t *testing.T) {
	c := sharedRedis(t)
	p := keyPrefix(t, c)
	kv := map[int]string{}
	for k := 1; k <= 100; k++ {
		kv[k] = "n" + strconv.Itoa(k)
	}
	setJSON(t, c, p, kv)
	r := newRun()
	got := r.mustRows(t, `SET 'parallelism.default' = '2';
`+seq(120, 0)+fmt.Sprintf(`CREATE TABLE dim (id BIGINT, name STRING, PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'redis', 'key-prefix' = '%s', 'format' = 'json', 'lookup.cache' = 'FULL');
CREATE TABLE snk (id BIGINT, name STRING) WITH ('connector' = 'print');
INSERT INTO snk SELECT s.id, d.name FROM s LEFT JOIN dim FOR SYSTEM_TIME AS OF s.pt AS d ON s.id = d.id;`, p))
	var want []string
	for id := 1; id <= 120; id++ {
		if id <= 100 {
			want = append(want, fmt.Sprintf("+I[%d, n%d]", id, id))
		} else {
			want = append(want, fmt.Sprintf("+I[%d, null]", id))
		}
	}
	assertRows(t, got, want...)
	shard := map[int]int64{}
	var buf []byte
	for k := 1; k <= 100; k++ {
		for sub := 0; sub < 2; sub++ {
			var in bool
			if in, buf = connector.InShard(types.Row{types.IntValue(int64(k))}, []int{0}, sub, 2, buf); in {
				shard[sub]++
			}
		}
	}
	if shard[0]+shard[1] != 100 || shard[0] == 0 || shard[1] == 0 {
		t.Fatalf("expected shard sizes %v do not split 100 keys", shard)
	}
	if st := r.lookupState(); st[0] != shard[0] || st[1] != shard[1] {
		t.Fatalf("FULL cache rows per instance %v, want %v", st, shard)
	}
	if n := r.count.calls.Load(); n != 0 {
		t.Fatalf("%d lookups sent to the store; a FULL cache answers every key", n)
	}
}

// Output modes: many small requests (batch size 7) over 300 rows. ORDERED
// at parallelism 1 keeps the input order exactly; ALLOW_UNORDERED emits the
// same rows, in any order.
func TestRedisOutputModes(t *testing.T) {
	c := sharedRedis(t)
	p := keyPrefix(t, c)
	kv := map[int]string{}
	for k := 1; k <= 300; k += 2 {
		kv[k] = "n" + strconv.Itoa(k)
	}
	setJSON(t, c, p, kv)
	var want []string
	for id := 1; id <= 300; id++ {
		if id%2 == 1 {
			want = append(want, fmt.Sprintf("+I[%d, n%d]", id, id))
		} else {
			want = append(want, fmt.Sprintf("+I[%d, null]", id))
		}
	}
	script := func(mode string) string {
		return fmt.Sprintf(`SET 'parallelism.default' = '1';
SET 'table.exec.async-lookup.output-mode' = '%s';
SET 'table.exec.async-lookup.buffer-capacity' = '8';
`, mode) + seq(300, 0) + fmt.Sprintf(`CREATE TABLE dim (id BIGINT, name STRING, PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'redis', 'key-prefix' = '%s', 'format' = 'json', 'lookup.batch-size' = '7');
CREATE TABLE snk (id BIGINT, name STRING) WITH ('connector' = 'print');
INSERT INTO snk SELECT s.id, d.name FROM s LEFT JOIN dim FOR SYSTEM_TIME AS OF s.pt AS d ON s.id = d.id;`, p)
	}
	t.Run("ordered", func(t *testing.T) {
		r := newRun()
		if err := r.exec(t, script("ORDERED")); err != nil {
			t.Fatal(err)
		}
		got := r.out.rows() // unsorted: the order is the point
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("ORDERED output is not in input order:\n%s", strings.Join(got, "\n"))
		}
		if n := r.count.calls.Load(); n < 300/7 {
			t.Fatalf("%d requests for 300 keys at batch size 7", n)
		}
	})
	t.Run("unordered", func(t *testing.T) {
		assertRows(t, newRun().mustRows(t, script("ALLOW_UNORDERED")), want...)
	})
}
