// Package jdbc is the 'jdbc' connector as a lookup source: a lookup join
// queries a PostgreSQL, MySQL or MariaDB table by key, with Flink's JDBC
// option keys ('url', 'table-name', 'username', 'password',
// 'connection.max-retry-timeout', 'lookup.*').
//
// Invariants:
//   - One Lookup call is one SELECT (per chunk of keys that fits the
//     driver's parameter limit): WHERE k IN (?, ...) or, for several key
//     columns, WHERE (k1, k2) IN ((?, ?), ...). Values are always bind
//     parameters; identifiers are quoted per dialect ("x" for PostgreSQL,
//     `x` for MySQL/MariaDB).
//   - The number of keys in a statement is rounded up (the last key
//     repeated) to a power of two up to 1024 and to a multiple of 1024
//     above, so a pool connection prepares few distinct statements.
//   - Result rows are grouped back to the requested keys by their key
//     columns. MySQL compares strings by the column's collation: with the
//     default case-insensitive collations a row is matched to every
//     requested key equal to it ignoring case and trailing spaces.
//   - Database values are converted to the table's declared Sluice types;
//     the database column types are checked against them once per source
//     (on the first result), and a mismatch names the table and column.
//   - A source is safe for concurrent use: it holds a database/sql pool.
//     It connects lazily, on the first Lookup or Scan.
//
// Start at jdbc.go (factory and options), then lookup.go; dialect.go has
// what differs between PostgreSQL and MySQL, convert.go the type mapping.
package jdbc
