package engine

import (
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/runtime/lookup"
	"github.com/sluicehq/sluice/internal/sql/optimizer"
	"github.com/sluicehq/sluice/internal/sql/physical"
	"github.com/sluicehq/sluice/internal/state"
)

// settingSpecs are the SET keys the engine understands, with Flink's names.
var settingSpecs = []config.Spec{
	{Key: "parallelism.default", Type: config.Int, Default: strconv.Itoa(runtime.NumCPU()), Description: "parallelism of every operator that can run in parallel (default: the number of cores)"},
	{Key: "pipeline.auto-watermark-interval", Type: config.Duration, Default: "200 ms", Description: "a source emits its watermark once it has advanced by more than this"},
	{Key: "table.exec.source.idle-timeout", Type: config.Duration, Default: "0 ms", Description: "a source split without rows for this long no longer holds back the watermark (0: never)"},
	{Key: "execution.runtime-mode", Type: config.Enum, Values: []string{"streaming", "batch"}, Default: "streaming", Description: "streaming (bounded inputs also run as streams, with a final watermark)"},
	{Key: "sql-client.execution.result-mode", Type: config.Enum, Values: []string{"table", "changelog", "tableau"}, Default: "tableau", Description: "how a bare SELECT prints; Sluice always prints the changelog as a table"},
	{Key: "table.exec.resource.default-parallelism", Type: config.Int, Description: "alias of parallelism.default for table programs"},

	{Key: "state.backend.type", Type: config.Enum, Values: []string{"hashmap", "pebble", "rocksdb"}, Default: "hashmap", Aliases: []string{"state.backend"},
		Description: "where keyed state lives: 'hashmap' (memory) or 'pebble' (disk, bounded memory; 'rocksdb' is accepted as an alias so Flink scripts run unchanged)"},
	{Key: "state.backend.pebble.local-dir", Type: config.String, Aliases: []string{"state.backend.rocksdb.localdir"},
		Description: "working directory of the pebble backend (default: the system's temporary directory); checkpoints are the durable copy"},
	{Key: "state.backend.pebble.memory", Type: config.MemorySize, Default: "256 mb", Aliases: []string{"state.backend.rocksdb.memory.fixed-per-slot"},
		Description: "memory the pebble backend may use for its caches and write buffers, for the whole job"},
	{Key: "metrics.port", Type: config.Int, Description: "serve Prometheus metrics on this port at /metrics (also: sluice run --metrics-port)"},
	{Key: "table.exec.async-lookup.buffer-capacity", Type: config.Int, Default: "100", Description: "input batches a lookup join instance holds while their lookups are outstanding"},
	{Key: "table.exec.async-lookup.timeout", Type: config.Duration, Default: "3 min", Description: "a lookup request not answered in this time fails (and is retried)"},
	{Key: "table.exec.async-lookup.output-mode", Type: config.Enum, Values: []string{"ORDERED", "ALLOW_UNORDERED"}, Default: "ORDERED",
		Description: "ORDERED keeps the input order of a lookup join's results; ALLOW_UNORDERED emits them as they come (never across a watermark)"},
	{Key: "table.optimizer.distinct-agg.split.enabled", Type: config.Bool, Default: "false", Description: "split a GROUP BY with COUNT/SUM(DISTINCT x) into an aggregate per (keys, bucket of x) and one combining the buckets, against hot keys with many distinct values"},
	{Key: "table.optimizer.distinct-agg.split.bucket-num", Type: config.Int, Default: "1024", Description: "buckets of the split distinct aggregation"},
	{Key: "table.optimizer.agg-phase-strategy", Type: config.Enum, Values: []string{"AUTO", "ONE_PHASE", "TWO_PHASE"}, Default: "AUTO",
		Description: "TWO_PHASE: a local pre-aggregation before the exchange and a global aggregation after it (append-only inputs); AUTO: two-phase when mini-batch is enabled"},
	{Key: "table.optimizer.reuse-source-enabled", Type: config.Bool, Default: "true", Description: "a job that scans one table several times (views over one source, self-joins, statement sets) reads it once and hands its rows to every scan"},
	{Key: "table.exec.mini-batch.enabled", Type: config.Bool, Default: "false", Description: "non-windowed aggregates buffer their input and emit one change per key per bundle"},
	{Key: "table.exec.mini-batch.allow-latency", Type: config.Duration, Default: "0 ms", Description: "a mini-batch bundle ends this long after its first row (processing time); needed with mini-batch"},
	{Key: "table.exec.mini-batch.size", Type: config.Int, Default: "-1", Description: "a mini-batch bundle ends after this many rows; needed with mini-batch"},
	{Key: "table.exec.state.ttl", Type: config.Duration, Default: "0 ms", Description: "state of a key of a non-windowed aggregate, regular join, Top-N or deduplication not updated for this long is dropped (0: kept forever)"},

	{Key: "execution.checkpointing.interval", Type: config.Duration, Default: "0 ms", Description: "take a checkpoint this often (0: no checkpoints)"},
	{Key: "execution.checkpointing.timeout", Type: config.Duration, Default: "10 min", Description: "a checkpoint not complete after this is aborted"},
	{Key: "state.checkpoints.dir", Type: config.String, Description: "directory for checkpoints (one subdirectory per job of the script)"},
	{Key: "state.checkpoints.num-retained", Type: config.Int, Default: "1", Description: "complete checkpoints kept"},
	{Key: "execution.savepoint.path", Type: config.String, Description: "start the script's jobs from this savepoint or checkpoint"},
	{Key: "execution.savepoint.ignore-unclaimed-state", Type: config.Bool, Default: "false", Description: "start even if the savepoint holds state no operator takes"},

	{Key: "restart-strategy.type", Type: config.Enum, Values: []string{"none", "off", "disable", "fixed-delay", "fixeddelay", "exponential-delay", "exponentialdelay"},
		Description: "what to do when a job fails: none, fixed-delay or exponential-delay (default: exponential-delay with checkpointing, none without)"},
	{Key: "restart-strategy.fixed-delay.attempts", Type: config.Int, Default: "1", Description: "restarts before giving up (fixed-delay)"},
	{Key: "restart-strategy.fixed-delay.delay", Type: config.Duration, Default: "1 s", Description: "wait before each restart (fixed-delay)"},
	{Key: "restart-strategy.exponential-delay.initial-backoff", Type: config.Duration, Default: "1 s", Description: "first wait (exponential-delay)"},
	{Key: "restart-strategy.exponential-delay.max-backoff", Type: config.Duration, Default: "1 min", Description: "longest wait (exponential-delay)"},
	{Key: "restart-strategy.exponential-delay.backoff-multiplier", Type: config.Float, Default: "1.5", Description: "growth of the wait per restart (exponential-delay)"},
	{Key: "restart-strategy.exponential-delay.attempts-before-reset-backoff", Type: config.Int, Default: "2147483647", Description: "restarts before giving up (exponential-delay)"},
}

