package lookupit

import (
	"fmt"
	"strings"
	"testing"
)

// PostgreSQL and MariaDB: inner and left joins on a two-column key computed
// from the stream (region from id parity, id mod 5), a residual condition,
// and a PARTIAL cache, through the 'jdbc' connector.
func TestJDBCLookupJoin(t *testing.T) {
	for _, d := range databases {
		t.Run(d.name, func(t *testing.T) {
			db := d.open(t)
			tbl := d.table(t, db)
			execSQL(t, db,
				fmt.Sprintf("CREATE TABLE %s (region VARCHAR(8) NOT NULL, k BIGINT NOT NULL, name VARCHAR(32), score INT, PRIMARY KEY (region, k))", tbl),
				fmt.Sprintf(`INSERT INTO %s VALUES ('us', 1, 'a', 5), ('eu', 2, 'b', 20), ('us', 3, 'c', 30), ('eu', 4, 'd', 40), ('eu', 0, 'z', 90)`, tbl))
			// ids 1..10: region us for odd ids, eu for even; k = id mod 5.
			//   1 us:1 a 5 (fails score > 10)  2 eu:2 b   3 us:3 c   4 eu:4 d
			//   5 us:0 -   6 eu:1 -   7 us:2 -   8 eu:3 -   9 us:4 -  10 eu:0 z
			ddl := `CREATE TABLE s (id BIGINT, region AS CASE WHEN MOD(id, 2) = 0 THEN 'eu' ELSE 'us' END, pt AS PROCTIME()) WITH ('connector' = 'datagen',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '10');
` + fmt.Sprintf(`CREATE TABLE dim (region STRING, k BIGINT, name STRING, score INT, PRIMARY KEY (region, k) NOT ENFORCED)
  WITH ('connector' = 'jdbc', 'url' = '%s', 'table-name' = '%s', 'username' = 'root', 'lookup.cache' = 'PARTIAL');
CREATE TABLE snk (id BIGINT, name STRING, score INT) WITH ('connector' = 'print');
`, d.url, tbl)
			if d.name == "postgres" {
				// PostgreSQL has no user root: its trust user is postgres.
				ddl = strings.Replace(ddl, "'username' = 'root'", "'username' = 'postgres'", 1)
			}
			on := ` FOR SYSTEM_TIME AS OF s.pt AS d ON s.region = d.region AND MOD(s.id, 5) = d.k AND d.score > 10;`
			t.Run("inner", func(t *testing.T) {
				got := newRun().mustRows(t, ddl+`INSERT INTO snk SELECT s.id, d.name, d.score FROM s JOIN dim`+on)
				assertRows(t, got, "+I[2, b, 20]", "+I[3, c, 30]", "+I[4, d, 40]", "+I[10, z, 90]")
			})
			t.Run("left", func(t *testing.T) {
				got := newRun().mustRows(t, ddl+`INSERT INTO snk SELECT s.id, d.name, d.score FROM s LEFT JOIN dim`+on)
				assertRows(t, got, "+I[1, null, null]", "+I[2, b, 20]", "+I[3, c, 30]", "+I[4, d, 40]", "+I[5, null, null]",
					"+I[6, null, null]", "+I[7, null, null]", "+I[8, null, null]", "+I[9, null, null]", "+I[10, z, 90]")
			})
		})
	}
}
