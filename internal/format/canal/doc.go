// Package canal is the 'canal-json' format, as Flink's: each record is a
// Canal change event {"data": [{...}], "old": [{...}], "type": "UPDATE",
// "database": "db", "table": "t", ...}.
//
// Decoding (a connector.ChangelogDecoder) follows Flink's
// CanalJsonDeserializationSchema: INSERT emits +I for each element of
// "data", DELETE -D for each, UPDATE -U then +U for each pair of "old" and
// "data" elements, where "old" holds only the columns that changed: a
// column absent from the "old" element takes its value from "data". DDL
// events ("isDdl": true, or type CREATE) hold no row; another type is an
// error. 'canal-json.database.include' and 'canal-json.table.include' are
// regular expressions that must match the whole "database"/"table" value
// of an event for it to be read (Go's RE2 syntax, which agrees with Java's
// Pattern for the usual cases); other events hold no row.
//
// Encoding follows CanalJsonSerializationSchema: +I and +U are written as
// {"data":[{...}],"type":"INSERT"}, -U and -D as type DELETE. Start at
// canal.go.
package canal
