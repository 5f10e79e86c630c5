package engine

import (
	"bytes"
	"context"
	"testing"
)

// After Run returns, Stats has the final counters of the script's job.
func TestStatsAfterRun(t *testing.T) {
	var out bytes.Buffer
	e := newTestEngine(&out)
	if s := e.Stats(); s != nil {
		t.Fatalf("stats before any run: %+v", s)
	}
	err := e.Run(context.Background(), `
CREATE TABLE g (x INT) WITH ('connector' = 'datagen', 'number-of-rows' = '500');
CREATE TABLE b (x INT) WITH ('connector' = 'blackhole');
INSERT INTO b SELECT x FROM g;`)
	if err != nil {
		t.Fatal(err)
	}
	s := e.Stats()
	if len(s) != 1 || s[0].SourceRows != 500 || s[0].SinkRows != 500 {
		t.Fatalf("stats = %+v, want one job with 500 rows in and out", s)
	}
}
