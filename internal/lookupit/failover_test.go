package lookupit

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A failover pair of two private redis-servers holding the same 500 keys;
// 2400 rows at 600/s (4 s) look up id mod 500 without a cache, so every
// batch goes to a store. A quarter into the run the primary is (a) stalled
// with SIGSTOP for 1.5 s, then continued, or (b) killed and restarted on
// its port 1 s later (loading its saved data). The job must not fail and
// every row must come out exactly once with its value.
func TestFailoverPair(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault func(t *testing.T, primary *RedisServer)
	}{
		{"stall", func(t *testing.T, p *RedisServer) {
			if err := p.Stall(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(1500 * time.Millisecond)
			if err := p.Resume(); err != nil {
				t.Fatal(err)
			}
		}},
		{"kill-restart", func(t *testing.T, p *RedisServer) {
			p.Kill()
			time.Sleep(time.Second)
			if err := p.Restart(); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const n, keys = 2400, 500
			ctx := context.Background()
			var servers [2]*RedisServer
			for i := range servers {
				s, err := StartRedis("", t.TempDir())
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(s.Close)
				servers[i] = s
				c := s.Client()
				err = LoadKeys(ctx, c, "f:", keys)
				c.Close()
				if err != nil {
					t.Fatal(err)
				}
			}
			if err := servers[0].Save(ctx); err != nil {
				t.Fatal(err)
			}
			r := newRun()
			done := make(chan error, 1)
			go func() {
				done <- r.exec(t, fmt.Sprintf(`SET 'parallelism.default' = '1';
SET 'table.exec.async-lookup.timeout' = '300 ms';
`+seq(n, 600)+`CREATE TABLE dim (id BIGINT, name STRING, PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'redis',
  'port' = '%d', 'failover.port' = '%d', 'key-prefix' = 'f:', 'format' = 'json', 'connection.timeout' = '200 ms',
  'lookup.max-retries' = '20', 'lookup.failover.failure-threshold' = '2', 'lookup.failover.open-duration' = '300 ms');
CREATE TABLE snk (id BIGINT, name STRING) WITH ('connector' = 'print');
INSERT INTO snk SELECT s.id, d.name FROM s LEFT JOIN dim FOR SYSTEM_TIME AS OF s.pt AS d ON MOD(s.id, %d) + 1 = d.id;`,
					servers[0].Port, servers[1].Port, keys))
			}()
			waitRows(t, r, n/4, done)
			tc.fault(t, servers[0])
			if err := <-done; err != nil {
				t.Fatalf("the job failed: %v", err)
			}
			rows := r.out.rows()
			seen := map[int]int{}
			for _, row := range rows {
				id, name, ok := strings.Cut(strings.TrimSuffix(strings.TrimPrefix(row, "+I["), "]"), ", ")
				k, err := strconv.Atoi(id)
				if !ok || err != nil {
					t.Fatalf("unexpected row %q", row)
				}
				if want := "n" + strconv.Itoa(k%keys+1); name != want {
					t.Fatalf("row %q: want name %s", row, want)
				}
				seen[k]++
			}
			for k := 1; k <= n; k++ {
				if seen[k] != 1 {
					t.Fatalf("id %d came out %d times (%d rows in all)", k, seen[k], len(rows))
				}
			}
			if len(rows) != n {
				t.Fatalf("%d rows, want %d", len(rows), n)
			}
			// The secondary answered while the primary was down.
			c := servers[1].Client()
			defer c.Close()
			info, err := c.Info(ctx, "commandstats").Result()
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(info, "cmdstat_mget:calls=") {
				t.Fatalf("the secondary was never asked:\n%s", info)
			}
		})
	}
}
