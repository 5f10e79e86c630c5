package engine

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/connector/all"
)

func newTestEngine(out *bytes.Buffer) *Engine {
	return &Engine{Connectors: all.NewRegistry(all.WithOutput(out, out)), Out: out, Err: out}
}

// After Ctrl-C stops a query, the rest of the script does not run: a later
// SELECT must not print an empty result as if it had run.
func TestCancelledRunStopsTheScript(t *testing.T) {
	var out bytes.Buffer
	e := newTestEngine(&out)
	ctx, cancel := context.WithCancel(context.Background()) // as Ctrl-C does
	defer cancel()
	time.AfterFunc(300*time.Millisecond, cancel)
	err := e.Run(ctx, `
CREATE TABLE g (x BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '100');
SELECT x FROM g;
SELECT 42 AS later;`)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "later") {
		t.Fatalf("a statement after the cancellation ran:\n%s", out.String())
	}
}

// A changelog entering a union of another parallelism keeps each row's
// retraction behind the row: the downstream aggregate ends with one group.
// (Dealt round robin, a -U could overtake its +I and leave stale groups.)
func TestChangelogThroughUnionOfAnotherParallelism(t *testing.T) {
	for run := 0; run < 3; run++ {
		var out bytes.Buffer
		e := newTestEngine(&out)
		err := e.Run(context.Background(), `
SET 'parallelism.default' = '2';
CREATE TABLE t (x INT) WITH ('connector' = 'datagen', 'number-of-rows' = '3000');
CREATE TABLE u (x INT) WITH ('connector' = 'datagen', 'number-of-rows' = '10');
SELECT c, COUNT(*) AS n FROM (
  SELECT COUNT(*) AS c FROM t
  UNION ALL SELECT CAST(x AS BIGINT) FROM u WHERE x IS NULL
) GROUP BY c;`)
		if err != nil {
			t.Fatal(err)
		}
		state := map[string]string{}
		for _, line := range strings.Split(out.String(), "\n") {
			f := strings.Fields(strings.ReplaceAll(line, "|", " "))
			if len(f) != 3 || f[0] == "op" {
				continue
			}
			switch f[0] {
			case "+I", "+U":
				state[f[1]] = f[2]
			case "-U", "-D":
				delete(state, f[1])
			}
		}
		if len(state) != 1 || state["3000"] != "1" {
			t.Fatalf("final state %v, want map[3000:1]", state)
		}
	}
}
