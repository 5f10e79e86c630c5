package lookupit

import (
	"fmt"
	"strings"
	"testing"
)

// Bad options and unreachable stores fail the script with a message that
// names the table and the option or store, and says what to do.
func TestLookupErrors(t *testing.T) {
	closed, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	query := `CREATE TABLE snk (id BIGINT, name STRING) WITH ('connector' = 'print');
INSERT INTO snk SELECT s.id, d.name FROM s JOIN dim FOR SYSTEM_TIME AS OF s.pt AS d ON s.id = d.id;`
	redisDim := func(opts string) string {
		return `CREATE TABLE dim (id BIGINT, name STRING, PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'redis', 'key-prefix' = 'lookupit_err:', 'format' = 'json'` + opts + `);
`
	}
	for _, tc := range []struct {
		name, dim string
		want      []string
	}{
		{"unknown cache", redisDim(`, 'lookup.cache' = 'PARTIALL'`), []string{"'lookup.cache'", "PARTIALL", "PARTIAL"}},
		{"zero max rows", redisDim(`, 'lookup.cache' = 'PARTIAL', 'lookup.partial-cache.max-rows' = '0'`),
			[]string{"lookup table 'dim'", "'lookup.partial-cache.max-rows' = '0' must be positive"}},
		{"failover connector", redisDim(`, 'failover.connector' = 'jdbc'`),
			[]string{"lookup table 'dim'", "'failover.connector'", "uses the primary's connector 'redis'"}},
		{"redis unreachable", redisDim(fmt.Sprintf(`, 'port' = '%d', 'lookup.max-retries' = '1', 'connection.timeout' = '200 ms'`, closed)),
			[]string{"lookup join on table 'dim'", "failed 2 times", "check that the store is reachable"}},
		{"jdbc unreachable", fmt.Sprintf(`CREATE TABLE dim (id BIGINT, name STRING, PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'jdbc',
  'url' = 'jdbc:postgresql://127.0.0.1:%d/test', 'table-name' = 'nowhere', 'username' = 'postgres', 'connection.max-retry-timeout' = '1 s', 'lookup.max-retries' = '0');
`, closed), []string{"lookup join on table 'dim'", "127.0.0.1:" + fmt.Sprint(closed), "check that the database is running"}},
		{"not a lookup connector", `CREATE TABLE dim (id BIGINT, name STRING) WITH ('connector' = 'datagen');
`, []string{"table 'dim' (connector 'datagen') cannot be looked up", "'jdbc' and 'redis'"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRun()
			err := r.exec(t, seq(3, 0)+tc.dim+query)
			if err == nil {
				t.Fatalf("no error; output:\n%s", r.out.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}
