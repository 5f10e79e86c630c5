// Package upsertkafka is the 'upsert-kafka' connector, as Flink's: a Kafka
// topic read and written as a table keyed by its PRIMARY KEY (required).
// The key columns are the record key ('key.format'), the value is the row
// ('value.format'; 'value.fields-include' = 'EXCEPT_KEY' leaves the key
// columns out of it), and a record with a null value (a tombstone) deletes
// its key.
//
// The source reads every partition from its earliest offset and emits an
// upsert stream: +U of a key's row for a record, -D of the key for a
// tombstone. The planner follows it with a ChangelogNormalize keyed on the
// PRIMARY KEY, which keeps the last row per key in checkpointed state and
// emits the proper changelog (+I, -U/+U of the previous and new row, -D of
// the previous row); see package kafka's doc, "upsert-kafka reading". The
// sink accepts an upsert stream: +I and +U are written as records, -D as a
// tombstone, -U is dropped.
//
// Everything else (client properties, bounded modes, delivery guarantees,
// formats) is package kafka's; this package declares the factory and its
// options. Start at upsertkafka.go.
package upsertkafka
