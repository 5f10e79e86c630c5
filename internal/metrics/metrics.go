package metrics

import (
	"fmt"
	"net"
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sluicehq/sluice/internal/engine"
	"github.com/sluicehq/sluice/internal/runtime/operator"
)

// Source is what the collector reads on each scrape.
type Source interface {
	JobStats() []engine.JobStats
}

var (
	opLabels  = []string{"job", "vertex", "operator", "subtask"}
	jobLabels = []string{"job"}

	opRowsIn   = prometheus.NewDesc("sluice_operator_rows_in_total", "Rows an operator instance received.", opLabels, nil)
	opRowsOut  = prometheus.NewDesc("sluice_operator_rows_out_total", "Rows an operator instance emitted.", opLabels, nil)
	opLate     = prometheus.NewDesc("sluice_operator_late_rows_dropped_total", "Rows a window, interval join, window join, temporal join or window Top-N operator dropped as late.", opLabels, nil)
	opWM       = prometheus.NewDesc("sluice_operator_watermark_milliseconds", "An operator instance's current watermark, epoch milliseconds (absent before the first).", opLabels, nil)
	opState    = prometheus.NewDesc("sluice_operator_state_entries", "Keyed state entries of a stateful operator instance.", opLabels, nil)
	jobIn      = prometheus.NewDesc("sluice_job_source_rows_total", "Rows read from the job's sources.", jobLabels, nil)
	jobOut     = prometheus.NewDesc("sluice_job_sink_rows_total", "Changes written to the job's sinks.", jobLabels, nil)
	jobSkipped = prometheus.NewDesc("sluice_job_bad_records_skipped_total", "Bad records skipped by the job's sources.", jobLabels, nil)
	jobWM      = prometheus.NewDesc("sluice_job_watermark_milliseconds", "The watermark reaching the job's sinks, epoch milliseconds.", jobLabels, nil)
	ckpts      = prometheus.NewDesc("sluice_job_checkpoints_total", "Checkpoints completed.", jobLabels, nil)
	ckptFails  = prometheus.NewDesc("sluice_job_checkpoint_failures_total", "Checkpoints that failed or timed out.", jobLabels, nil)
	ckptDur    = prometheus.NewDesc("sluice_job_last_checkpoint_duration_seconds", "Duration of the last completed checkpoint.", jobLabels, nil)
	ckptSize   = prometheus.NewDesc("sluice_job_last_checkpoint_size_bytes", "Size on disk of the last completed checkpoint.", jobLabels, nil)
	restarts   = prometheus.NewDesc("sluice_job_restarts_total", "Times the job was restarted after a failure.", jobLabels, nil)
	lag        = prometheus.NewDesc("sluice_source_lag_records", "Records between a source split's position and the end of its input (Kafka consumer lag).", []string{"job", "source", "split"}, nil)
	discFails  = prometheus.NewDesc("sluice_source_discovery_failures_total", "Split discoveries of a source that failed (Kafka partition discovery), retried or fatal.", []string{"job", "source"}, nil)

	all = []*prometheus.Desc{opRowsIn, opRowsOut, opLate, opWM, opState, jobIn, jobOut, jobSkipped, jobWM, ckpts, ckptFails, ckptDur, ckptSize, restarts, lag, discFails}
)

// collector turns engine counters into metrics at scrape time.
type collector struct{ src Source }

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range all {
		ch <- d
	}
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	known := func(wm int64) bool { return wm != operator.NoWatermark && wm != operator.EndOfTime }
	for _, j := range c.src.JobStats() {
		job := strconv.Itoa(j.Index)
		s := j.Stats
		counter(jobIn, s.SourceRows, job)
		counter(jobOut, s.SinkRows, job)
		counter(jobSkipped, s.Skipped, job)
		if known(s.Watermark) {
			gauge(jobWM, float64(s.Watermark/1e6), job)
		}
		counter(ckpts, s.Checkpoints, job)
		counter(ckptFails, s.CheckpointFailures, job)
		gauge(ckptDur, s.CheckpointDuration.Seconds(), job)
		gauge(ckptSize, float64(s.CheckpointBytes), job)
		counter(restarts, int64(j.Restarts), job)
		for _, l := range j.Lags {
			gauge(lag, float64(l.Lag), job, l.Source, l.Split)
		}
		for _, d := range j.DiscoveryFailures {
			counter(discFails, d.Count, job, d.Source)
		}
		for _, o := range j.Operators {
			l := []string{job, o.Vertex, o.Operator, strconv.Itoa(o.Subtask)}
			counter(opRowsIn, o.RowsIn, l...)
			counter(opRowsOut, o.RowsOut, l...)
			counter(opLate, o.LateDropped, l...)
			if known(o.Watermark) {
				gauge(opWM, float64(o.Watermark/1e6), l...)
			}
			gauge(opState, float64(o.StateEntries), l...)
		}
	}
}

// Handler serves the metrics of src in Prometheus text format.
func Handler(src Source) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collector{src})
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}

// Serve listens on addr (":9249") and serves /metrics until stop is
// called. It fails at once when the address cannot be listened on.
func Serve(addr string, src Source) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics endpoint %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", Handler(src))
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln) //nolint:errcheck // returns ErrServerClosed on stop
	return func() { srv.Close() }, nil
}
