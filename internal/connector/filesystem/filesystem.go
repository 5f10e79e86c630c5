package filesystem

import (
	"strings"

	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/connector"
)

// Options is the filesystem connector's option spec ('format' and its
// options are added by the registry), with the lookup options
// (connector.LookupOptions) of a filesystem table used as a lookup table.
var Options = append([]config.Spec{
	{Key: "path", Type: config.String, Required: true,
		Description: "File or directory to read; directory to write part files into. A 'file://' prefix is accepted."},
	{Key: "source.monitor-interval", Type: config.Duration,
		Description: "Interval to watch the directory for new files (continuous reading). Not supported yet by Sluice."},
	{Key: "sink.rolling-policy.file-size", Type: config.MemorySize, Default: "128 mb",
		Description: "A part file is closed and a new one started when it reaches this size."},
	{Key: "sink.rolling-policy.rollover-interval", Type: config.Duration, Default: "30 min",
		Description: "A part file is closed and a new one started when it has been open this long (checked on write)."},
	{Key: "sink.rolling-policy.check-interval", Type: config.Duration, Default: "1 min",
		Description: "Accepted for compatibility with Flink; Sluice checks the rollover interval on every write."},
	{Key: "sink.parallelism", Type: config.Int,
		Description: "Parallelism of the sink; by default the upstream parallelism."},
	{Key: "partition.default-name", Type: config.String, Default: "__DEFAULT_PARTITION__",
		Description: "Accepted for compatibility with Flink; Sluice does not write partitioned directories yet."},
}, connector.LookupOptions...)

// New returns the 'filesystem' connector.
func New() *connector.Factory {
	return &connector.Factory{
		Name:        "filesystem",
		Description: "Reads files line by line through a format; writes rolling part files. As a lookup table it is loaded whole into a FULL cache (the default and only cache for it) and reloaded on the 'lookup.full-cache.*' schedule.",
		Options:     Options,
		UsesFormat:  true,
		NewSource:   newSource,
		NewSink:     newSink,
		// A lookup join loads the whole table and reloads it on the
		// 'lookup.full-cache.*' schedule (Flink: 'lookup.join.cache.ttl').
		NewLookup:           newLookup,
		LookupFullCacheOnly: true,
	}
}

func localPath(p string) string {
	return strings.TrimPrefix(p, "file://")
}
