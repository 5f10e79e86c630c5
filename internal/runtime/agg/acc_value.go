package agg

import (
	"strings"

	"github.com/sluicehq/sluice/internal/types"
)

// Value accumulators: MIN, MAX, FIRST_VALUE, LAST_VALUE and LISTAGG.
//
// Append-only inputs keep one value (or LISTAGG's growing buffer). Inputs
// with retractions keep what Flink's *WithRetract functions keep:
//
//   - MIN/MAX: a value → multiplicity map; retracting the current extreme
//     rescans the map (MinWithRetractAggFunction.updateMin).
//   - FIRST_VALUE/LAST_VALUE: the live values in arrival order; a retraction
//     removes the earliest occurrence of the value, and the result is the
//     first (last) live value. Flink orders by System.currentTimeMillis()
//     and keeps values of one millisecond in arrival order, which is arrival
//     order whenever the clock does not matter.
//   - LISTAGG: the live values in arrival order; a retraction removes the
//     first occurrence (ListAggWithRetractAggFunction); an unknown value is
//     ignored.

// cmp orders two non-NULL values of the call's argument type.
func (sp *spec) cmp(a, b types.Value) int {
	if a.K == types.KindInt && b.K == types.KindInt {
		switch {
		case a.I < b.I:
			return -1
		case a.I > b.I:
			return 1
		}
		return 0
	}
	return types.Compare(a, b, sp.in)
}

// better reports whether v should replace the current extreme cur.
func (sp *spec) better(v, cur types.Value) bool {
	c := sp.cmp(v, cur)
	if sp.op == opMin {
		return c < 0
	}
	return c > 0
}

func (sp *spec) addMinMax(a *Acc, v types.Value, s *scratch) {
	if a.n == 0 || sp.better(v, a.v) {
		a.v = v
	}
	if !sp.retract {
		a.n++
		return
	}
	x := a.extra()
	if x.counts == nil {
		x.counts = map[string]*valueCount{}
	}
	s.key = types.AppendValueKey(s.key[:0], v)
	e := x.counts[string(s.key)]
	switch {
	case e == nil:
		x.counts[string(s.key)] = &valueCount{v: v, n: 1}
		a.n++
	case e.n == -1: // a retraction seen first cancels out
		delete(x.counts, string(s.key))
	default:
		e.n++
		if e.n == 1 {
			a.n++
		}
	}
}

func (sp *spec) retractMinMax(a *Acc, v types.Value, s *scratch) {
	x := a.extra()
	if x.counts == nil {
		x.counts = map[string]*valueCount{}
	}
	s.key = types.AppendValueKey(s.key[:0], v)
	e := x.counts[string(s.key)]
	if e == nil {
		x.counts[string(s.key)] = &valueCount{v: v, n: -1}
		return
	}
	e.n--
	if e.n != 0 {
		return
	}
	delete(x.counts, string(s.key))
	a.n--
	if a.n <= 0 {
		a.n, a.v = 0, types.Value{}
		return
	}
	if types.Equal(v, a.v) {
		sp.rescanMinMax(a)
	}
}

// rescanMinMax finds the extreme among the values still present.
func (sp *spec) rescanMinMax(a *Acc) {
	first := true
	for _, e := range a.ext.counts {
		if e.n <= 0 {
			continue
		}
		if first || sp.better(e.v, a.v) {
			a.v, first = e.v, false
		}
	}
}

func (sp *spec) mergeMinMax(a, o *Acc) {
	if o.n > 0 && (a.n == 0 || sp.better(o.v, a.v)) {
		a.v = o.v
	}
	a.n += o.n
}

func (sp *spec) addFirstLast(a *Acc, v types.Value) {
	if sp.retract {
		x := a.extra()
		x.vals = append(x.vals, v)
		a.n++
		return
	}
	if a.n == 0 || sp.op == opLast {
		a.v = v
	}
	a.n++
}

// retractFirstLast removes the earliest occurrence of v.
func retractFirstLast(a *Acc, v types.Value) {
	if a.ext == nil {
		return
	}
	if removeFirst(&a.ext.vals, v) {
		a.n--
	}
}

func removeFirst(vals *[]types.Value, v types.Value) bool {
	s := *vals
	for i := range s {
		if types.Equal(s[i], v) {
			copy(s[i:], s[i+1:])
			s[len(s)-1] = types.Value{}
			*vals = s[:len(s)-1]
			return true
		}
	}
	return false
}

func (sp *spec) mergeFirstLast(a, o *Acc) {
	if o.n > 0 && (a.n == 0 || sp.op == opLast) {
		a.v = o.v
	}
	a.n += o.n
}

func (sp *spec) valueResult(a *Acc) types.Value {
	if a.n <= 0 {
		return types.Value{}
	}
	if sp.retract && (sp.op == opFirst || sp.op == opLast) {
		vals := a.ext.vals
		if sp.op == opFirst {
			return vals[0]
		}
		return vals[len(vals)-1]
	}
	return a.v
}

func (sp *spec) addListAgg(a *Acc, v, sep types.Value) {
	x := a.extra()
	if sep.K != types.KindNull {
		x.delim, x.hasDelim = sep.S, true
	}
	a.n++
	if sp.retract {
		x.vals = append(x.vals, v)
		return
	}
	if a.n > 1 {
		x.buf = append(x.buf, x.delimiter()...)
	}
	x.buf = append(x.buf, v.S...)
}

func (x *accExt) delimiter() string {
	if x.hasDelim {
		return x.delim
	}
	return ","
}

func retractListAgg(a *Acc, v types.Value) {
	if a.ext != nil && removeFirst(&a.ext.vals, v) {
		a.n--
	}
}

// mergeListAgg appends a later slice's list, joined with that slice's
// separator (Flink's ListAggFunction merge expression).
func mergeListAgg(a, o *Acc) {
	if o.n == 0 {
		return
	}
	x, y := a.extra(), o.ext
	if a.n > 0 {
		x.buf = append(x.buf, y.delimiter()...)
	}
	x.buf = append(x.buf, y.buf...)
	x.delim, x.hasDelim = y.delim, y.hasDelim
	a.n += o.n
}

func (sp *spec) listAggResult(a *Acc) types.Value {
	if a.n <= 0 {
		return types.Value{}
	}
	x := a.ext
	if !sp.retract {
		return types.StringValue(string(x.buf))
	}
	var b strings.Builder
	for i, v := range x.vals {
		if i > 0 {
			b.WriteString(x.delimiter())
		}
		b.WriteString(v.S)
	}
	return types.StringValue(b.String())
}
