package agg

import (
	"math/big"

	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

// op is the physical accumulator of one aggregate call, chosen once when the
// calls are compiled, so the per-row work is a switch on a small tag rather
// than an interface call.
type op uint8

const (
	opCountStar op = iota // COUNT(*): rows
	opCount               // COUNT(x, ...): rows where every argument is non-NULL
	opSumInt              // SUM/$SUM0 over TINYINT..BIGINT (wraps to the type)
	opSumFloat            // SUM/$SUM0 over FLOAT/DOUBLE
	opSumDec              // SUM/$SUM0 over DECIMAL
	opAvgInt              // AVG over TINYINT..BIGINT: BIGINT sum / count, truncated
	opAvgFloat            // AVG over FLOAT/DOUBLE
	opAvgDec              // AVG over DECIMAL, HALF_UP to the result scale
	opMin
	opMax
	opFirst
	opLast
	opListAgg
	opApproxDistinct // APPROX_COUNT_DISTINCT: a HyperLogLog sketch in ext.hll
)

// Acc is the accumulator of one aggregate call for one group (or one window
// slice). Which fields mean what depends on the call's op:
//
//   - n counts the non-NULL values accumulated (rows for COUNT(*)); it is the
//     "is empty" test of every op, and the count of AVG.
//   - i is the integer or compact-decimal sum; big takes over for a decimal
//     sum that left int64.
//   - f is the float sum.
//   - v is the current MIN/MAX/FIRST_VALUE/LAST_VALUE.
//   - ext holds what only retracting inputs and LISTAGG need.
type Acc struct {
	n   int64
	i   int64
	f   float64
	v   types.Value
	big *big.Int
	ext *accExt
}

// accExt is the rarely needed part of an accumulator.
type accExt struct {
	// counts is MIN/MAX's value → multiplicity map under retraction
	// (Flink's MinWithRetractAggFunction), keyed by types.AppendValueKey.
	counts map[string]*valueCount
	// vals is the live values in arrival order: FIRST_VALUE/LAST_VALUE and
	// LISTAGG under retraction.
	vals []types.Value
	// buf is LISTAGG's concatenation for append-only input.
	buf []byte
	// delim is LISTAGG's separator (the last one seen); "" means ",".
	delim    string
	hasDelim bool
	// hll is APPROX_COUNT_DISTINCT's sketch.
	hll *hll
}

type valueCount struct {
	v types.Value
	n int64
}

// spec is one compiled aggregate call.
type spec struct {
	op       op
	kind     plan.AggKind
	args     []int
	arg      int // first argument column, -1 for COUNT(*)
	sep      int // LISTAGG separator column, -1 for the default ","
	filter   int // BOOLEAN filter column, -1 for none
	in       types.Type
	out      types.Type
	zero     bool // $SUM0: 0 instead of NULL for no rows
	f32      bool // SUM(FLOAT): Java float arithmetic
	retract  bool // the input has retractions: keep what Retract needs
	distinct int  // index of the shared distinct set, -1 if not DISTINCT
	member   int  // this call's position within its distinct set
}

// nonNull reports whether every argument of the call is non-NULL in row.
func (sp *spec) nonNull(row types.Row) bool {
	for _, c := range sp.args {
		if row[c].K == types.KindNull {
			return false
		}
	}
	return true
}

// sepOf returns the row's separator value for LISTAGG (NULL if none).
func (sp *spec) sepOf(row types.Row) types.Value {
	if sp.sep < 0 || row == nil {
		return types.Value{}
	}
	return row[sp.sep]
}

// add accumulates one non-NULL value v (the first argument; for COUNT only
// its presence matters). sep is LISTAGG's separator for this row.
func (sp *spec) add(a *Acc, v types.Value, sep types.Value, s *scratch) {
	switch sp.op {
	case opCountStar, opCount:
		a.n++
	case opSumInt, opAvgInt:
		a.n++
		a.i += v.I
	case opSumFloat, opAvgFloat:
		a.n++
		a.f = sp.addFloat(a.f, v.Float())
	case opSumDec, opAvgDec:
		a.n++
		addDecimal(a, v, 1)
	case opMin, opMax:
		sp.addMinMax(a, v, s)
	case opFirst, opLast:
		sp.addFirstLast(a, v)
	case opListAgg:
		sp.addListAgg(a, v, sep)
	case opApproxDistinct:
		x := a.extra()
		if x.hll == nil {
			x.hll = &hll{}
		}
		x.hll.addHash(hllHash(v, &s.key))
	}
}

// retractValue removes one non-NULL value v.
func (sp *spec) retractValue(a *Acc, v types.Value, s *scratch) {
	switch sp.op {
	case opCountStar, opCount:
		a.n--
	case opSumInt, opAvgInt:
		a.n--
		a.i -= v.I
	case opSumFloat, opAvgFloat:
		a.n--
		a.f = sp.addFloat(a.f, -v.Float())
	case opSumDec, opAvgDec:
		a.n--
		addDecimal(a, v, -1)
	case opMin, opMax:
		sp.retractMinMax(a, v, s)
	case opFirst, opLast:
		retractFirstLast(a, v)
	case opListAgg:
		retractListAgg(a, v)
	case opApproxDistinct:
		// Refused when compiling: Compile rejects retracting inputs.
	}
}

// merge folds o (a later slice of the same window) into a. Only for
// append-only inputs, as Flink's slicing windows.
func (sp *spec) merge(a, o *Acc) {
	if o.n == 0 && o.ext == nil {
		return
	}
	switch sp.op {
	case opCountStar, opCount:
		a.n += o.n
	case opSumInt, opAvgInt:
		a.n += o.n
		a.i += o.i
	case opSumFloat, opAvgFloat:
		a.n += o.n
		a.f = sp.addFloat(a.f, o.f)
	case opSumDec, opAvgDec:
		a.n += o.n
		mergeDecimal(a, o)
	case opMin, opMax:
		sp.mergeMinMax(a, o)
	case opFirst, opLast:
		sp.mergeFirstLast(a, o)
	case opListAgg:
		mergeListAgg(a, o)
	case opApproxDistinct:
		if o.ext == nil || o.ext.hll == nil {
			return
		}
		x := a.extra()
		if x.hll == nil {
			x.hll = &hll{}
		}
		x.hll.merge(o.ext.hll)
	}
}

// result returns the aggregate's value.
func (sp *spec) result(a *Acc) types.Value {
	switch sp.op {
	case opCountStar, opCount:
		return types.IntValue(a.n)
	case opSumInt, opSumFloat, opSumDec:
		return sp.sumResult(a)
	case opAvgInt, opAvgFloat, opAvgDec:
		return sp.avgResult(a)
	case opMin, opMax, opFirst, opLast:
		return sp.valueResult(a)
	case opListAgg:
		return sp.listAggResult(a)
	case opApproxDistinct:
		if a.ext == nil || a.ext.hll == nil {
			return types.IntValue(0)
		}
		return types.IntValue(a.ext.hll.estimate())
	}
	return types.Value{}
}

// reset empties an accumulator, keeping its memory where it can.
func (a *Acc) reset() {
	x := a.ext
	*a = Acc{}
	if x != nil {
		clear(x.counts)
		clear(x.vals)
		x.vals = x.vals[:0]
		x.buf = x.buf[:0]
		x.delim, x.hasDelim = "", false
		x.hll = nil
		a.ext = x
	}
}

func (a *Acc) extra() *accExt {
	if a.ext == nil {
		a.ext = &accExt{}
	}
	return a.ext
}

// scratch is per-Aggs reusable memory for key encodings.
type scratch struct {
	key []byte
}
