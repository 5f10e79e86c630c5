// Package redis is the 'redis' connector: a lookup source (and an upsert
// sink) over Redis strings or hashes, one Redis key per table row.
//
// Layout: a row's Redis key is 'key-prefix' followed by its primary-key
// values rendered as text, joined with ':' in PRIMARY KEY order (TRUE/FALSE
// as true/false, numbers, dates and times as SQL renders them, strings and
// bytes verbatim). With 'data-type' = 'string' the key's value holds the
// non-key columns encoded with the table's 'format' (e.g. json, or raw for
// a single value column); with 'hash' the hash's fields are the non-key
// columns by name, as text (a missing field is NULL; 'format' is required
// by the option rules but not used).
//
// Invariants:
//   - The table's PRIMARY KEY is exactly the lookup key columns.
//   - One Lookup call is one round trip: MGET for strings, a pipeline of
//     HGETALL for hashes. A key with a NULL column matches nothing.
//   - Scan (FULL cache) walks SCAN MATCH '<prefix>*' COUNT 1000 TYPE
//     string|hash, fetches each page with one MGET or pipeline, parses the
//     key back into the key columns and reports each key once. A key under
//     the prefix that does not parse fails the scan, naming the key.
//   - A Source is safe for concurrent use (go-redis keeps a connection
//     pool; decoders are pooled). A sink writer is used by one goroutine.
//
// Start at redis.go (factory, options, key text), then lookup.go and sink.go.
package redis
