// Package datagen is the 'datagen' connector: rows of random or sequential
// values, with Flink's options ('rows-per-second', 'number-of-rows',
// 'fields.<name>.kind' = 'random' | 'sequence', '.min', '.max',
// '.max-past', '.length', '.var-len', '.start', '.end', '.null-rate').
//
// Invariants:
//   - Sequences are split across the parallel splits without overlap: split
//     k of p produces the k-th contiguous part of [start, end]; the source is
//     bounded when any field is a sequence or 'number-of-rows' is set, and a
//     split ends when its first sequence runs out.
//   - 'number-of-rows' and 'rows-per-second' are totals, spread evenly over
//     the splits (the first splits take the remainder).
//   - Random values are drawn from a PCG generator per split, seeded from the
//     non-Flink 'seed' option when given (reproducible tests) or randomly.
//   - Nested types (ARRAY, MAP, MULTISET, ROW) are generated recursively;
//     options of a ROW's field use its dotted path: 'fields.r.x.min'.
//
// Start at source.go; generators.go has one generator per type family.
package datagen
