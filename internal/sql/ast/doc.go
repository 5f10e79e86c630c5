// Package ast is the syntax tree of Sluice's SQL dialect (Flink SQL), as the
// parser produces it and the analyzer consumes it. Nodes are plain data with
// a source position; they carry no types and no resolution.
//
// Special syntax is normalised into ordinary calls so later stages have fewer
// cases: EXTRACT(YEAR FROM x) is Call EXTRACT(Symbol YEAR, x); TRIM(LEADING
// 'x' FROM s) is Call TRIM(Symbol LEADING, 'x', s); SUBSTRING(s FROM a FOR b)
// is Call SUBSTRING(s, a, b); POSITION(a IN b) is Call POSITION(a, b);
// CEIL(ts TO DAY) is Call CEIL(ts, Symbol DAY); TIMESTAMPADD(unit, n, t) and
// TIMESTAMPDIFF(unit, a, b) take Symbol unit first; CURRENT_TIMESTAMP without
// parentheses is Call CURRENT_TIMESTAMP with NoParens set.
//
// Errors with a position are *Error, which both the parser and the analyzer
// return; Error.Render shows the offending line with a caret.
package ast
