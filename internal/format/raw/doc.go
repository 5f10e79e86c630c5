// Package raw is the 'raw' format, as Flink's: a record is one value of the
// table's single physical column, as bytes. STRING/VARCHAR/CHAR columns take
// the record as UTF-8 text ('raw.charset' accepts UTF-8 only), BYTES/
// VARBINARY/BINARY the bytes themselves, and BOOLEAN, TINYINT, SMALLINT, INT,
// BIGINT, FLOAT and DOUBLE their fixed-width binary encoding in
// 'raw.endianness' (big-endian by default), as Flink's RawFormat does.
//
// A record with no value (a Kafka message whose value is null) decodes to
// NULL through DecodeNull; a NULL value encodes to no bytes. Start at raw.go.
package raw
