package lookupit

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
	goredis "github.com/redis/go-redis/v9"

	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/connector/all"
	"github.com/sluicehq/sluice/internal/engine"
	"github.com/sluicehq/sluice/internal/testutil/syncbuf"
	"github.com/sluicehq/sluice/internal/types"
)

// syncBuffer is the print sink's output, read while the job runs.
type syncBuffer struct{ syncbuf.Buffer }

// rows returns the printed rows without the subtask prefix ("2> +I[1, a]"
// → "+I[1, a]").
func (s *syncBuffer) rows() []string {
	var out []string
	for _, l := range strings.Split(s.String(), "\n") {
		if _, r, ok := strings.Cut(l, "> "); ok {
			l = r
		}
		if strings.HasPrefix(l, "+") || strings.HasPrefix(l, "-") {
			out = append(out, l)
		}
	}
	return out
}

// counts counts the lookups (keys asked for) and scanned rows of every
// lookup source a registry built by newRegistry creates.
type counts struct {
	keys, calls, scanned atomic.Int64
}

type run struct {
	out   *syncBuffer
	eng   *engine.Engine
	count *counts
}

// newRun makes an engine whose print sink writes to out and whose redis
// and jdbc lookup sources are counted.
func newRun() *run {
	r := &run{out: &syncBuffer{}, count: &counts{}}
	reg := all.NewRegistry(all.WithOutput(r.out, r.out))
	for _, name := range []string{"redis", "jdbc"} {
		f, err := reg.Connector(name)
		if err != nil {
			panic(err)
		}
		newLookup := f.NewLookup
		f.NewLookup = func(ctx connector.LookupContext) (connector.LookupSource, error) {
			src, err := newLookup(ctx)
			if err != nil {
				return nil, err
			}
			return &countingSource{src: src, c: r.count}, nil
		}
	}
	r.eng = &engine.Engine{Connectors: reg, Out: r.out, Err: r.out}
	return r
}

func (r *run) exec(t *testing.T, script string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	return r.eng.Run(ctx, script)
}

// mustRows runs the script and returns the sorted printed rows.
func (r *run) mustRows(t *testing.T, script string) []string {
	t.Helper()
	if err := r.exec(t, script); err != nil {
		t.Fatalf("%v\noutput:\n%s", err, r.out.String())
	}
	rows := r.out.rows()
	slices.Sort(rows)
	return rows
}

// lookupState returns each lookup operator instance's published cache
// size (its state entries), by subtask.
func (r *run) lookupState() map[int]int64 {
	out := map[int]int64{}
	for _, js := range r.eng.JobStats() {
		for _, o := range js.Operators {
			if strings.HasPrefix(o.Operator, "LookupJoin") {
				out[o.Subtask] = o.StateEntries
			}
		}
	}
	return out
}

type countingSource struct {
	src connector.LookupSource
	c   *counts
}

func (s *countingSource) Lookup(ctx context.Context, keys []types.Row) ([][]types.Row, error) {
	s.c.calls.Add(1)
	s.c.keys.Add(int64(len(keys)))
	return s.src.Lookup(ctx, keys)
}

func (s *countingSource) Scan(ctx context.Context, fn func(types.Row) error) error {
	sc, ok := s.src.(connector.LookupScanner)
	if !ok {
		return fmt.Errorf("%T cannot scan", s.src)
	}
	return sc.Scan(ctx, func(r types.Row) error { s.c.scanned.Add(1); return fn(r) })
}

func (s *countingSource) Close() error { return s.src.Close() }

const startRedis = `redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no`

// sharedRedis connects to the machine's Redis on 6379 (.ci/run starts it).
func sharedRedis(t testing.TB) *goredis.Client {
	t.Helper()
	c := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:6379"})
	if err := c.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("Redis at 127.0.0.1:6379 is not reachable (%v): run .ci/run, or start it with: %s", err, startRedis)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// keyPrefix is unique to the test; its keys are deleted at the end.
func keyPrefix(t testing.TB, c *goredis.Client) string {
	p := fmt.Sprintf("lookupit_%s_%06d:", strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()), rand.IntN(1000000))
	t.Cleanup(func() {
		ctx := context.Background()
		keys, _ := c.Keys(ctx, p+"*").Result()
		if len(keys) > 0 {
			c.Del(ctx, keys...)
		}
	})
	return p
}

// database is one of the machine's SQL databases.
type database struct {
	name, url, driver, dsn, start string
}

var databases = []database{
	{name: "postgres", url: "jdbc:postgresql://127.0.0.1:5432/test", driver: "pgx",
		dsn:   "postgres://postgres@127.0.0.1:5432/test?sslmode=disable",
		start: "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"},
	{name: "mariadb", url: "jdbc:mariadb://127.0.0.1:3306/test", driver: "mysql",
		dsn:   "root@tcp(127.0.0.1:3306)/test",
		start: "start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd"},
}

func (d database) open(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sql.Open(d.driver, d.dsn)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Ping(); err != nil {
		t.Fatalf("%s is not reachable (%v): run .ci/run, or start it with: %s (and create database 'test')", d.name, err, d.start)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// table returns a table name unique to the test, dropped at the end.
func (d database) table(t testing.TB, db *sql.DB) string {
	name := fmt.Sprintf("lookupit_%s_%06d", strings.ToLower(strings.NewReplacer("/", "_", "-", "_").Replace(t.Name())), rand.IntN(1000000))
	if len(name) > 60 {
		name = name[len(name)-60:]
		name = "t" + name[1:]
	}
	t.Cleanup(func() { db.Exec("DROP TABLE IF EXISTS " + name) })
	return name
}

func execSQL(t testing.TB, db *sql.DB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func assertRows(t *testing.T, got []string, want ...string) {
	t.Helper()
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("rows:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// waitRows waits until the running script (its result due on done) has
// printed n rows; a script that ends first fails the test.
func waitRows(t *testing.T, r *run, n int, done chan error) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); len(r.out.rows()) < n; time.Sleep(5 * time.Millisecond) {
		select {
		case err := <-done:
			t.Fatalf("the script ended (%v) before printing %d rows:\n%s", err, n, r.out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("fewer than %d rows after 15 s:\n%s", n, r.out.String())
		}
	}
}
