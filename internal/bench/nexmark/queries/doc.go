// Package queries holds the Nexmark benchmark queries q0 … q23 of the
// reference suite (nexmark/nexmark, nexmark-flink/src/main/resources/
// queries), kept as Flink SQL and adapted to Sluice only where the reference
// depends on Java (README.md lists the changes). Each file creates its sink
// table (a blackhole) and inserts into it from the views person, auction and
// bid (connector/nexmark.ViewsDDL); `sluice bench nexmark` runs them.
//
// The files are embedded; Names lists them and Query returns one.
package queries
