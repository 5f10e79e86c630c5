package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/engine"
	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/runtime/task"
)

type fakeSource []engine.JobStats

func (f fakeSource) JobStats() []engine.JobStats { return f }

func TestMetricsText(t *testing.T) {
	src := fakeSource{{
		Index: 0, Restarts: 2,
		Stats: task.Stats{SourceRows: 100, SinkRows: 40, Watermark: 1_577_836_800_000 * 1e6, Checkpoints: 3,
			CheckpointFailures: 1, CheckpointDuration: 1500 * time.Millisecond, CheckpointBytes: 4096},
		Lags:              []task.SplitLag{{Source: "clicks#0", Split: "clicks:1", Lag: 42}},
		DiscoveryFailures: []task.SourceCount{{Source: "clicks#0", Count: 5}},
		Operators: []task.OperatorStats{
			{Vertex: "2 GroupAggregate", Operator: "GroupAggregate[2]", Subtask: 1, RowsIn: 90, RowsOut: 40, StateEntries: 7, Watermark: operator.NoWatermark},
		},
	}}
	rec := httptest.NewRecorder()
	Handler(src).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	text := string(body)
	for _, want := range []string{
		`sluice_job_source_rows_total{job="0"} 100`,
		`sluice_job_sink_rows_total{job="0"} 40`,
		`sluice_job_watermark_milliseconds{job="0"} 1.5778368e+12`,
		`sluice_job_checkpoints_total{job="0"} 3`,
		`sluice_job_checkpoint_failures_total{job="0"} 1`,
		`sluice_job_last_checkpoint_duration_seconds{job="0"} 1.5`,
		`sluice_job_last_checkpoint_size_bytes{job="0"} 4096`,
		`sluice_job_restarts_total{job="0"} 2`,
		`sluice_source_lag_records{job="0",source="clicks#0",split="clicks:1"} 42`,
		`sluice_source_discovery_failures_total{job="0",source="clicks#0"} 5`,
		`sluice_operator_rows_in_total{job="0",operator="GroupAggregate[2]",subtask="1",vertex="2 GroupAggregate"} 90`,
		`sluice_operator_state_entries{job="0",operator="GroupAggregate[2]",subtask="1",vertex="2 GroupAggregate"} 7`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s\n%s", want, text)
		}
	}
	if strings.Contains(text, "sluice_operator_watermark_milliseconds") {
		t.Errorf("an operator without a watermark must not report one:\n%s", text)
	}
}
