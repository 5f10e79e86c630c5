package engine

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/runtime/task"
)

// rescaleScript runs one stateful query of each kind over the nexmark
// stream at parallelism par, each into its own txn sink whose rows start
// with the query's name. Every query keeps state across a savepoint: open
// windows and sessions with their pending window ends, groups and their
// retractions, join buffers with cleanup timers (a LEFT interval join
// emits its unmatched rows from them), Top-N and dedup partitions, window
// join rows. The sparse windows, the window join's and the window Top-N's
// hold a few keys each, so that many of them are open in one instance
// only. Their results do not depend on how sources interleave, so a
// run restored at another parallelism must leave the same rows.
func rescaleScript(par int, dir string, n int) string {
	return fmt.Sprintf(`
SET 'parallelism.default' = '%d';
SET 'execution.checkpointing.interval' = '30 ms';
SET 'state.checkpoints.dir' = '%s';
CREATE TABLE nexmark (event_type INT,
    auction ROW<id BIGINT, seller BIGINT, dateTime TIMESTAMP(3)>,
    bid ROW<auction BIGINT, bidder BIGINT, price BIGINT, dateTime TIMESTAMP(3)>,
    ts AS CASE WHEN event_type = 1 THEN auction.dateTime ELSE bid.dateTime END,
    WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH ('connector' = 'nexmark', 'events.num' = '%[3]d', 'first-event.rate' = '4000',
        'max-emit-speed' = 'false', 'base-time' = '1577836800000');
CREATE VIEW bids AS SELECT bid.auction AS auction, bid.bidder AS bidder, bid.price AS price, ts FROM nexmark WHERE event_type = 2;
CREATE VIEW auctions AS SELECT auction.id AS id, auction.seller AS seller, ts FROM nexmark WHERE event_type = 1;
CREATE VIEW wbids AS SELECT auction, window_start, window_end, COUNT(*) AS c, MAX(price) AS m
  FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '0.1' SECOND)) GROUP BY auction, window_start, window_end;
CREATE TABLE tumble (q STRING, auction BIGINT, ws TIMESTAMP(3), c BIGINT, m BIGINT) WITH ('connector' = 'txn');
CREATE TABLE sparse (q STRING, auction BIGINT, ws TIMESTAMP(3), c BIGINT) WITH ('connector' = 'txn');
CREATE TABLE hop (q STRING, auction BIGINT, ws TIMESTAMP(3), c BIGINT, s BIGINT) WITH ('connector' = 'txn');
CREATE TABLE sess (q STRING, bidder BIGINT, ws TIMESTAMP(3), we TIMESTAMP(3), c BIGINT) WITH ('connector' = 'txn');
CREATE TABLE retract (q STRING, c BIGINT, n BIGINT) WITH ('connector' = 'txn');
CREATE TABLE regular (q STRING, auction BIGINT, price BIGINT, seller BIGINT) WITH ('connector' = 'txn');
CREATE TABLE intervaljoin (q STRING, id BIGINT, bidder BIGINT, price BIGINT) WITH ('connector' = 'txn');
CREATE TABLE topn (q STRING, auction BIGINT, price BIGINT, rn BIGINT) WITH ('connector' = 'txn');
CREATE TABLE dedup (q STRING, bidder BIGINT, ts TIMESTAMP(3)) WITH ('connector' = 'txn');
CREATE TABLE windowjoin (q STRING, id BIGINT, ws TIMESTAMP(3), bidder BIGINT) WITH ('connector' = 'txn');
CREATE TABLE windowtopn (q STRING, ws TIMESTAMP(3), price BIGINT, rn BIGINT) WITH ('connector' = 'txn');
EXECUTE STATEMENT SET BEGIN
INSERT INTO tumble SELECT 'tumble', auction, window_start, c, m FROM wbids;
INSERT INTO sparse SELECT 'sparse', auction, window_start, COUNT(*)
  FROM TABLE(HOP(TABLE bids, DESCRIPTOR(ts), INTERVAL '0.01' SECOND, INTERVAL '0.02' SECOND))
  WHERE price %% 40 = 0 GROUP BY auction, window_start, window_end;
INSERT INTO hop SELECT 'hop', auction, window_start, COUNT(*), SUM(price)
  FROM TABLE(HOP(TABLE bids, DESCRIPTOR(ts), INTERVAL '0.05' SECOND, INTERVAL '0.2' SECOND))
  GROUP BY auction, window_start, window_end;
INSERT INTO sess SELECT 'session', bidder, window_start, window_end, COUNT(*)
  FROM TABLE(SESSION(TABLE bids PARTITION BY bidder, DESCRIPTOR(ts), INTERVAL '0.05' SECOND))
  GROUP BY bidder, window_start, window_end;
INSERT INTO retract SELECT 'retract', c, COUNT(*) FROM (SELECT bidder, COUNT(*) AS c FROM bids GROUP BY bidder) GROUP BY c;
INSERT INTO regular SELECT 'regular', b.auction, b.price, a.seller FROM bids b JOIN auctions a ON b.auction = a.id WHERE b.price %% 5 = 0;
INSERT INTO intervaljoin SELECT 'interval', a.id, b.bidder, b.price FROM auctions a LEFT JOIN bids b
  ON a.id = b.auction AND b.ts BETWEEN a.ts AND a.ts + INTERVAL '0.05' SECOND;
INSERT INTO topn SELECT 'topn', auction, price, rn FROM (
  SELECT auction, price, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price DESC) AS rn FROM bids) WHERE rn <= 2;
INSERT INTO dedup SELECT 'dedup', bidder, ts FROM (
  SELECT bidder, ts, ROW_NUMBER() OVER (PARTITION BY bidder ORDER BY ts ASC) AS rn FROM bids) WHERE rn = 1;
INSERT INTO windowjoin SELECT 'windowjoin', a.id, a.window_start, b.bidder
  FROM (SELECT * FROM TABLE(TUMBLE(TABLE auctions, DESCRIPTOR(ts), INTERVAL '0.005' SECOND))) a
  LEFT JOIN (SELECT * FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '0.005' SECOND)) WHERE price %% 10 = 0) b
  ON a.id = b.auction AND a.window_start = b.window_start AND a.window_end = b.window_end;
INSERT INTO windowtopn SELECT 'windowtopn', window_start, price, rn FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY price DESC) AS rn
  FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '0.01' SECOND))) WHERE rn <= 2;
END;
`, par, dir, n)
}

