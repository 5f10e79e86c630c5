// Package parser turns Sluice SQL — the Flink SQL dialect (1.17–1.20) — into
// the syntax tree of package ast.
//
//	stmts, err := parser.Parse(script)   // statements separated by ';'
//	expr, err := parser.ParseExpr("a + 1")
//
// # Where to start
//
// lexer.go turns the script into tokens (comments skipped, /*+ hints */
// attached to the following token); keywords.go holds the reserved-word
// list and unit tables. parser.go has the entry points, token helpers and
// the small statements; parser_ddl.go CREATE/DROP; parser_query.go and
// parser_from.go queries and FROM clauses; parser_expr.go and
// parser_call.go expressions (precedence climbing, see the prec*
// constants) and calls, including the special forms; parser_type.go data
// types. dump.go renders trees as S-expressions for the fixtures in
// testdata/ (go test -rewrite regenerates the expected outputs; review the
// diff).
//
// # Invariants
//
//   - Parse never panics on any input (FuzzParse checks this). Errors are
//     *ast.Error with the 1-based line and byte column of the offending
//     token, Near set to its text, Msg "unexpected X; expected Y" and a
//     Hint where one helps (misspelled keywords, missing commas, reserved
//     words used as names, unterminated literals).
//   - Internally a parse error unwinds the descent by panicking with a
//     bailout value, recovered only in the entry points; any other panic is
//     a bug and propagates. Nesting deeper than maxDepth is an error, so
//     hostile input cannot exhaust the stack.
//   - Identifiers keep their case as written; quoted identifiers (`x`) may
//     be keywords. Reserved words follow Calcite/Flink: `value`, `date`,
//     `timestamp`, `time`, `day`, `partition` ... must be backquoted, while
//     name, key, state, comment, watermark, session ... are plain names.
//     Reserved function names (COUNT, HOUR, MOD, LEFT, ...) start a call
//     when followed by '('.
//   - The tree is as written, with these normalisations: type names are
//     canonical (INTEGER→INT, DEC/NUMERIC→DECIMAL, REAL→FLOAT, DOUBLE
//     PRECISION→DOUBLE, CHAR VARYING→VARCHAR, TIMESTAMP WITH LOCAL TIME
//     ZONE→TIMESTAMP_LTZ with WithLocalTimeZone set, also for TIMESTAMP_LTZ);
//     time units are singular upper case (DAYS→DAY); the special forms are
//     plain calls as the ast package doc describes, and TRIM always has
//     three arguments (mode Symbol, characters, string), defaulting to BOTH
//     and ' '; != is <>; FETCH FIRST n ROWS ONLY is Limit; the comma in FROM
//     is a CrossJoin; VALUES rows are flattened from row constructors.
//   - Unary minus stays a Unary node; literals keep their text.
//
// # Not supported yet
//
// MATCH_RECOGNIZE, JSON function syntax (JSON_OBJECT(KEY .. VALUE ..),
// RETURNING, ON ERROR), LISTAGG ... WITHIN GROUP, quantified comparisons
// (= ANY (subquery)), RAW types, USE / CREATE CATALOG / CREATE DATABASE /
// ALTER, CREATE FUNCTION ... USING JAR, SET without quotes, DISTRIBUTED BY,
// and constraint names on inline (column) primary keys, which are parsed and
// dropped.
package parser
