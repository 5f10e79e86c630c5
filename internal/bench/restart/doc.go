// Package restartbench measures how fast a job with large state processes
// again after a crash (`sluice bench restart`), end to end, with the real
// binary.
//
// Build phase: it runs `sluice run` as a subprocess on a GROUP BY over
// many distinct keys read from an unbounded datagen source, checkpointing
// every interval, until the latest complete checkpoint (its directory plus
// the shared Pebble files its manifests name) reaches the target size;
// then it kills the process with SIGKILL, as a crash would.
//
// Restart phase, once per run: it starts `sluice run --resume` on the same
// script (with checkpoints far apart, so the run cannot replace the
// checkpoint the next run restores) and measures the wall time from
// starting the process to the line "job 0: state restored in ..." on its
// stderr (every operator instance has its state), and to the first row the
// aggregate takes in after the restore (polled from the metrics endpoint
// every few milliseconds; the state rows are read there too, once every
// instance has reported them); then it kills that process too. The figures
// include process start, planning, opening the Pebble DB and the first
// table opens (the key filters are built then). The checkpoint's files are
// in the page cache by then (written or read just before): a cold start
// from another disk pays reading them too.
//
// Start at Run (restart.go).
package restartbench
