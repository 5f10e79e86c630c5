package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/sluicehq/sluice/internal/connector/all"
	"github.com/sluicehq/sluice/internal/lookupit"
	"github.com/sluicehq/sluice/internal/runtime/lookup"
)

// benchLookupCmd is `sluice bench lookup`: a lookup join against a private
// redis-server holding --keys keys, fed at --rate rows/s, reporting the
// per-record latency the join adds (and, with --failover, the latency
// while the primary is dead and the rows lost).
func benchLookupCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench lookup", flag.ContinueOnError)
	keys := fs.Int("keys", 1_000_000, "keys loaded into Redis")
	rate := fs.Int("rate", 100_000, "input rows (lookups) per second; keys uniformly random in [1, keys]")
	dur := fs.Duration("duration", 20*time.Second, "how long the input runs")
	failover := fs.Bool("failover", false, "start a secondary Redis with the same data and kill the primary halfway")
	par := fs.Int("parallelism", 1, "parallelism of the job")
	requests := fs.Int("requests", 0, "lookup requests in flight per instance (0: the default, lookup.DefaultRequests)")
	cache := fs.String("cache", "PARTIAL", "'lookup.cache': PARTIAL or NONE")
	cacheRows := fs.Int("cache-rows", 100_000, "'lookup.partial-cache.max-rows'")
	bin := fs.String("redis-server", "redis-server", "the redis-server binary")
	quiet := fs.Bool("quiet", false, "no progress lines")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the run (loading the keys included) to this file")
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	var log io.Writer = os.Stderr
	if *quiet {
		log = nil
	}
	stop, err := startCPUProfile(*cpuprofile)
	if err != nil {
		return err
	}
	defer stop()
	cfg := lookupit.BenchConfig{Keys: *keys, Rate: *rate, Duration: *dur, Failover: *failover, Parallelism: *par, Requests: *requests,
		Cache: *cache, CacheRows: *cacheRows, RedisServer: *bin, Connectors: all.NewRegistry(), Log: log}
	res, err := lookupit.RunBench(ctx, cfg)
	fmt.Printf("lookup join: %d keys, %d rows/s for %s (%d rows, keys uniform), cache %s, parallelism %d\n",
		*keys, *rate, *dur, res.Rows, *cache, *par)
	fmt.Printf("elapsed %s, %.0f rows/s; rows out %d, lost %d, wrong %d\n",
		res.Elapsed.Round(time.Millisecond), float64(res.Received)/res.Elapsed.Seconds(), res.Received, res.Lost, res.Wrong)
	st := res.Stats
	fmt.Printf("cache hits %d, misses %d; requests %d, retries %d; calls primary %d (failed %d), secondary %d (failed %d)\n",
		st.CacheHits, st.CacheMisses, st.Requests, st.Retries, st.Calls[0], st.Failures[0], st.Calls[1], st.Failures[1])
	if st.Requests > 0 {
		fmt.Printf("keys per request %.1f\n", float64(st.Keys)/float64(st.Requests))
	}
	printLatency("request to the store", st.RequestLatency)
	printLatency("added latency per record", res.Latency)
	if *failover {
		printLatency("during failover (kill to end)", res.FailoverLatency)
	}
	w := res.WakeDelay
	fmt.Printf("%-32s samples %d  p50 %s  p99 %s  p99.9 %s  max %s\n", "wake-up delay of 1ms sleeps:", len(w),
		fmtDur(lookupit.Quantile(w, 0.5)), fmtDur(lookupit.Quantile(w, 0.99)), fmtDur(lookupit.Quantile(w, 0.999)), fmtDur(lookupit.Quantile(w, 1)))
	return err
}

func printLatency(what string, l lookup.Latency) {
	fmt.Printf("%-32s records %d  p50 %s  p99 %s  p99.9 %s  max %s\n", what+":", l.Count,
		fmtDur(l.Quantile(0.5)), fmtDur(l.Quantile(0.99)), fmtDur(l.Quantile(0.999)), fmtDur(l.Max))
}

func fmtDur(d time.Duration) string {
	return fmt.Sprintf("%.3fms", float64(d)/float64(time.Millisecond))
}