// RestartStrategy decides whether and when a failed job restarts.
type RestartStrategy struct {
	Type       string // none, fixed-delay, exponential-delay
	Attempts   int
	Delay      time.Duration // fixed-delay; first backoff for exponential-delay
	MaxBackoff time.Duration
	Multiplier float64
}

// next returns the wait before restart number attempt (from 1), or false
// when the strategy gives up.
func (rs RestartStrategy) next(attempt int) (time.Duration, bool) {
	if rs.Type == "none" || attempt > rs.Attempts {
		return 0, false
	}
	if rs.Type == "fixed-delay" {
		return rs.Delay, true
	}
	d := float64(rs.Delay)
	for i := 1; i < attempt && d < float64(rs.MaxBackoff); i++ {
		d *= rs.Multiplier
	}
	return min(time.Duration(d), rs.MaxBackoff), true
}

func restartStrategy(opts *config.Options, checkpointing bool) RestartStrategy {
	typ := strings.ToLower(opts.String("restart-strategy.type"))
	switch typ {
	case "":
		typ = "none"
		if checkpointing {
			typ = "exponential-delay"
		}
	case "off", "disable":
		typ = "none"
	case "fixeddelay":
		typ = "fixed-delay"
	case "exponentialdelay":
		typ = "exponential-delay"
	}
	rs := RestartStrategy{Type: typ}
	switch typ {
	case "fixed-delay":
		rs.Attempts = int(opts.Int("restart-strategy.fixed-delay.attempts"))
		rs.Delay = opts.Duration("restart-strategy.fixed-delay.delay")
	case "exponential-delay":
		rs.Attempts = int(opts.Int("restart-strategy.exponential-delay.attempts-before-reset-backoff"))
		rs.Delay = opts.Duration("restart-strategy.exponential-delay.initial-backoff")
		rs.MaxBackoff = opts.Duration("restart-strategy.exponential-delay.max-backoff")
		rs.Multiplier = opts.Float("restart-strategy.exponential-delay.backoff-multiplier")
	}
	return rs
}

