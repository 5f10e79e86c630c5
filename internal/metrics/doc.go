// Package metrics exposes a running script's counters in Prometheus text
// format: per operator instance rows in and out, late rows dropped, the
// watermark and state entries; per job rows read and written, checkpoints
// (completed, failed, last duration and size) and restarts; per source
// split the lag behind the end of its input (Kafka); per source the failed
// split discoveries (Kafka partition discovery). Values are read
// from the engine when scraped, so nothing is kept twice.
//
// Enable it with SET 'metrics.port' = '9249' in a script or
// `sluice run --metrics-port 9249`; scrape http://host:9249/metrics.
package metrics