// rescaleQueries are the names rescaleScript's rows start with.
var rescaleQueries = []string{"tumble", "sparse", "hop", "session", "retract", "regular", "interval", "topn", "dedup", "windowjoin", "windowtopn"}

// clone copies the store: what one run committed and left open, for
// restoring the same savepoint more than once.
func (s *txnStore) clone() *txnStore {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := newTxnStore()
	for id, rows := range s.open {
		c.open[id] = append([]string(nil), rows...)
	}
	c.committed = append(c.committed, s.committed...)
	maps.Copy(c.done, s.done)
	return c
}

// perQuery counts the rows of each of rescaleQueries in rows.
func perQuery(rows []string) map[string]int {
	n := map[string]int{}
	for _, r := range rows {
		for _, q := range rescaleQueries {
			if strings.HasPrefix(r, "["+q+",") {
				n[q]++
			}
		}
	}
	return n
}

// A job stopped with a savepoint at parallelism 2, mid-stream with state
// and timers pending, and restored at parallelism 1, 2 and 3 leaves what
// an uninterrupted run at 2 leaves, for every query of rescaleScript; on
// both state backends.
func TestRescaleFromSavepoint(t *testing.T) {
	for _, backend := range []string{"hashmap", "pebble"} {
		t.Run(backend, func(t *testing.T) {
			script := func(par int, dir string, n int) string {
				s := rescaleScript(par, dir, n)
				if backend == "pebble" {
					s = "SET 'state.backend.type' = 'pebble';\nSET 'state.backend.pebble.local-dir' = '" + t.TempDir() + "';\n" + s
				}
				return s
			}
			ref := newTxnStore()
			if err := runWith(t, ref, "ref", &Engine{}, context.Background(), script(2, t.TempDir(), 8000)); err != nil {
				t.Fatal(err)
			}
			want := applied(t, ref.rows())
			t.Logf("uninterrupted run: %d rows", len(want))
			counts := perQuery(want)
			for _, q := range rescaleQueries {
				if counts[q] == 0 {
					t.Fatalf("the uninterrupted run left no rows of %s: the query does not test anything (%v)", q, counts)
				}
			}

			first := newTxnStore()
			sp := filepath.Join(t.TempDir(), "sp")
			stopWithSavepoint(t, first, script(2, t.TempDir(), 1<<30), sp)
			t.Logf("savepoint taken")
			meta, err := task.ReadMetadata(filepath.Join(sp, "job-0"))
			if err != nil {
				t.Fatal(err)
			}
			for _, ts := range meta.Tasks {
				if ts.Parallelism != 2 && len(ts.Operators) > 0 && ts.Subtask > 0 {
					t.Fatalf("task %s ran at parallelism %d, want 2", ts.Vertex, ts.Parallelism)
				}
			}
			if n := len(applied(t, first.rows())); n == 0 || n >= len(want) {
				t.Fatalf("the first run left %d of %d rows; the test needs it stopped midway", n, len(want))
			}
			for _, par := range []int{1, 2, 3} { // 2: a plain restore (Pebble: the fast path, as at 1)
				store := first.clone()
				if err := runWith(t, store, fmt.Sprintf("p%d", par), &Engine{FromSavepoint: sp}, context.Background(), script(par, t.TempDir(), 8000)); err != nil {
					t.Fatalf("restored at parallelism %d: %v", par, err)
				}
				if got := applied(t, store.rows()); strings.Join(got, "\n") != strings.Join(want, "\n") {
					reportDiff(t, got, want)
					t.Fatalf("restored at parallelism %d: leaves %d rows %v, want %d %v", par, len(got), perQuery(got), len(want), counts)
				}
			}

			// A savepoint of the format before rescaling (version 1) is
			// refused at another parallelism, saying what to do.
			old := filepath.Join(t.TempDir(), "old")
			if err := os.CopyFS(old, os.DirFS(sp)); err != nil {
				t.Fatal(err)
			}
			mf := filepath.Join(old, "job-0", "_metadata")
			b, err := os.ReadFile(mf)
			if err != nil {
				t.Fatal(err)
			}
			v1 := strings.Replace(string(b), fmt.Sprintf(`"version": %d,`, task.MetadataVersion), `"version": 1,`, 1)
			if v1 == string(b) {
				t.Fatalf("no version field in %s", b[:min(len(b), 200)])
			}
			if err := os.WriteFile(mf, []byte(v1), 0o644); err != nil {
				t.Fatal(err)
			}
			err = runWith(t, first.clone(), "v1", &Engine{FromSavepoint: old}, context.Background(), "SET 'restart-strategy.type' = 'none';\n"+script(3, t.TempDir(), 8000))
			if err == nil || !strings.Contains(err.Error(), "restores only at its own parallelism: restore it with 'parallelism.default' = '2'") {
				t.Fatalf("restoring a version 1 savepoint at parallelism 3: %v, want it refused", err)
			}
		})
	}
}

// reportDiff logs up to ten missing and ten extra rows of a multiset.
func reportDiff(t *testing.T, got, want []string) {
	t.Helper()
	count := map[string]int{}
	for _, r := range want {
		count[r]++
	}
	for _, r := range got {
		count[r]--
	}
	missing, extra := 0, 0
	for r, n := range count {
		switch {
		case n > 0 && missing < 10:
			t.Logf("missing %s (%d)", r, n)
			missing++
		case n < 0 && extra < 10:
			t.Logf("extra   %s (%d)", r, -n)
			extra++
		}
	}
}
