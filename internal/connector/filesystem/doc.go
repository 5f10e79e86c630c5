// Package filesystem is the 'filesystem' connector: a bounded source that
// reads the files under 'path' line by line through the table's format, and
// an append-only sink that writes rolling part files into the directory
// 'path'.
//
// Source: 'path' is a file or a directory; a directory means every file
// below it, recursively, sorted by path, skipping hidden names (starting
// with '.' or '_', as Flink does — which also skips in-progress sink
// files). One split per file. The reader streams lines with a 1 MiB
// buffer; empty lines are skipped; a line the format cannot decode is a
// *connector.BadRecordError with the file and "line N", unless the format
// ignores parse errors, in which case it is skipped and counted
// (connector.SkipCounter). Records spanning several lines (CSV with quoted
// newlines) are not supported. Continuous monitoring
// ('source.monitor-interval') is not supported yet and is rejected.
//
// Changelog formats (debezium-json, canal-json) replay a captured
// changelog: their decoder (connector.ChangelogDecoder) may turn one line
// into several rows with kinds (-U, +U, -D); rows beyond a Read's max wait
// for the next Read, and the source declares connector.ChangelogSource. The
// sink then accepts every row kind and the format encodes it.
//
// Sink: writer k writes "part-<uuid>-<k>-<n>" files, Flink's naming, first
// as hidden ".part-…-<n>.inprogress" files renamed when they roll
// ('sink.rolling-policy.file-size', 'sink.rolling-policy.rollover-interval')
// or when the writer closes, so readers never see partial files.
//
// Lookup: as Flink's filesystem lookup, a table used in a lookup join
// (FOR SYSTEM_TIME AS OF) is loaded whole into the join's FULL cache and
// reloaded on the 'lookup.full-cache.*' schedule (connector.LookupOptions;
// default every hour): the factory declares LookupFullCacheOnly, so
// 'lookup.cache' NONE means FULL, and the lookup source's Scan reads every
// file with the source's reader, while Lookup by key fails. Changelog
// formats are refused for lookup tables.
//
// Start at filesystem.go (factory and options), then source.go, sink.go and lookup.go.
package filesystem
