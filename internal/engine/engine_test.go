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