// Settings are the job options derived from SET statements.
type Settings struct {
	Parallelism           int
	AutoWatermarkInterval time.Duration
	IdleTimeout           time.Duration

	CheckpointInterval  time.Duration
	CheckpointTimeout   time.Duration
	CheckpointDir       string
	RetainedCheckpoints int
	SavepointPath       string
	IgnoreUnclaimed     bool
	Restart             RestartStrategy
	StateTTL            time.Duration
	StateBackend        string
	MetricsPort         int
	PebbleDir           string
	PebbleMemory        int64
	Lookup              lookup.Async

	// Optimizer and Agg are the aggregation settings for the planner.
	Optimizer optimizer.Options
	Agg       physical.AggOptions
	// ReuseSource: 'table.optimizer.reuse-source-enabled'.
	ReuseSource bool
}

// settings validates the session's SET keys. Keys Sluice does not know are
// reported as warnings, not errors, so Flink scripts run unchanged.
func settings(raw map[string]string, warn func(string)) (Settings, error) {
	known := map[string]string{}
	for k, v := range raw {
		found := false
		for _, s := range settingSpecs {
			if s.Key == k || slices.Contains(s.Aliases, k) {
				found = true
			}
		}
		if found {
			known[k] = v
		} else {
			warn(fmt.Sprintf("SET '%s' is not used by Sluice; it is ignored", k))
		}
	}
	opts, err := config.Validate("SET", settingSpecs, known)
	if err != nil {
		return Settings{}, err
	}
	s := Settings{
		Parallelism:           int(opts.Int("parallelism.default")),
		AutoWatermarkInterval: opts.Duration("pipeline.auto-watermark-interval"),
		IdleTimeout:           opts.Duration("table.exec.source.idle-timeout"),
	}
	s.CheckpointInterval = opts.Duration("execution.checkpointing.interval")
	s.CheckpointTimeout = opts.Duration("execution.checkpointing.timeout")
	s.CheckpointDir = opts.String("state.checkpoints.dir")
	s.RetainedCheckpoints = int(opts.Int("state.checkpoints.num-retained"))
	s.SavepointPath = opts.String("execution.savepoint.path")
	s.IgnoreUnclaimed = opts.Bool("execution.savepoint.ignore-unclaimed-state")
	s.Restart = restartStrategy(opts, s.CheckpointInterval > 0)
	s.StateTTL = opts.Duration("table.exec.state.ttl")
	s.MetricsPort = int(opts.Int("metrics.port"))
	s.StateBackend = strings.ToLower(opts.String("state.backend.type"))
	if s.StateBackend == "rocksdb" {
		s.StateBackend = "pebble"
	}
	s.PebbleDir = opts.String("state.backend.pebble.local-dir")
	s.PebbleMemory = opts.Memory("state.backend.pebble.memory")
	s.Lookup = lookup.Async{
		Capacity: int(opts.Int("table.exec.async-lookup.buffer-capacity")),
		Timeout:  opts.Duration("table.exec.async-lookup.timeout"),
		Ordered:  strings.EqualFold(opts.String("table.exec.async-lookup.output-mode"), "ORDERED"),
	}
	if s.Lookup.Capacity < 1 {
		return s, fmt.Errorf("SET 'table.exec.async-lookup.buffer-capacity' must be at least 1, got %d", s.Lookup.Capacity)
	}
	if s.CheckpointInterval > 0 && s.CheckpointDir == "" {
		return s, fmt.Errorf("SET 'execution.checkpointing.interval' needs 'state.checkpoints.dir' too: the directory checkpoints are written to")
	}
	if opts.Has("table.exec.resource.default-parallelism") && !opts.Has("parallelism.default") {
		s.Parallelism = int(opts.Int("table.exec.resource.default-parallelism"))
	}
	if s.Parallelism < 1 {
		return s, fmt.Errorf("SET 'parallelism.default' must be at least 1, got %d", s.Parallelism)
	}
	// Keyed state is split into state.DefaultMaxParallelism key groups; an
	// instance beyond that would own none (Flink refuses the same).
	if s.Parallelism > state.DefaultMaxParallelism {
		if !opts.Has("parallelism.default") && !opts.Has("table.exec.resource.default-parallelism") {
			s.Parallelism = state.DefaultMaxParallelism // the number of cores, on a very large machine
		} else {
			return s, fmt.Errorf("SET 'parallelism.default' = '%d' exceeds the maximum parallelism of %d (the number of key groups keyed state is split into); set it to %d or less",
				s.Parallelism, state.DefaultMaxParallelism, state.DefaultMaxParallelism)
		}
	}
	if err := aggSettings(opts, &s); err != nil {
		return s, err
	}
	return s, nil
}

