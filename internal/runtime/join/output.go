package join

import (
	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/sql/functions"
	"github.com/sluicehq/sluice/internal/types"
)

// joiner is what the three operators share around their state: the
// residual condition over left ++ right, and the output.
type joiner struct {
	operator.Emitter
	ctx      *operator.Context
	cond     functions.Eval // nil: every pair of equal keys matches
	nl, nr   int            // column counts of the sides
	leftOnly bool           // SEMI/ANTI: output the left columns only
	pair     types.Row      // scratch left ++ right for cond
	err      error          // set by emit when a flush fails
}

func (j *joiner) open(ctx *operator.Context, out operator.Output) {
	j.ctx = ctx
	j.Emitter.Open(ctx, out)
	j.pair = make(types.Row, j.nl+j.nr)
}

// matches reports whether the residual condition holds for (l, r).
func (j *joiner) matches(l, r types.Row) bool {
	if j.cond == nil {
		return true
	}
	copy(j.pair, l)
	copy(j.pair[j.nl:], r)
	v := j.cond(j.pair)
	return v.K == types.KindBool && v.I != 0
}

// emit appends kind[l ++ r] (SEMI/ANTI: kind[l]); a nil side is NULL
// padded.
func (j *joiner) emit(kind types.RowKind, l, r types.Row) {
	w := j.nl + j.nr
	if j.leftOnly {
		w = j.nl
	}
	o := j.Alloc(w) // zeroed: NULLs
	if l != nil {
		copy(o, l)
	}
	if r != nil && !j.leftOnly {
		copy(o[j.nl:], r)
	}
	if err := j.Append(kind, o); err != nil && j.err == nil {
		j.err = err
	}
}

// emitSide emits kind[row ++ NULLs] for a left row, kind[NULLs ++ row] for
// a right row.
func (j *joiner) emitSide(kind types.RowKind, side int, row types.Row) {
	if side == 0 {
		j.emit(kind, row, nil)
	} else {
		j.emit(kind, nil, row)
	}
}

// emitPair emits kind[l ++ r] given the input side's row and the other's.
func (j *joiner) emitPair(kind types.RowKind, side int, row, other types.Row) {
	if side == 0 {
		j.emit(kind, row, other)
	} else {
		j.emit(kind, other, row)
	}
}

// done flushes and reports the first emit error.
func (j *joiner) done() error {
	err := j.Flush()
	if j.err != nil {
		err, j.err = j.err, nil
	}
	return err
}

// hasNull reports whether any of the columns cols of row is NULL: such a
// row's key equals nothing (SQL '='), not even another NULL.
func hasNull(row types.Row, cols []int) bool {
	for _, c := range cols {
		if row[c].K == types.KindNull {
			return true
		}
	}
	return false
}
