// Package csv is the 'csv' format: one line per record, fields in schema
// order, with Flink's csv format options ('field-delimiter',
// 'disable-quote-character', 'quote-character', 'allow-comments',
// 'ignore-parse-errors', 'array-element-delimiter', 'escape-character',
// 'null-literal', 'write-bigdecimal-in-scientific-notation').
//
// Decoding splits the line itself (quotes, doubled quotes, the escape
// character) and converts each field's text to the column's type; a field
// that does not convert is an error naming the field and its text. Unlike
// Flink, an empty field of a non-string column is NULL rather than an error.
// ARRAY columns hold elements separated by 'array-element-delimiter'; MAP
// and ROW columns are not supported, as in Flink. A comment line (with
// 'allow-comments') decodes to connector.ErrSkipRecord.
//
// Encoding writes one line (without the newline), quoting fields that hold
// the delimiter, the quote character or a line break; NULL is written as
// 'null-literal' (default empty). Timestamps are "2020-04-15 08:05:00.12".
package csv