// aggSettings reads the split distinct, agg-phase and mini-batch settings.
func aggSettings(opts *config.Options, s *Settings) error {
	s.Optimizer = optimizer.Options{
		SplitDistinct: opts.Bool("table.optimizer.distinct-agg.split.enabled"),
		SplitBuckets:  int(opts.Int("table.optimizer.distinct-agg.split.bucket-num")),
	}
	if s.Optimizer.SplitBuckets < 1 {
		return fmt.Errorf("SET 'table.optimizer.distinct-agg.split.bucket-num' must be at least 1, got %d", s.Optimizer.SplitBuckets)
	}
	s.ReuseSource = opts.Bool("table.optimizer.reuse-source-enabled")
	s.Agg = physical.AggOptions{
		Phase:            strings.ToUpper(opts.String("table.optimizer.agg-phase-strategy")),
		MiniBatch:        opts.Bool("table.exec.mini-batch.enabled"),
		MiniBatchSize:    int(opts.Int("table.exec.mini-batch.size")),
		MiniBatchLatency: opts.Duration("table.exec.mini-batch.allow-latency"),
	}
	if s.Agg.MiniBatch && (s.Agg.MiniBatchSize <= 0 || s.Agg.MiniBatchLatency <= 0) {
		return fmt.Errorf("SET 'table.exec.mini-batch.enabled' = 'true' needs a positive 'table.exec.mini-batch.size' (rows, got %d) and 'table.exec.mini-batch.allow-latency' (got %s), as in Flink; for example '5000' and '1 s'",
			s.Agg.MiniBatchSize, s.Agg.MiniBatchLatency)
	}
	return nil
}

// PlannerOptions returns the optimizer and physical planning options the
// SET keys of a session ask for, but for parallelism and the connections
// to the running engine (for planner tests; the engine reads them from
// Settings).
func PlannerOptions(raw map[string]string) (optimizer.Options, physical.Options, error) {
	s, err := settings(raw, func(string) {})
	return s.Optimizer, physical.Options{Agg: s.Agg, NoSourceReuse: !s.ReuseSource}, err
}
