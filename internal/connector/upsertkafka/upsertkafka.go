package upsertkafka

import (
	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/connector/kafka"
)

// Options is the 'upsert-kafka' connector's option spec; 'value.format'
// (or 'format') and its options are added by the registry.
var Options = pick(
	"topic", "scan.bounded.mode", "scan.bounded.specific-offsets", "scan.bounded.timestamp-millis",
	"scan.topic-partition-discovery.interval", "scan.parallelism", "key.format", "key.fields-prefix", "value.fields-include",
	"sink.delivery-guarantee", "sink.transactional-id-prefix", "sink.parallelism",
	"properties.bootstrap.servers", "properties.", "key.", "value.",
)

// Flink's buffered flush is accepted; Sluice relies on the Kafka client's
// batching instead.
var bufferOptions = []config.Spec{
	{Key: "sink.buffer-flush.max-rows", Type: config.Int, Default: "0",
		Description: "Accepted for compatibility with Flink; Sluice does not reduce rows by key before writing, the Kafka client batches them."},
	{Key: "sink.buffer-flush.interval", Type: config.Duration, Default: "0",
		Description: "Accepted for compatibility with Flink; see 'sink.buffer-flush.max-rows'."},
}

// pick takes the kafka connector's specs for keys, with descriptions fit
// for upsert-kafka where they differ.
func pick(keys ...string) []config.Spec {
	over := map[string]string{
		"topic":                "Topic to read and write (several, separated by semicolons, can be read).",
		"key.format":           "Format of the record key, which holds the PRIMARY KEY columns (required); its options take the prefix 'key.<format>.'.",
		"properties.":          "Kafka client properties, as for the kafka connector.",
		"value.fields-include": "Whether the record value holds every physical column ('ALL') or all but the PRIMARY KEY columns ('EXCEPT_KEY').",
	}
	var out []config.Spec
	for _, k := range keys {
		for _, s := range kafka.Options {
			if s.Key == k {
				if d, ok := over[k]; ok {
					s.Description = d
				}
				if k == "key.format" {
					s.Required = true
				}
				out = append(out, s)
			}
		}
		if k == "sink.parallelism" {
			out = append(out, bufferOptions...)
		}
	}
	return out
}

// New returns the 'upsert-kafka' connector. formats resolves 'key.format'.
func New(formats kafka.FormatLookup) *connector.Factory {
	return &connector.Factory{
		Name: "upsert-kafka",
		Description: "Reads a Kafka topic as a changelog keyed by the PRIMARY KEY (a record is an upsert of its key, a null value deletes it) " +
			"and writes upserts and deletes (as tombstones). The source emits an upsert stream that a ChangelogNormalize keyed on the PRIMARY KEY turns into -U/+U and -D with the previous row.",
		Options:    Options,
		UsesFormat: true,
		Metadata:   kafka.Metadata,
		Changelog:  func(connector.CreateContext) bool { return true },
		Upsert:     func(connector.CreateContext) bool { return true },
		NewSource: func(ctx connector.CreateContext) (connector.Source, error) {
			return kafka.NewUpsertSource(ctx, formats)
		},
		NewSink: func(ctx connector.CreateContext) (connector.Sink, error) {
			return kafka.NewUpsertSink(ctx, formats)
		},
	}
}
