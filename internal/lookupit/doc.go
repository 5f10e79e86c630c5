// Package lookupit tests lookup joins against the real stores of this
// machine (Redis, PostgreSQL, MariaDB: .ci/run starts them) through the
// engine, SQL in and sink rows out, and holds the lookup latency benchmark
// behind `sluice bench lookup`.
//
// Where to start: redis_server.go starts and stops private redis-server
// processes (the failover test and the benchmark kill, stall and restart
// them; the machine's shared Redis on 6379 is never touched that way);
// bench.go is the benchmark: it loads keys into a private Redis, feeds a
// lookup join from a rate-limited datagen source and reads the operator's
// per-record latency histogram (lookup.Stats.Latency).
//
// The tests: redis_test.go and jdbc_test.go (joins, keys, caches, output
// modes), errors_test.go (bad options, unreachable stores), failover_test.go
// (a failover pair whose primary is stalled, then killed and restarted
// mid-run: every row must come out once, joined with its value).
package lookupit
