// Package upsertkafka is the 'upsert-kafka' connector, as Flink's: a Kafka
// topic read and written as a table keyed by its PRIMARY KEY (required).
// The key columns are the record key ('key.format'), the value is the row
// ('value.format'; 'value.fields-include' = 'EXCEPT_KEY' leaves the key
// columns out of it), and a record with a null value (a tombstone) deletes
// its key.
//
// The source reads every partition from its earliest offset and emits a
// proper changelog: +I for a new key, -U of the previous row then +U for an
// update, -D of the previous row for a tombstone. It keeps the last row per
// key of each partition to do so, which assumes every record of a key is in
// the same partition (see package kafka's doc, "upsert-kafka reading", for
// why, and what the engine would need to lift it). The sink accepts an
// upsert stream: +I and +U are written as records, -D as a tombstone, -U is
// dropped.
//
// Everything else (client properties, bounded modes, delivery guarantees,
// formats) is package kafka's; this package declares the factory and its
// options. Start at upsertkafka.go.
package upsertkafka
