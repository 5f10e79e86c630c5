// Package types is Sluice's data model: SQL types (Type), values (Value),
// rows (Row), changelog kinds (RowKind) and the batches (Batch) that move
// between operators.
//
// Representation, chosen for speed on the hot path:
//
//   - A Value is a small tagged struct, never an interface, so a Row ([]Value)
//     is one contiguous allocation and evaluating an expression allocates
//     nothing for numbers, booleans and times.
//   - Every fixed-width type lives in the int64 field: BOOLEAN (0/1), TINYINT
//     to BIGINT, FLOAT/DOUBLE (IEEE bits), DATE (days since 1970-01-01), TIME
//     (nanoseconds of the day), TIMESTAMP and TIMESTAMP_LTZ (nanoseconds since
//     the epoch, UTC; TIMESTAMP is zone-less wall-clock time read as UTC),
//     INTERVAL DAY TO SECOND (nanoseconds), INTERVAL YEAR TO MONTH (months),
//     and DECIMAL(p,s) whose unscaled value fits in int64.
//   - CHAR/VARCHAR/STRING and BYTES live in the string field (bytes as an
//     immutable string).
//   - DECIMAL beyond int64, ARRAY, MAP and ROW live in the any field:
//     *big.Int, []Value, *MapValue and []Value respectively.
//
// The Value does not carry its precision or scale: the Type of the column or
// expression does. A Value's Kind is only the physical tag (and NULL).
//
// Batches own their rows: the receiver of a Batch may read and reuse it; an
// operator that keeps a row beyond the call must copy it (Row.Clone).
// Start reading at types.go, then value.go and batch.go.
package types
