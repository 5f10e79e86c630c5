// Package blackhole is the 'blackhole' connector: a sink that accepts every
// changelog kind and discards it, counting rows — what benchmarks write to
// so that only the query is measured. Start at blackhole.go.
package blackhole
