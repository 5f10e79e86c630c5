package lookup

import (
	"fmt"
	"strings"
	"time"

	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/sql/plan"
)

// Async are the session's async lookup settings (Flink's
// 'table.exec.async-lookup.*').
type Async struct {
	Capacity int           // 'table.exec.async-lookup.buffer-capacity', default 100: input batches waiting for lookups per instance
	Timeout  time.Duration // 'table.exec.async-lookup.timeout', default 3 min
	Ordered  bool          // 'table.exec.async-lookup.output-mode' = ORDERED (default) vs ALLOW_UNORDERED
	// Requests is how many requests to the store an instance has in flight
	// at most; the keys missed meanwhile wait and go together in the next
	// request (smart batching, dispatch.go). 0: DefaultRequests, at most
	// Capacity.
	Requests int
}

// DefaultRequests is the default of Async.Requests: a few requests in
// flight keep a store busy without queueing requests behind each other.
const DefaultRequests = 4

// requests is the effective Async.Requests.
func (a Async) requests() int {
	n := a.Requests
	if n <= 0 {
		n = DefaultRequests
	}
	return max(min(n, a.Capacity), 1)
}

// DefaultAsync are Flink's defaults.
var DefaultAsync = Async{Capacity: 100, Timeout: 3 * time.Minute, Ordered: true}

// Cache kinds of 'lookup.cache'.
const (
	cacheNone    = "NONE"
	cachePartial = "PARTIAL"
	cacheFull    = "FULL"
)

// settings are a table's lookup options, interpreted.
type settings struct {
	cache string // cacheNone, cachePartial or cacheFull

	maxRows          int
	expireAfterWrite time.Duration
	expireAfterAcc   time.Duration
	cacheMissing     bool

	reload reloadSchedule

	maxRetries int
	batchSize  int

	latencyThreshold time.Duration
	failureThreshold int
	openDuration     time.Duration
}

// reloadSchedule is when a FULL cache reloads.
type reloadSchedule struct {
	timed     bool          // TIMED; else PERIODIC
	interval  time.Duration // PERIODIC
	fixedRate bool          // PERIODIC: FIXED_RATE (else FIXED_DELAY)
	atTime    time.Duration // TIMED: offset into the UTC day
	days      int           // TIMED: days between reloads
}

// parseSettings interprets a table's lookup options; fullOnly (the
// connector's LookupFullCacheOnly) makes the cache FULL.
func parseSettings(table string, o *config.Options, fullOnly bool) (settings, error) {
	s := settings{
		cache:            strings.ToUpper(o.String("lookup.cache")),
		maxRows:          int(o.Int("lookup.partial-cache.max-rows")),
		expireAfterWrite: o.Duration("lookup.partial-cache.expire-after-write"),
		expireAfterAcc:   o.Duration("lookup.partial-cache.expire-after-access"),
		cacheMissing:     o.Bool("lookup.partial-cache.cache-missing-key"),
		maxRetries:       int(o.Int("lookup.max-retries")),
		batchSize:        int(o.Int("lookup.batch-size")),
		latencyThreshold: o.Duration("lookup.failover.latency-threshold"),
		failureThreshold: int(o.Int("lookup.failover.failure-threshold")),
		openDuration:     o.Duration("lookup.failover.open-duration"),
	}
	if s.cache == "" {
		s.cache = cacheNone
	}
	bad := func(key, why string) error {
		return fmt.Errorf("lookup table '%s': option '%s' = '%s' %s", table, key, o.Raw(key), why)
	}
	if fullOnly { // the connector can only load the whole table
		if s.cache == cachePartial {
			return s, bad("lookup.cache", "is not possible: this connector cannot fetch single keys, it loads the whole table; use 'FULL' (the default for it)")
		}
		s.cache = cacheFull
	}
	switch {
	case s.cache == cachePartial && s.maxRows <= 0:
		return s, bad("lookup.partial-cache.max-rows", "must be positive")
	case s.maxRetries < 0:
		return s, bad("lookup.max-retries", "must not be negative")
	case s.batchSize <= 0:
		return s, bad("lookup.batch-size", "must be positive")
	case s.failureThreshold <= 0:
		return s, bad("lookup.failover.failure-threshold", "must be positive")
	}
	r := &s.reload
	r.timed = strings.EqualFold(o.String("lookup.full-cache.reload-strategy"), "TIMED")
	r.interval = o.Duration("lookup.full-cache.periodic-reload.interval")
	r.fixedRate = strings.EqualFold(o.String("lookup.full-cache.periodic-reload.schedule-mode"), "FIXED_RATE")
	r.days = int(o.Int("lookup.full-cache.timed-reload.interval-in-days"))
	if s.cache == cacheFull {
		if !r.timed && r.interval <= 0 {
			return s, bad("lookup.full-cache.periodic-reload.interval", "must be positive")
		}
		if r.timed && r.days <= 0 {
			return s, bad("lookup.full-cache.timed-reload.interval-in-days", "must be positive")
		}
	}
	at, err := parseTimeOfDay(o.String("lookup.full-cache.timed-reload.at-time"))
	if err != nil && s.cache == cacheFull && r.timed {
		return s, bad("lookup.full-cache.timed-reload.at-time", "is not a time of day (HH:mm:ss, UTC)")
	}
	r.atTime = at
	return s, nil
}

// parseTimeOfDay parses HH:mm[:ss] into an offset into the day.
func parseTimeOfDay(v string) (time.Duration, error) {
	for _, layout := range []string{"15:04:05", "15:04"} {
		if t, err := time.Parse(layout, strings.TrimSpace(v)); err == nil {
			return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute + time.Duration(t.Second())*time.Second, nil
		}
	}
	return 0, fmt.Errorf("'%s' is not a time of day (HH:mm:ss)", v)
}

// hasFailover reports whether the table has a secondary backend.
func hasFailover(raw map[string]string) bool {
	for k := range raw {
		if strings.HasPrefix(k, connector.FailoverPrefix) {
			return true
		}
	}
	return false
}

// failoverContext returns the create context of a table's secondary
// backend: the table's raw options with every 'failover.<key>' replacing
// '<key>', validated against the connector's options.
func failoverContext(t *plan.Table) (connector.CreateContext, error) {
	raw := map[string]string{}
	for k, v := range t.Options {
		if !strings.HasPrefix(k, connector.FailoverPrefix) {
			raw[k] = v
		}
	}
	for k, v := range t.Options {
		if key, ok := strings.CutPrefix(k, connector.FailoverPrefix); ok {
			if key == "connector" {
				return connector.CreateContext{}, fmt.Errorf("lookup table '%s': option '%s': the secondary backend of a failover pair uses the primary's connector '%s' (remove the option)", t.Name, k, t.Connector.Name)
			}
			raw[key] = v
		}
	}
	specs := append([]config.Spec{{Key: "connector", Type: config.String, Description: "connector name"}}, t.Connector.Options...)
	if t.Connector.UsesFormat {
		// Format options were validated with the primary's; the secondary
		// shares its format.
		specs = append(specs, config.Spec{Key: "format", Type: config.String, Aliases: []string{"value.format"}})
		if t.Resolved.Format != nil {
			specs = append(specs, config.Spec{Key: t.Resolved.Format.Format.Name + ".", Prefix: true})
		}
	}
	opts, err := config.Validate(fmt.Sprintf("the failover backend ('failover.*' options) of lookup table '%s'", t.Name), specs, raw)
	if err != nil {
		return connector.CreateContext{}, err
	}
	ctx := t.Resolved
	ctx.Options = opts
	return ctx, nil
}
