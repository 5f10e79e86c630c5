// Package nexmark is the 'nexmark' connector: the Nexmark benchmark's event
// generator (people, auctions and bids of an online auction), faithful to
// the reference implementation in the public nexmark/nexmark repository
// (nexmark-flink, generator/ and source/), rewritten for speed.
//
// # The stream
//
// Events are numbered n = 0, 1, 2, ... in one global stream. As in the
// reference's Flink table source, event n has the event number e = n+1 and
// the event id id = e+1; id mod (person+auction+bid proportion, 50 by
// default) decides the kind: the first person.proportion residues are
// people, the next auction.proportion are auctions, the rest bids. Person
// and auction ids are dense from 1000, derived from the event id, so they
// never depend on what was generated before. Event time is
//
//	baseTime + trunc(e × 1e6/first-event.rate µs) / 1000   (milliseconds)
//
// Every random choice of an event is drawn from a PRNG seeded with its event
// id, so an event is a pure function of (options, base time, n). That is
// what makes splitting trivial: split k of p generates the events with
// n ≡ k (mod p). The union of the splits is exactly the single-generator
// stream for every parallelism, and each split's event time is monotonic
// (its step is p × 1e6/first-event.rate µs). The reference instead gives
// each parallel generator its own id range and timeline; the distributions
// are the same, but Sluice's output does not depend on the parallelism.
//
// The distributions follow the reference (BidGenerator, AuctionGenerator,
// PersonGenerator, PriceGenerator, StringsGenerator): hot auctions, bidders
// and sellers, log-uniform prices in [100, 10^8], four hot channels and
// 10,000 others with generated URLs, 'extra' padding to the average sizes.
// The reference's PRNG is java.util.Random; Sluice uses SplitMix64, so the
// values differ but their distributions do not. Faithfully reproduced
// quirks: the bidder id is offset by FIRST_PERSON_ID twice (bidders are
// 2000+), and auction lengths are those of a single generator (the
// reference's grow with the parallelism because it counts in-flight
// auctions per generator).
//
// # Speed
//
// The benchmark needs ≥ 1 M events/s per core with a query on top, so the
// generator avoids all per-event heap allocation: rows and nested ROWs come
// from the batch arena (types.Batch.Alloc); every string is a substring of
// a large pre-generated buffer or an entry of a pre-built table (tables.go);
// the []Value of a nested ROW is boxed into the Value's interface without a
// heap allocation per event (rowvalue.go explains how). Columns and nested
// fields the query does not read (CreateContext.Projection) are not built.
//
// Nested ROWs share the batch arena, so like the rows themselves they are
// valid until the batch is reset: an operator that keeps a ROW value past
// Process must copy its fields too.
//
// # Options and schema
//
// The option keys and defaults are the reference's (NexmarkSourceOptions),
// plus 'base-time' (epoch milliseconds; default: the time the source is
// created) to make runs reproducible. 'max-emit-speed' defaults to true as
// in the reference; when false, events are paced to wall-clock time by their
// event time. The physical columns are event_type INT and the ROWs person,
// auction and bid of ddl_gen.sql; any subset of their fields, in any order,
// is accepted (so both the reference's old bid ROW without channel and url
// and the current one work). TableDDL and ViewsDDL produce the reference's
// DDL.
//
// Start reading at generator.go, then source.go.
package nexmark
