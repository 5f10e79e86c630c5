// Package debezium is the 'debezium-json' format, as Flink's: each record is
// a Debezium change event {"before": {...}, "after": {...}, "op": "c"}, or
// with 'debezium-json.schema-include' the same inside {"schema": ...,
// "payload": {...}}.
//
// Decoding (a connector.ChangelogDecoder) follows Flink's
// DebeziumJsonDeserializationSchema: op 'c' (create) and 'r' (snapshot
// read) are +I of "after"; 'u' is -U of "before" then +U of "after"; 'd' is
// -D of "before". An update or delete without "before" is an error (the
// database must log full rows, e.g. Postgres REPLICA IDENTITY FULL), and so
// is an unknown op. An empty record (a Kafka tombstone that follows a
// delete) holds no row. "before" and "after" are decoded by the json
// format's decoder, so every json conversion rule applies, including
// 'timestamp-format.standard'.
//
// Encoding follows DebeziumJsonSerializationSchema: +I and +U are written
// as {"before":null,"after":{...},"op":"c"}, -U and -D as
// {"before":{...},"after":null,"op":"d"}. Start at debezium.go.
package debezium
