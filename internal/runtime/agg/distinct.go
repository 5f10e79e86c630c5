package agg

import (
	"math/bits"

	"github.com/sluicehq/sluice/internal/types"
)

// Shared distinct state (the technique Bigo described for Flink's
// DistinctAggCodeGen): all DISTINCT calls of one group over the same
// argument columns share one map from the encoded argument values to a
// record of which calls have counted the value, whatever their FILTERs.
// A call adds a value to its own accumulator only the first time the value
// reaches it.
//
//   - Append-only input: the record is a bitset (bit i = member i has it).
//   - Input with retractions (or more than 64 members): the record is one
//     count per member; a member's accumulator sees the value when its count
//     goes 0 → 1 and loses it when the count goes back to 0; the entry is
//     deleted when every count is 0.

// dsetSpec describes one shared distinct set.
type dsetSpec struct {
	cols    []int // the distinct columns, in call argument order
	members []int // spec indexes; member m is specs[members[m]]
	counts  bool  // per-member counts instead of a bitset
	gen     uint64
	key     []byte // encoding of cols for row generation gen
}

// distinctSet is one group's map for one dsetSpec.
type distinctSet struct {
	bits   map[string]*distinctBits
	counts map[string]*distinctCounts
}

type distinctBits struct {
	v    types.Value // the call's first argument value
	bits uint64
}

type distinctCounts struct {
	v types.Value
	n []int64
}

// len is the number of distinct values held.
func (d *distinctSet) len() int { return len(d.bits) + len(d.counts) }

// distinctKey returns the encoding of the set's columns of the row being
// accumulated, computed once per row however many members use it.
func (a *Aggs) distinctKey(ds *dsetSpec, row types.Row) []byte {
	if ds.gen != a.gen {
		ds.key = types.AppendKey(ds.key[:0], row, ds.cols)
		ds.gen = a.gen
	}
	return ds.key
}

func (a *Aggs) addDistinct(s *Accs, sp *spec, i int, row types.Row, v types.Value) {
	ds := &a.dsets[sp.distinct]
	key := a.distinctKey(ds, row)
	set := &s.dist[sp.distinct]
	if !ds.counts {
		if set.bits == nil {
			set.bits = map[string]*distinctBits{}
		}
		e := set.bits[string(key)]
		if e == nil {
			e = &distinctBits{v: v}
			set.bits[string(key)] = e
		}
		bit := uint64(1) << uint(sp.member)
		if e.bits&bit != 0 {
			return
		}
		e.bits |= bit
		sp.add(&s.accs[i], v, sp.sepOf(row), &a.s)
		return
	}
	if set.counts == nil {
		set.counts = map[string]*distinctCounts{}
	}
	e := set.counts[string(key)]
	if e == nil {
		e = &distinctCounts{v: v, n: make([]int64, len(ds.members))}
		set.counts[string(key)] = e
	}
	e.n[sp.member]++
	if e.n[sp.member] == 1 {
		sp.add(&s.accs[i], v, sp.sepOf(row), &a.s)
	}
}

func (a *Aggs) retractDistinct(s *Accs, sp *spec, i int, row types.Row, v types.Value) {
	ds := &a.dsets[sp.distinct]
	set := &s.dist[sp.distinct]
	if !ds.counts || set.counts == nil {
		return // append-only sets never see retractions
	}
	key := a.distinctKey(ds, row)
	e := set.counts[string(key)]
	if e == nil || e.n[sp.member] == 0 {
		return
	}
	e.n[sp.member]--
	if e.n[sp.member] > 0 {
		return
	}
	sp.retractValue(&s.accs[i], e.v, &a.s)
	for _, n := range e.n {
		if n != 0 {
			return
		}
	}
	delete(set.counts, string(key))
}

// mergeDistinct folds src's distinct sets into dst: a value new to a member
// of dst is added to that member's accumulator.
func (a *Aggs) mergeDistinct(dst, src *Accs) {
	for si := range a.dsets {
		ds := &a.dsets[si]
		from, to := &src.dist[si], &dst.dist[si]
		if len(from.bits) > 0 && to.bits == nil {
			to.bits = map[string]*distinctBits{}
		}
		for k, e := range from.bits {
			d := to.bits[k]
			if d == nil {
				d = &distinctBits{v: e.v}
				to.bits[k] = d
			}
			for fresh := e.bits &^ d.bits; fresh != 0; fresh &= fresh - 1 {
				j := ds.members[bits.TrailingZeros64(fresh)]
				a.specs[j].add(&dst.accs[j], e.v, types.Value{}, &a.s)
			}
			d.bits |= e.bits
		}
		if len(from.counts) > 0 && to.counts == nil {
			to.counts = map[string]*distinctCounts{}
		}
		for k, e := range from.counts {
			d := to.counts[k]
			if d == nil {
				d = &distinctCounts{v: e.v, n: make([]int64, len(e.n))}
				to.counts[k] = d
			}
			for m, n := range e.n {
				if n > 0 && d.n[m] == 0 {
					j := ds.members[m]
					a.specs[j].add(&dst.accs[j], e.v, types.Value{}, &a.s)
				}
				d.n[m] += n
			}
		}
	}
}
