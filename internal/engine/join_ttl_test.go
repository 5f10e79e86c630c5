package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/connector/all"
	"github.com/sluicehq/sluice/internal/testutil/syncbuf"
)

// syncBuffer is a bytes.Buffer safe to read while a sink writes to it.
type syncBuffer struct{ syncbuf.Buffer }

// 'table.exec.state.ttl' bounds a regular join's state: a row not updated
// for longer than the TTL (processing time) is dropped and no longer
// matches. The one left row (k = 1, read at once from a file) meets ten
// right rows with the same key, generated at 4 per second: with a TTL of
// 1 s it is gone after the first few (and so are they), without a TTL it
// joins all ten.
func TestRegularJoinStateTTL(t *testing.T) {
	dir := t.TempDir()
	left := filepath.Join(dir, "left.json")
	if err := os.WriteFile(left, []byte(`{"k":1,"v":7}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(ttl string) int {
		out := &syncBuffer{}
		e := &Engine{Connectors: all.NewRegistry(all.WithOutput(out, out)), Out: out, Err: out}
		err := e.Run(context.Background(), `
SET 'table.exec.state.ttl' = '`+ttl+`';
SET 'parallelism.default' = '1';
CREATE TABLE l (k BIGINT, v INT) WITH ('connector' = 'filesystem', 'path' = '`+left+`', 'format' = 'json');
CREATE TABLE g (seq BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '4', 'number-of-rows' = '10',
  'fields.seq.kind' = 'sequence', 'fields.seq.start' = '1', 'fields.seq.end' = '10');
CREATE TABLE res (v INT, seq BIGINT) WITH ('connector' = 'print');
INSERT INTO res SELECT l.v, r.seq FROM l JOIN (SELECT 1 AS k, seq FROM g) r ON l.k = r.k;`)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Count(out.String(), "+I[7, ")
	}
	if got := run("0 ms"); got != 10 {
		t.Fatalf("without a TTL: %d joined rows, want 10", got)
	}
	got := run("1 s")
	t.Logf("with a TTL of 1 s: %d joined rows", got)
	if got < 1 || got > 6 {
		t.Fatalf("with a TTL of 1 s over 2.5 s of input: %d joined rows, want a few (1 to 6), not all 10", got)
	}
}
