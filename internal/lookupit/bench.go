package lookupit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/runtime/lookup"
	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/runtime/task"
	"github.com/sluicehq/sluice/internal/sql/analyzer"
	"github.com/sluicehq/sluice/internal/sql/functions"
	"github.com/sluicehq/sluice/internal/sql/optimizer"
	"github.com/sluicehq/sluice/internal/sql/parser"
	"github.com/sluicehq/sluice/internal/sql/physical"
	"github.com/sluicehq/sluice/internal/sql/plan"
)

// BenchConfig configures the lookup latency benchmark.
type BenchConfig struct {
	Keys        int           // keys loaded into Redis (1..Keys)
	Rate        int           // input rows per second (datagen 'rows-per-second')
	Duration    time.Duration // run time; the input has Rate*Duration rows
	Failover    bool          // a secondary Redis with the same data; the primary is killed halfway
	Parallelism int
	Requests    int    // lookup.Async.Requests: requests in flight per instance (0: the default)
	Cache       string // 'lookup.cache': PARTIAL (default) or NONE
	CacheRows   int    // 'lookup.partial-cache.max-rows'
	RedisServer string // redis-server binary ("" for $PATH)
	Connectors  *connector.Registry
	Log         io.Writer // progress lines (nil: none)
}

// BenchResult is what one run measured.
type BenchResult struct {
	Rows, Received, Wrong int64 // input rows, joined rows out, rows joined with a wrong value
	Lost                  int64 // input rows without their joined row
	Elapsed               time.Duration
	LoadTime              time.Duration // loading the keys into Redis (per server)
	Latency               lookup.Latency
	FailoverLatency       lookup.Latency // from the primary's kill to the end (with Failover)
	Stats                 lookup.Stats   // summed over the instances (Latency aside)
	// WakeDelay is how late a goroutine sleeping 1 ms in a loop woke up
	// during the run, sorted: the machine's scheduling delay, which every
	// request and emission also suffers (a loaded machine shows it).
	WakeDelay []time.Duration
}

// wakeProbe sleeps 1 ms in a loop until stop closes and returns how late
// each sleep ended, sorted.
func wakeProbe(stop <-chan struct{}) []time.Duration {
	var late []time.Duration
	for {
		select {
		case <-stop:
			slices.Sort(late)
			return late
		default:
		}
		t := time.Now()
		time.Sleep(time.Millisecond)
		late = append(late, time.Since(t)-time.Millisecond)
	}
}

// Quantile returns the q-quantile of sorted durations (0 when empty).
func Quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := min(max(int(q*float64(len(sorted))+0.5)-1, 0), len(sorted)-1)
	return sorted[i]
}

const benchPrefix = "bench:"

