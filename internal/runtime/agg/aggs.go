package agg

import (
	"errors"
	"fmt"

	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

// ErrNoRetraction is wrapped by Compile's error for an aggregate that
// cannot take retractions (APPROX_COUNT_DISTINCT) over an updating input.
var ErrNoRetraction = errors.New("aggregate does not support retraction")

// Aggs is a compiled list of aggregate calls over one input schema. It is
// shared by every group of an operator instance and used by one goroutine
// (it holds scratch memory).
type Aggs struct {
	specs   []spec
	dsets   []dsetSpec
	retract bool
	gen     uint64 // row generation, for the per-row distinct key cache
	corrupt error  // see ReadErr
	s       scratch
}

// Accs is the accumulator state of one group (or one window slice): the
// row count and one accumulator per call, plus the shared distinct sets.
// Create it with Aggs.New or Aggs.Init.
type Accs struct {
	// Rows is the number of rows accumulated minus the rows retracted,
	// FILTERs ignored: Flink's record counter, which says when a group is
	// empty.
	Rows int64
	accs []Acc
	dist []distinctSet
}

// Compile prepares calls over an input with schema in. retract tells
// whether the input carries retractions (-U/-D): MIN/MAX, FIRST_VALUE,
// LAST_VALUE, LISTAGG and DISTINCT then keep the extra state Retract needs.
// A call's result type is call.T, or ResultType's when T is unset.
func Compile(calls []plan.AggCall, in types.Schema, retract bool) (*Aggs, error) {
	a := &Aggs{specs: make([]spec, len(calls)), retract: retract}
	sets := map[string]int{}
	for i, c := range calls {
		sp, err := compileCall(c, in, retract)
		if err != nil {
			return nil, err
		}
		if c.Distinct && sp.arg >= 0 {
			cols := sp.args
			id := fmt.Sprint(cols)
			si, ok := sets[id]
			if !ok {
				si = len(a.dsets)
				sets[id] = si
				a.dsets = append(a.dsets, dsetSpec{cols: cols})
			}
			sp.distinct, sp.member = si, len(a.dsets[si].members)
			a.dsets[si].members = append(a.dsets[si].members, i)
		}
		a.specs[i] = sp
	}
	for i := range a.dsets {
		a.dsets[i].counts = retract || len(a.dsets[i].members) > 64
	}
	return a, nil
}

func compileCall(c plan.AggCall, in types.Schema, retract bool) (spec, error) {
	sp := spec{kind: c.Kind, arg: -1, sep: -1, filter: c.Filter, retract: retract, distinct: -1}
	if retract && !c.Kind.Retractable() {
		return sp, fmt.Errorf("%w: %s does not support retraction, but its input is an updating stream (it has -U/-D changes); aggregate an append-only input, or use COUNT(DISTINCT ...)", ErrNoRetraction, c.Kind)
	}
	argTypes := make([]types.Type, len(c.Args))
	for j, col := range c.Args {
		if col < 0 || col >= in.Len() {
			return sp, fmt.Errorf("%s: argument column %d out of range (input has %d columns)", c, col, in.Len())
		}
		argTypes[j] = in.Fields[col].Type
	}
	if c.Filter >= in.Len() {
		return sp, fmt.Errorf("%s: filter column %d out of range", c, c.Filter)
	}
	out, err := resultType(c.Kind, argTypes)
	if err != nil {
		return sp, err
	}
	if c.T.ID != types.Invalid {
		out = c.T
	}
	sp.out = out
	sp.args = c.Args
	if len(c.Args) > 0 {
		sp.arg, sp.in = c.Args[0], argTypes[0]
	}
	if c.Kind == plan.AggListAgg {
		sp.args = c.Args[:1]
		if len(c.Args) == 2 {
			sp.sep = c.Args[1]
		}
	}
	sp.op = chooseOp(c.Kind, sp.in, len(c.Args))
	sp.zero = c.Kind == plan.AggSum0
	sp.f32 = sp.op == opSumFloat && sp.in.ID == types.Float
	return sp, nil
}

func chooseOp(k plan.AggKind, in types.Type, nargs int) op {
	family := func(i, f, d op) op {
		switch {
		case in.IsApprox():
			return f
		case in.ID == types.Decimal:
			return d
		}
		return i
	}
	switch k {
	case plan.AggCount:
		if nargs == 0 {
			return opCountStar
		}
		return opCount
	case plan.AggSum, plan.AggSum0:
		return family(opSumInt, opSumFloat, opSumDec)
	case plan.AggAvg:
		return family(opAvgInt, opAvgFloat, opAvgDec)
	case plan.AggMin:
		return opMin
	case plan.AggMax:
		return opMax
	case plan.AggFirstValue:
		return opFirst
	case plan.AggLastValue:
		return opLast
	case plan.AggApproxCountDistinct:
		return opApproxDistinct
	}
	return opListAgg
}

// Len is the number of calls.
func (a *Aggs) Len() int { return len(a.specs) }

// New returns empty accumulators.
func (a *Aggs) New() *Accs {
	s := &Accs{}
	a.Init(s)
	return s
}

// Init makes s empty accumulators for these calls (for an Accs embedded in
// a larger state value).
func (a *Aggs) Init(s *Accs) {
	s.Rows = 0
	s.accs = make([]Acc, len(a.specs))
	if len(a.dsets) > 0 {
		s.dist = make([]distinctSet, len(a.dsets))
	}
}

// slabSize is how many accumulators InitIn allocates at once.
const slabSize = 512

// InitIn is Init carving the accumulators from *slab, refilled in chunks,
// so that creating many small Accs (window slices) allocates once per
// chunk. A chunk stays reachable while any Accs carved from it is.
func (a *Aggs) InitIn(s *Accs, slab *[]Acc) {
	n := len(a.specs)
	if len(*slab) < n {
		*slab = make([]Acc, max(slabSize, n))
	}
	s.Rows = 0
	s.accs = (*slab)[:n:n]
	*slab = (*slab)[n:]
	if len(a.dsets) > 0 {
		s.dist = make([]distinctSet, len(a.dsets))
	}
}

// Reset empties s for reuse, keeping its memory.
func (a *Aggs) Reset(s *Accs) {
	s.Rows = 0
	for i := range s.accs {
		s.accs[i].reset()
	}
	for i := range s.dist {
		clear(s.dist[i].bits)
		clear(s.dist[i].counts)
	}
}

func isTrue(v types.Value) bool { return v.K == types.KindBool && v.I != 0 }

// Accumulate adds one input row (+I or +U).
func (a *Aggs) Accumulate(s *Accs, row types.Row) {
	s.Rows++
	a.gen++
	for i := range a.specs {
		sp := &a.specs[i]
		if sp.filter >= 0 && !isTrue(row[sp.filter]) {
			continue
		}
		if sp.op == opCountStar {
			s.accs[i].n++
			continue
		}
		if !sp.nonNull(row) {
			continue
		}
		v := row[sp.arg]
		if sp.distinct >= 0 {
			a.addDistinct(s, sp, i, row, v)
			continue
		}
		sp.add(&s.accs[i], v, sp.sepOf(row), &a.s)
	}
}

// Retract removes one input row (-U or -D). Only valid when the Aggs was
// compiled with retract.
func (a *Aggs) Retract(s *Accs, row types.Row) {
	s.Rows--
	a.gen++
	for i := range a.specs {
		sp := &a.specs[i]
		if sp.filter >= 0 && !isTrue(row[sp.filter]) {
			continue
		}
		if sp.op == opCountStar {
			s.accs[i].n--
			continue
		}
		if !sp.nonNull(row) {
			continue
		}
		v := row[sp.arg]
		if sp.distinct >= 0 {
			a.retractDistinct(s, sp, i, row, v)
			continue
		}
		sp.retractValue(&s.accs[i], v, &a.s)
	}
}

// Merge folds src (a later slice of the same window, for the same key) into
// dst. Only for append-only inputs.
func (a *Aggs) Merge(dst, src *Accs) {
	dst.Rows += src.Rows
	for i := range a.specs {
		if a.specs[i].distinct >= 0 {
			continue
		}
		a.specs[i].merge(&dst.accs[i], &src.accs[i])
	}
	if len(a.dsets) > 0 {
		a.mergeDistinct(dst, src)
	}
}

// Results writes one value per call into dst (len(dst) >= Len()).
func (a *Aggs) Results(s *Accs, dst []types.Value) {
	for i := range a.specs {
		dst[i] = a.specs[i].result(&s.accs[i])
	}
}

// distinctSets is a test hook: the number of distinct maps s holds (one
// per set of DISTINCT columns, however many calls share it) and the number
// of values in each.
func (s *Accs) distinctSets() []int {
	n := make([]int, len(s.dist))
	for i := range s.dist {
		n[i] = s.dist[i].len()
	}
	return n
}
