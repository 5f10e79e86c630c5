package connector

import "github.com/sluicehq/sluice/internal/config"

// FailoverPrefix starts the options of a lookup table's secondary backend
// (a Sluice extension): each 'failover.<key>' overrides the primary's
// '<key>' for the secondary, e.g. 'failover.port' = '6380'. A table with
// any such option has a failover pair.
const FailoverPrefix = "failover."

// LookupOptions are the options every connector with NewLookup accepts,
// with Flink's keys where Flink has them; the lookup join operator
// (internal/runtime/lookup) interprets them.
var LookupOptions = []config.Spec{
	{Key: "lookup.cache", Type: config.Enum, Values: []string{"NONE", "PARTIAL", "FULL"}, Default: "NONE",
		Description: "cache of looked-up rows: NONE, PARTIAL (bounded, filled by lookups) or FULL (whole table loaded, sharded by join key across parallel instances)"},
	{Key: "lookup.partial-cache.max-rows", Type: config.Int, Default: "10000", Description: "the most keys a PARTIAL cache holds"},
	{Key: "lookup.partial-cache.expire-after-write", Type: config.Duration, Description: "how long a PARTIAL cache entry lives after it was looked up"},
	{Key: "lookup.partial-cache.expire-after-access", Type: config.Duration, Description: "how long a PARTIAL cache entry lives after it was last used"},
	{Key: "lookup.partial-cache.cache-missing-key", Type: config.Bool, Default: "true", Description: "whether the PARTIAL cache also remembers keys with no row"},
	{Key: "lookup.full-cache.reload-strategy", Type: config.Enum, Values: []string{"PERIODIC", "TIMED"}, Default: "PERIODIC",
		Description: "when a FULL cache reloads: PERIODIC (every interval) or TIMED (at a time of day)"},
	{Key: "lookup.full-cache.periodic-reload.interval", Type: config.Duration, Default: "1 h", Description: "the interval between PERIODIC reloads of a FULL cache"},
	{Key: "lookup.full-cache.periodic-reload.schedule-mode", Type: config.Enum, Values: []string{"FIXED_DELAY", "FIXED_RATE"}, Default: "FIXED_DELAY",
		Description: "FIXED_DELAY counts the interval from the end of a reload, FIXED_RATE from its start"},
	{Key: "lookup.full-cache.timed-reload.at-time", Type: config.String, Default: "00:00:00", Description: "time of day (HH:mm:ss, UTC) of TIMED reloads"},
	{Key: "lookup.full-cache.timed-reload.interval-in-days", Type: config.Int, Default: "1", Description: "days between TIMED reloads"},
	{Key: "lookup.max-retries", Type: config.Int, Default: "3", Description: "how often a failed lookup is retried (with backoff) before the job fails"},
	{Key: "lookup.batch-size", Type: config.Int, Default: "1024", Description: "the most distinct keys merged into one request to the store"},
	{Key: "lookup.failover.latency-threshold", Type: config.Duration, Default: "10 ms",
		Description: "with a failover pair: while the primary's p99 lookup latency exceeds this, traffic shifts step by step to the secondary, and back as it recovers"},
	{Key: "lookup.failover.failure-threshold", Type: config.Int, Default: "3", Description: "with a failover pair: consecutive failures that open a backend's circuit breaker"},
	{Key: "lookup.failover.open-duration", Type: config.Duration, Default: "2 s", Description: "with a failover pair: how long an open circuit waits before probing the backend again"},
	{Key: FailoverPrefix, Prefix: true, Description: "options of the secondary backend of a failover pair: 'failover.<key>' overrides '<key>'"},
}
