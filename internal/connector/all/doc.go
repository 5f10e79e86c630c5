// Package all assembles Sluice's default connector registry: the
// connectors datagen, nexmark, filesystem, kafka, upsert-kafka, print and
// blackhole and the formats json, csv, raw, debezium-json and canal-json.
// Registry builds a fresh registry on each call; NewRegistry takes options
// (WithOutput redirects the print connector, for tests and embedding).
// Start at all.go.
package all
