// Package lookup is the lookup join operator (plan.LookupJoin): each input
// row joined, at processing time, with the rows of a dimension table looked
// up by key through a connector.LookupSource, with Flink's caches, retries
// and async settings, and Sluice's failover pair (docs/design/joins.md,
// "LookupJoin" and "Lookup sources").
//
// Where to start: join.go (the operator: the async queue, output), then
// dispatch.go (merging the keys of many input batches into few requests),
// fetch.go (one request: backend choice, failover, retries),
// failover.go (circuit breaker, latency window, traffic shifting),
// cache_partial.go and cache_full.go; options.go interprets the table's
// 'lookup.*' options and builds the secondary backend's options.
//
// Design:
//
//   - Per input batch the distinct keys not answered by the cache go to
//     the dispatcher (dispatch.go, "smart batching"): at most
//     Async.Requests requests (default 4) are in flight; the keys of every
//     batch that arrives meanwhile wait in one FIFO, and a worker whose
//     request completes takes all of them, up to 'lookup.batch-size'
//     distinct keys, as its next request at once. Requests grow with the
//     load, so a key waits about one round trip for the request ahead of
//     it plus its own, whether the input comes in big batches or a few
//     rows at a time. A NULL key matches nothing and is never looked up.
//   - The task goroutine alone emits: it receives answers in Process
//     (first thing, so answers leave as soon as the next input arrives),
//     Watermark and OnProcTime, and blocks for them while Async.Capacity
//     batches wait, at PrepareSnapshot (so no lookup is in flight or
//     waiting when a checkpoint barrier passes; the operator has no state)
//     and at Finish.
//   - The queue holds waiting input batches (copied) and watermarks in
//     arrival order. ORDERED emits batches in that order; ALLOW_UNORDERED
//     emits a batch as soon as its answers are in, but never past a
//     watermark: a watermark leaves only after every batch before it, and
//     batches after it wait for it.
//   - A request's attempt has Async.Timeout; a failed attempt is retried on
//     the other backend of a failover pair at once if that backend's circuit
//     is closed, else after a backoff (10 ms doubling, at most 1 s), up to
//     'lookup.max-retries' times; then the job fails with an error naming
//     the table, the backend and the last error.
//   - Failover pair ('failover.<key>' options): each backend has a circuit
//     breaker (consecutive failures open it; after the open duration one
//     probe; success closes it). A shifter moves a growing fraction of
//     requests (25% per second of the operator clock) to the secondary while
//     the primary's p99 over its recent requests exceeds
//     'lookup.failover.latency-threshold', and back when it does not; a
//     primary without recent samples counts as recovered, so a fully
//     shifted pair probes it again step by step.
//   - PARTIAL cache: an LRU of encoded key → rows, sharded and locked so the
//     workers fill it; expiry uses the operator clock (Context.Now).
//   - FULL cache: this instance's shard of the table (connector.InShard, the
//     same partitioning as the planner's hash exchange on the input keys),
//     loaded at Open and reloaded in the background; lookups read the old
//     index until the new one is complete, then it is swapped atomically. A
//     key not in it has no row: no request is sent. A connector with
//     Factory.LookupFullCacheOnly (filesystem) always gets a FULL cache:
//     'lookup.cache' NONE counts as FULL and PARTIAL is refused.
//
// Rows returned by a LookupSource are copied before they are cached, so a
// source may reuse its buffers after Lookup returns.
package lookup