// RunBench runs the benchmark: it starts private redis-server processes
// (the primary, and the secondary with Failover) in a temporary directory,
// loads Keys keys with pipelined MSETs, runs
//
//	SELECT s.k, d.name FROM src AS s JOIN dim FOR SYSTEM_TIME AS OF s.pt AS d ON s.k = d.id
//
// over a datagen source of uniformly random keys in [1, Keys] at Rate rows
// per second, and reads the lookup operators' latency histograms. With
// Failover the primary is killed halfway through the run (not restarted).
func RunBench(ctx context.Context, cfg BenchConfig) (BenchResult, error) {
	var res BenchResult
	if cfg.Keys <= 0 || cfg.Rate <= 0 || cfg.Duration <= 0 {
		return res, errors.New("bench lookup: --keys, --rate and --duration must be positive")
	}
	cfg.Parallelism = max(cfg.Parallelism, 1)
	if cfg.Cache == "" {
		cfg.Cache = "PARTIAL"
	}
	if cfg.CacheRows <= 0 {
		cfg.CacheRows = 100_000
	}
	logf := func(format string, a ...any) {
		if cfg.Log != nil {
			fmt.Fprintf(cfg.Log, format+"\n", a...)
		}
	}
	dir, err := os.MkdirTemp("", "sluice-bench-lookup-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	var servers []*RedisServer
	defer func() {
		for _, s := range servers {
			s.Close()
		}
	}()
	n := 1
	if cfg.Failover {
		n = 2
	}
	for i := 0; i < n; i++ {
		sub := fmt.Sprintf("%s/%d", dir, i)
		if err := os.Mkdir(sub, 0o755); err != nil {
			return res, err
		}
		s, err := StartRedis(cfg.RedisServer, sub)
		if err != nil {
			return res, err
		}
		servers = append(servers, s)
		start := time.Now()
		c := s.Client()
		err = LoadKeys(ctx, c, benchPrefix, cfg.Keys)
		c.Close()
		if err != nil {
			return res, err
		}
		res.LoadTime = time.Since(start)
		logf("redis-server :%d loaded %d keys in %s", s.Port, cfg.Keys, res.LoadTime.Round(time.Millisecond))
	}

	res.Rows = int64(float64(cfg.Rate) * cfg.Duration.Seconds())
	with := fmt.Sprintf("'connector' = 'redis', 'port' = '%d', 'key-prefix' = '%s', 'format' = 'json', 'lookup.cache' = '%s', 'lookup.partial-cache.max-rows' = '%d', 'connection.timeout' = '1 s', 'lookup.max-retries' = '10'",
		servers[0].Port, benchPrefix, cfg.Cache, cfg.CacheRows)
	if cfg.Failover {
		with += fmt.Sprintf(", 'failover.port' = '%d', 'lookup.failover.failure-threshold' = '2', 'lookup.failover.open-duration' = '1 s'", servers[1].Port)
	}
	script := fmt.Sprintf(`
CREATE TABLE src (k BIGINT, pt AS PROCTIME()) WITH ('connector' = 'datagen', 'rows-per-second' = '%d', 'number-of-rows' = '%d',
  'fields.k.kind' = 'random', 'fields.k.min' = '1', 'fields.k.max' = '%d');
CREATE TABLE dim (id BIGINT, name STRING, PRIMARY KEY (id) NOT ENFORCED) WITH (%s);
SELECT s.k, d.name FROM src AS s JOIN dim FOR SYSTEM_TIME AS OF s.pt AS d ON s.k = d.id;`,
		cfg.Rate, res.Rows, cfg.Keys, with)

	collect := make(chan task.Change, 4096)
	var mu sync.Mutex
	var joins []*lookup.Join
	g, err := planQuery(cfg.Connectors, script, physical.Options{Parallelism: cfg.Parallelism, Collect: collect,
		Lookup: lookup.Async{Capacity: 100, Timeout: 2 * time.Second, Ordered: true, Requests: cfg.Requests}},
		func(j *lookup.Join) { mu.Lock(); joins = append(joins, j); mu.Unlock() })
	if err != nil {
		return res, err
	}
	stats := func() lookup.Stats {
		mu.Lock()
		defer mu.Unlock()
		return sumStats(joins)
	}

	job := task.NewJob(g, task.Options{})
	done := make(chan error, 1)
	stopProbe := make(chan struct{})
	probed := make(chan []time.Duration, 1)
	go func() { probed <- wakeProbe(stopProbe) }()
	start := time.Now()
	go func() {
		done <- job.Run(ctx)
		close(collect)
	}()
	var killAt lookup.Latency
	var killed chan struct{}
	if cfg.Failover {
		killed = make(chan struct{})
		go func() {
			defer close(killed)
			select {
			case <-time.After(cfg.Duration / 2):
			case <-ctx.Done():
				return
			}
			killAt = stats().Latency
			servers[0].Kill()
			logf("killed the primary (port %d) after %s", servers[0].Port, time.Since(start).Round(time.Millisecond))
		}()
	}
	var want []byte
	for c := range collect {
		res.Received++
		k, name := c.Row[0], c.Row[1]
		want = strconv.AppendInt(append(want[:0], 'n'), k.I, 10)
		if name.IsNull() || name.S != string(want) {
			res.Wrong++
		}
	}
	err = <-done
	res.Elapsed = time.Since(start)
	close(stopProbe)
	res.WakeDelay = <-probed
	if killed != nil {
		<-killed
	}
	res.Stats = stats()
	res.Latency = res.Stats.Latency
	if cfg.Failover {
		res.FailoverLatency = res.Latency.Since(killAt)
	}
	res.Lost = res.Rows - (res.Received - res.Wrong)
	return res, err
}

// LoadKeys stores keys 1..n under prefix as JSON strings {"name":"n<k>"},
// in pipelined MSETs of 1000 keys.
func LoadKeys(ctx context.Context, c *goredis.Client, prefix string, n int) error {
	const per, perPipe = 1000, 50
	pipe := c.Pipeline()
	queued := 0
	args := make([]any, 0, 2*per)
	for k := 1; k <= n; k++ {
		args = append(args, prefix+strconv.Itoa(k), `{"name":"n`+strconv.Itoa(k)+`"}`)
		if len(args) == 2*per || k == n {
			pipe.MSet(ctx, args...)
			args = make([]any, 0, 2*per)
			if queued++; queued == perPipe || k == n {
				if _, err := pipe.Exec(ctx); err != nil {
					return fmt.Errorf("loading keys into Redis: %w", err)
				}
				queued = 0
			}
		}
	}
	return nil
}

func sumStats(joins []*lookup.Join) lookup.Stats {
	var s lookup.Stats
	for _, j := range joins {
		x := j.Stats()
		s.CacheHits += x.CacheHits
		s.CacheMisses += x.CacheMisses
		s.CachedKeys += x.CachedKeys
		s.FullRows += x.FullRows
		s.Requests += x.Requests
		s.Keys += x.Keys
		s.RequestLatency = s.RequestLatency.Add(x.RequestLatency)
		s.Retries += x.Retries
		for i := range s.Calls {
			s.Calls[i] += x.Calls[i]
			s.Failures[i] += x.Failures[i]
		}
		s.RequestP99 = max(s.RequestP99, x.RequestP99)
		s.Shifted = max(s.Shifted, x.Shifted)
		s.Latency = s.Latency.Add(x.Latency)
	}
	return s
}

// planQuery plans the script's single SELECT as the engine does, and hands
// every lookup join instance to seen when the job creates it (so its Stats
// can be read).
func planQuery(reg *connector.Registry, script string, opts physical.Options, seen func(*lookup.Join)) (*task.Graph, error) {
	stmts, err := parser.Parse(script)
	if err != nil {
		return nil, err
	}
	s := analyzer.NewSession(reg, functions.Builtins())
	var run *analyzer.Run
	for _, st := range stmts {
		a, err := s.Analyze(st)
		if err != nil {
			return nil, err
		}
		if r, ok := a.(*analyzer.Run); ok {
			run = r
		}
	}
	if run == nil {
		return nil, errors.New("the script has no query")
	}
	sinks := make([]*plan.Sink, len(run.Sinks))
	for i, sk := range run.Sinks {
		sinks[i] = optimizer.Optimize(sk)
	}
	g, err := physical.Build(sinks, opts)
	if err != nil {
		return nil, err
	}
	for _, v := range g.Vertices {
		for i := range v.Ops {
			op := &v.Ops[i]
			if !strings.HasPrefix(op.Name, "LookupJoin") {
				continue
			}
			build := op.New
			op.New = func() (operator.Operator, error) {
				o, err := build()
				if j, ok := o.(*lookup.Join); ok && err == nil {
					seen(j)
				}
				return o, err
			}
		}
	}
	return g, nil
}
