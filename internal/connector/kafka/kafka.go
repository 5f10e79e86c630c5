package kafka

import (
	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/types"
)

// FormatLookup finds formats by name; the connector registry is one. The
// Kafka connectors need it for 'key.format', which the registry does not
// resolve itself.
type FormatLookup interface {
	Format(name string) (*connector.Format, error)
}

// Metadata is what METADATA FROM '<key>' can read, with Flink's keys and
// types.
var Metadata = connector.Metadata{
	"topic":          types.StringType,
	"partition":      types.IntType,
	"offset":         types.BigIntType,
	"timestamp":      types.TimestampLTZType(3),
	"timestamp-type": types.StringType,
	"headers":        types.MapType(types.StringType, types.BytesType),
	"leader-epoch":   types.IntType,
}

// New returns the 'kafka' connector. formats resolves 'key.format'.
func New(formats FormatLookup) *connector.Factory {
	return &connector.Factory{
		Name: "kafka",
		Description: "Reads and writes Kafka topics, one split per partition, with Flink's options. " +
			"Positions are offsets (checkpoints resume there), partitions added at run time are discovered, " +
			"bounded modes end the scan, and 'sink.delivery-guarantee' = 'exactly-once' writes each checkpoint in a Kafka transaction. " +
			"Honoured 'properties.*': " + honouredList() + "; other Kafka client properties are accepted and ignored.",
		Options:    Options,
		UsesFormat: true,
		Metadata:   Metadata,
		NewSource: func(ctx connector.CreateContext) (connector.Source, error) {
			return sourceOf(ctx, formats, false)
		},
		NewSink: func(ctx connector.CreateContext) (connector.Sink, error) {
			t, err := newTable(ctx, formats, false)
			if err != nil {
				return nil, err
			}
			return newSink(t)
		},
	}
}

// NewUpsertSource builds the source of the 'upsert-kafka' connector
// (package upsertkafka declares its factory and options).
func NewUpsertSource(ctx connector.CreateContext, formats FormatLookup) (connector.Source, error) {
	return sourceOf(ctx, formats, true)
}

// sourceOf builds a source; the scan options (startup and bounded modes,
// discovery) are checked only here, as a table used only as a sink does
// not need them (e.g. a group id for group offsets).
func sourceOf(ctx connector.CreateContext, formats FormatLookup, upsert bool) (connector.Source, error) {
	t, err := newTable(ctx, formats, upsert)
	if err != nil {
		return nil, err
	}
	if err := t.scanOptions(); err != nil {
		return nil, err
	}
	return newSource(t), nil
}

// NewUpsertSink builds the sink of the 'upsert-kafka' connector.
func NewUpsertSink(ctx connector.CreateContext, formats FormatLookup) (connector.Sink, error) {
	t, err := newTable(ctx, formats, true)
	if err != nil {
		return nil, err
	}
	return newSink(t)
}

