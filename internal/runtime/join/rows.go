package join

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/types"
)

// noTimer marks a bucket without an armed timer.
const noTimer = int64(-1 << 63)

// entry is one distinct row of a side with its multiplicity.
type entry struct {
	row types.Row
	// count is how many times the row is present (a retraction removes
	// one occurrence). Interval and window joins append every row as its
	// own entry with count 1.
	count int64
	// assoc is, for a side whose unmatched rows are emitted (an outer side,
	// the left side of SEMI/ANTI), the number of rows of the other side
	// that match this row (Flink's "associated records"); interval and
	// window joins use it as a matched flag.
	assoc int64
	// time is the regular join's last write (processing time, for TTL) or
	// the interval join's cleanup time (event time).
	time int64
}

// bucket holds the rows of one side for one join key (and, for the window
// join, one window): the keyed row multiset the three operators share.
type bucket struct {
	timer int64 // the time of the timer armed for this bucket, noTimer if none
	rows  []entry
}

func newBucket() *bucket { return &bucket{timer: noTimer} }

// find returns the index of the entry holding a row equal to r, or -1.
func (b *bucket) find(r types.Row) int {
	for i := range b.rows {
		if b.rows[i].row.Equal(r) {
			return i
		}
	}
	return -1
}

// remove deletes entry i, keeping the order of the others.
func (b *bucket) remove(i int) {
	copy(b.rows[i:], b.rows[i+1:])
	b.rows[len(b.rows)-1] = entry{}
	b.rows = b.rows[:len(b.rows)-1]
}

// rowStore is one side's rows: a state store of buckets by (namespace,
// join key), with a slab the kept rows are copied into, so keeping a row
// costs no allocation of its own.
type rowStore struct {
	st   state.Store[*bucket]
	slab []types.Value
}

const slabSize = 4096

func openRowStore(b state.Backend, name string) (*rowStore, error) {
	st, err := state.NewStore[*bucket](b, name, bucketCodec{})
	if err != nil {
		return nil, err
	}
	return &rowStore{st: st}, nil
}

// clone copies r out of its batch into the slab.
func (s *rowStore) clone(r types.Row) types.Row {
	n := len(r)
	if len(s.slab) < n {
		s.slab = make([]types.Value, max(slabSize, n))
	}
	c := types.Row(s.slab[:n:n])
	s.slab = s.slab[n:]
	copy(c, r)
	for i := range c {
		if c[i].K == types.KindRow {
			c[i] = types.CopyRowValue(c[i])
		}
	}
	return c
}

// bucketCodec encodes a bucket:
//
//	1 | varint(timer) | uvarint(n) (row varint(count) varint(assoc) varint(time))*n
type bucketCodec struct{}

const bucketFormat = 1

func (bucketCodec) Encode(dst []byte, b *bucket) []byte {
	dst = append(dst, bucketFormat)
	dst = binary.AppendVarint(dst, b.timer)
	dst = binary.AppendUvarint(dst, uint64(len(b.rows)))
	for _, e := range b.rows {
		dst = types.AppendRow(dst, e.row)
		dst = binary.AppendVarint(dst, e.count)
		dst = binary.AppendVarint(dst, e.assoc)
		dst = binary.AppendVarint(dst, e.time)
	}
	return dst
}

func (bucketCodec) Decode(p []byte) (*bucket, error) {
	d := types.NewDecoder(p)
	if f := d.Byte(); f != bucketFormat {
		return nil, fmt.Errorf("join state: unknown bucket format %d", f)
	}
	b := &bucket{timer: d.Varint()}
	n := d.Count(4)
	b.rows = make([]entry, n)
	for i := range b.rows {
		b.rows[i] = entry{row: d.Row(), count: d.Varint(), assoc: d.Varint(), time: d.Varint()}
	}
	if err := d.Done(); err != nil {
		return nil, fmt.Errorf("join state: %w", err)
	}
	return b, nil
}

// openTimers creates the timers called name: one per (time, join key),
// for whichever sides' buckets of the key are armed for that time. The
// user key is the join key alone, so on byte backends a timer lies in its
// key's key group and moves with the key when state is redistributed
// (docs/design/state-and-checkpoints.md, "Rescaling"). In memory (the heap
// backend) they are rebuilt from the buckets' armed timers. So are they in
// a byte backend restored from state whose timers are in the store called
// legacy (keyed by side | join key, which put them in another key group
// than their key's): that store is emptied.
func openTimers(b state.Backend, name, legacy string, sides [2]*rowStore) (*state.Timers, error) {
	t, err := state.NewTimers(b, name)
	if err != nil {
		return nil, err
	}
	rebuild := t.InMemory()
	if c, ok := b.(state.Claimer); ok && !rebuild && slices.Contains(c.Unclaimed(), legacy) {
		old, err := state.NewTimers(b, legacy)
		if err != nil {
			return nil, err
		}
		old.Clear()
		rebuild = true
	}
	if rebuild {
		for _, s := range sides {
			s.st.Range(0, func(k []byte, b *bucket) bool {
				if b.timer != noTimer {
					t.Register(b.timer, k)
				}
				return true
			})
		}
	}
	return t, nil
}
