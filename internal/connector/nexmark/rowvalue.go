package nexmark

import (
	"unsafe"

	"github.com/sluicehq/sluice/internal/types"
)

// A ROW value keeps its fields as a []Value in Value.X (an interface).
// Storing a slice in an interface makes the compiler heap-allocate a copy of
// the 24-byte slice header (runtime.convTslice) — one allocation per nested
// ROW, i.e. per event, which would dominate the generator's cost.
//
// rowBoxer avoids it: it hands out slice headers from slabs of 4096 and
// builds the interface value pointing at one, which is exactly what
// convTslice would have produced (an interface whose data word points to a
// heap slice header). Headers are never reused — a downstream operator may
// keep the Value — so the only cost is one slab allocation per 4096 events;
// the garbage collector frees a slab once no Value points into it.
// TestRowBoxer checks the result is indistinguishable from types.RowValue.
type rowBoxer struct {
	hdrs [][]types.Value
}

const slabSize = 4096

// eface is the runtime layout of an empty interface.
type eface struct {
	typ  unsafe.Pointer
	data unsafe.Pointer
}

var sliceTypeWord = func() unsafe.Pointer {
	var x any = []types.Value(nil)
	return (*eface)(unsafe.Pointer(&x)).typ
}()

// row returns types.RowValue(fields) without a per-call heap allocation.
func (rb *rowBoxer) row(fields []types.Value) types.Value {
	if len(rb.hdrs) == 0 {
		rb.hdrs = make([][]types.Value, slabSize)
	}
	h := &rb.hdrs[0]
	rb.hdrs = rb.hdrs[1:]
	*h = fields
	var x any
	e := (*eface)(unsafe.Pointer(&x))
	e.typ = sliceTypeWord
	e.data = unsafe.Pointer(h)
	return types.Value{K: types.KindRow, X: x}
}