// Options is the 'kafka' connector's option spec ('format'/'value.format'
// and the value format's options are added by the registry).
var Options = append(append([]config.Spec{
	{Key: "topic", Type: config.String,
		Description: "Topic(s) to read or write; several topics are separated by semicolons ('a;b'). The sink writes to exactly one."},
	{Key: "topic-pattern", Type: config.String,
		Description: "Regular expression matching the whole name of the topics to read (instead of 'topic'); topics created later are found by partition discovery."},
	{Key: "scan.startup.mode", Type: config.Enum, Default: "group-offsets",
		Values:      []string{"earliest-offset", "latest-offset", "group-offsets", "timestamp", "specific-offsets"},
		Description: "Where reading starts: the earliest or latest offset, the committed offsets of 'properties.group.id' (falling back to 'properties.auto.offset.reset' = 'earliest' | 'latest' for partitions without one), the first offset at or after 'scan.startup.timestamp-millis', or 'scan.startup.specific-offsets' (other partitions start at the earliest offset)."},
	{Key: "scan.startup.specific-offsets", Type: config.String,
		Description: "Start offsets for 'specific-offsets', e.g. 'partition:0,offset:42;partition:1,offset:300' (one topic only)."},
	{Key: "scan.startup.timestamp-millis", Type: config.Int,
		Description: "Start time in epoch milliseconds for 'timestamp'."},
	{Key: "scan.bounded.mode", Type: config.Enum, Default: "unbounded",
		Values:      []string{"unbounded", "latest-offset", "group-offsets", "timestamp", "specific-offsets"},
		Description: "Where reading ends, making the scan bounded: the latest offsets when the job starts, the committed offsets of 'properties.group.id', the first offset at or after 'scan.bounded.timestamp-millis', or 'scan.bounded.specific-offsets' (a partition not listed ends at its earliest offset, so nothing of it is read, as in Flink). Partitions are not discovered while bounded."},
	{Key: "scan.bounded.specific-offsets", Type: config.String,
		Description: "End offsets (exclusive) for bounded mode 'specific-offsets', e.g. 'partition:0,offset:42;partition:1,offset:300'."},
	{Key: "scan.bounded.timestamp-millis", Type: config.Int,
		Description: "End time in epoch milliseconds for bounded mode 'timestamp' (records from it on are not read)."},
	{Key: "scan.topic-partition-discovery.interval", Type: config.Duration, Default: "5 min",
		Description: "How often the runtime looks for partitions (and, with 'topic-pattern', topics) added while running; new partitions are read from their earliest offset. 0 disables discovery. A failed discovery is a warning (and counts in sluice_source_discovery_failures_total) and is retried; a topic gone or not authorised fails the job after 3 failures in a row spanning 30 s."},
	{Key: "scan.parallelism", Type: config.Int,
		Description: "Parallelism of the source; by default the job's."},
	{Key: "key.format", Type: config.String,
		Description: "Format of the record key, e.g. 'raw' or 'json'; its options take the prefix 'key.<format>.' (e.g. 'key.json.ignore-parse-errors'). Needs 'key.fields'."},
	{Key: "key.fields", Type: config.String,
		Description: "Physical columns, separated by semicolons, that make up the record key (in key-format order)."},
	{Key: "key.fields-prefix", Type: config.String,
		Description: "Prefix of the key columns' names, removed to get the key format's field names; needs 'value.fields-include' = 'EXCEPT_KEY'."},
	{Key: "value.fields-include", Type: config.Enum, Values: []string{"ALL", "EXCEPT_KEY"}, Default: "ALL",
		Description: "Whether the record value holds every physical column ('ALL') or all but the key columns ('EXCEPT_KEY')."},
	{Key: "sink.delivery-guarantee", Type: config.Enum, Values: []string{"none", "at-least-once", "exactly-once"}, Default: "at-least-once",
		Aliases:     []string{"sink.semantic"},
		Description: "'none' sends and flushes on close; 'at-least-once' also flushes at every checkpoint; 'exactly-once' writes each checkpoint's records in a Kafka transaction committed when the checkpoint completes (consumers must read with 'isolation.level' = 'read_committed')."},
	{Key: "sink.transactional-id-prefix", Type: config.String,
		Description: "Prefix of the transactional ids of 'exactly-once' (required then): writer k uses '<prefix>-<k>-0' .. '<prefix>-<k>-4'. It must be unique per job writing to the cluster."},
	{Key: "sink.partitioner", Type: config.Enum, Values: []string{"default", "fixed", "round-robin"}, Default: "default",
		Description: "'default' hashes the key (murmur2, as Kafka's) and spreads keyless records; 'fixed' sends each writer's records to partition (writer index mod partitions); 'round-robin' cycles through the partitions."},
	{Key: "sink.parallelism", Type: config.Int,
		Description: "Parallelism of the sink; by default the upstream parallelism."},
	{Key: "properties.bootstrap.servers", Type: config.String, Required: true,
		Description: "Comma-separated host:port list of Kafka brokers."},
	{Key: "properties.group.id", Type: config.String,
		Description: "Consumer group whose committed offsets 'group-offsets' modes read. Sluice does not join the group nor commit offsets."},
	{Key: "properties.", Prefix: true,
		Description: "Kafka client properties; see the connector description for the ones honoured."},
}, formatOptionSpecs...), nil...)

// formatOptionSpecs accept the key format's options ('key.<format>.*')
// and the value format's when named with the 'value.' prefix
// ('value.<format>.*'); newTable validates them against the format.
var formatOptionSpecs = []config.Spec{
	{Key: "key.", Prefix: true, Description: "Options of the key format, as 'key.<format>.<option>'."},
	{Key: "value.", Prefix: true, Description: "Options of the value format, as 'value.<format>.<option>' (the same as '<format>.<option>')."},
}
