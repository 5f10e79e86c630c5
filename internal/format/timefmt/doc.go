// Package timefmt writes dates, times and timestamps as Flink's text
// formats (json, csv) do, through java.time formatters: "yyyy-MM-dd",
// "HH:mm:ss" plus as many fraction digits as needed (Java's
// appendFraction(NANO_OF_SECOND, 0, 9, true), so 08:05:00, 08:05:00.12),
// and a ' ' (SQL) or 'T' (ISO-8601) between date and time.
package timefmt
