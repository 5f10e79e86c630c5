// Package groupbybench is the GROUP BY benchmark (`sluice bench groupby`):
// a job that aggregates a bounded stream of rows into a given number of
// distinct BIGINT keys, run on the hashmap or the Pebble state backend, to
// measure issue 3's target (50 million keys in under 2 GB resident, at
// >= 40% of the hashmap backend's throughput).
//
// The job is real SQL through the engine (Script): a datagen sequence id
// of 0..rows-1, projected to k = id * 2654435761 % keys (a permutation of
// the keys when rows = keys, so every key is distinct and arrives in
// scattered order; row i and row i+keys share a key) and v = id, then
// SELECT k, COUNT(*), SUM(v) ... GROUP BY k into the blackhole sink. The
// count of changes the sink receives is known (one +I per key, -U/+U for
// every later row of a key) and checked, so a backend that loses a group
// fails the run. SourceOnly runs the same source and projection without
// the GROUP BY: the ceiling the source puts on the measurement.
//
// Run measures one job: wall and CPU time, peak resident memory (VmHWM,
// reset before the run so runs in one process do not see each other's
// peak) and the peak size of the Pebble directory, sampled each second.
// Compare interleaves backends over several runs and reports medians and
// the Pebble/hashmap ratio.
package groupbybench
