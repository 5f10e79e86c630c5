// Package kafka is the 'kafka' connector, with Flink's option keys, and the
// machinery the 'upsert-kafka' connector (package upsertkafka) shares.
//
// Start at kafka.go (factory, options, metadata columns), then table.go
// (options to a validated table: topics, client properties, startup and
// bounded modes, key/value layout), source.go (splits and offsets),
// consumer.go (the shared client), discovery.go (partition discovery
// failures), reader.go (decoding) and sink.go /
// sink_txn.go (writing).
//
// # Reading
//
// One split per topic-partition, with ID "topic:partition". Splits resolves
// the start offset of every partition ('scan.startup.mode') and, when
// bounded, its stop offset ('scan.bounded.mode') once, at job start, with
// ListOffsets/OffsetFetch, so every reader knows numerically where it
// starts (and a checkpoint taken before the first record still records
// it). Position is "offset:<next offset>"; OpenAt resumes there.
// NewSplits lists partitions (and, with 'topic-pattern', topics) created
// since, read from their earliest offset as Flink does; a bounded scan does
// not discover. A failed discovery is logged by the runtime (a warning
// naming the table, topic and error), counted
// (sluice_source_discovery_failures_total) and retried at the next
// interval; a topic that no longer exists or that the client may not
// describe fails the job once seen in 3 discoveries in a row spanning at
// least 30 s (discovery.go says why these bounds). Bounded readers end when the next offset reaches the stop
// offset; control records (transaction markers) are consumed so that a
// stop offset just after a commit marker is reached under read_committed.
//
// One kgo client per source, shared by all its readers, whatever the task
// and partition count. The runtime opens a reader per split and reads a
// task's splits interleaved on one goroutine, so a client per reader would
// mean a TCP connection per partition per broker (8 partitions: 8); the
// connector cannot see which task opens a reader, so the unit it can share
// is the source. The client consumes directly (kgo.ConsumePartitions via
// AddConsumePartitions as readers open, RemoveConsumePartitions as they
// close; no consumer group, as Flink's source does not use one either), and
// one poller goroutine hands each fetched partition's records to its
// reader's queue — pointers only, decoding happens on the task's
// goroutine. A queue above 8192 records pauses its partition's fetching
// (PauseFetchPartitions: kgo drops the buffered data of a paused partition
// without moving its offset, so nothing is lost) until its reader empties
// it, so a slow task neither grows memory without bound nor stalls the
// partitions of other tasks. Read waits at most 50 ms for records.
//
// Decoding: the value format decodes the value columns ('value.fields-
// include' = ALL: every physical column; EXCEPT_KEY: all but 'key.fields');
// the key format decodes 'key.fields' (named without 'key.fields-prefix')
// when the value does not already hold them. A record with a null value
// holds no row, except for raw (a NULL column). A changelog value format
// (debezium-json, canal-json) emits its kinds. Requested metadata columns
// follow the projected physical columns. A record that cannot be decoded is
// a connector.BadRecordError at "topic T partition P", "offset N", or is
// skipped and counted with '<format>.ignore-parse-errors'.
//
// # upsert-kafka reading
//
// The record key identifies the row, and the source emits Flink's upsert
// stream (connector.Factory.Upsert): a record with a value is +U of its
// key's row, a tombstone is -D holding the key columns (the value columns
// NULL) and the tombstone's metadata. The reader keeps nothing per key, so a
// restored reader simply resumes at its offset. Making a changelog of the
// stream (+I for a new key, -U of the previous row and +U for a changed
// one, nothing for an unchanged one, -D of the previous row, nothing for an
// unknown key) is the ChangelogNormalize (package rank) the planner puts
// after the source, behind a hash exchange on the PRIMARY KEY: its state is
// keyed, checkpointed and subject to 'table.exec.state.ttl', and a key's
// records may sit in any partitions (they are ordered within a partition
// only, as in Flink). The versioned table of an event-time temporal join
// whose version time is the record's timestamp reads the upsert stream
// without the normalize (package physical, normalize.go).
//
// # Writing
//
// Rows are encoded (key columns by the key format, value columns by the
// value format) and produced asynchronously through kgo; the first
// delivery error fails the next call. 'sink.partitioner': default (kgo's
// sticky key partitioner, murmur2 as Kafka's), fixed (writer k to
// partition k mod n), round-robin. upsert-kafka writes +I/+U as records,
// -D as a tombstone (key, null value), and drops -U.
//
// 'sink.delivery-guarantee': none flushes on Close; at-least-once also
// flushes in PreCommit (the writer is a connector.TwoPhaseCommitWriter with
// no committable), so a completed checkpoint covers only acknowledged
// records; exactly-once (sink_txn.go) writes each checkpoint's records in
// one transaction, with transactional ids '<prefix>-<writer>-<k>', k in a
// pool of 5: PreCommit flushes and returns {transactional id, producer id,
// epoch, checkpoint} as JSON, and later records go to the next id; Commit
// ends the transaction (and any older pending one of the writer); Recover
// commits the restored committables with raw EndTxn requests carrying the
// recorded producer id and epoch, then fences every id of the pool with
// InitProducerID, which aborts transactions a crash left open. An id is
// reused only after its transaction committed, and with a new epoch (a
// fresh InitProducerID on brokers that keep the epoch across transactions),
// so a (producer id, epoch) names one transaction: a late EndTxn can never
// commit a newer one. Answers meaning "already committed" are listed on
// endTxn. Close aborts the open transaction: records after the last
// checkpoint are not made visible. Transactions time out after
// 'properties.transaction.timeout.ms' (default 15 min, the brokers'
// default maximum); a job down longer loses its prepared transactions.
//
// Not supported: SASL/TLS ('security.protocol' other than PLAINTEXT is
// rejected), committing source offsets to the group
// ('properties.commit.offsets.on.checkpoint'), writable metadata (headers,
// timestamp), 'sink.partitioner' class names, Avro formats.
package kafka
