package state

import (
	"encoding/binary"
	"fmt"
	"slices"
)

// OperatorState holds an operator instance's own state — what is not per
// key: a watermark, pending window ends, rows held back per key — so that
// it survives a restore at another parallelism
// (docs/design/state-and-checkpoints.md, "Rescaling").
//
// It keeps one entry per key group the instance owns, each under a key
// that hashes into that key group (OperatorKeys), in the store called
// name. Both backends restore a key-group range from the snapshots of all
// old instances, so a new instance finds exactly the entries of its key
// groups, whichever old instances wrote them. The operator writes the
// instance-wide part (a watermark, window ends) into every entry and a
// keyed part (a row held for its key) only into the entry of the key's
// group; on restore it merges what it finds (Restored) and, when the
// entries came from instances with other key groups (Rescaled), rebuilds
// what it derived from the old instance's keys.
//
// Each entry records the key-group range of the instance that wrote it.
// An entry written before this layout (one entry per instance, under name
// and the smallest suffix hashing into its key groups) has no range: it is
// reported with the instance's own range, which is right because such a
// snapshot restores only at its own parallelism (the runtime refuses
// otherwise).
type OperatorState[V any] struct {
	store  Store[scoped[V]]
	groups KeyGroupRange
	maxPar int      // 0 for a backend that owns no key-group range
	keys   [][]byte // keys[g-groups.Start] hashes into key group g
}

// Restored is one entry found by a restore.
type Restored[V any] struct {
	// Group is the key group the entry is in; From is the key-group range
	// of the instance that wrote it.
	Group int
	From  KeyGroupRange
	Value V
}

// scoped is an entry: the writer's key groups and the operator's value.
type scoped[V any] struct {
	from KeyGroupRange
	v    V
}

// scopedMarker leads an entry written with its range. Operator values lead
// with their format byte, a small number, so an older entry never starts
// with it.
const scopedMarker = 0xf5

type scopedCodec[V any] struct {
	inner Codec[V]
	own   KeyGroupRange // the range reported for an entry without one
}

func (c scopedCodec[V]) Encode(dst []byte, s scoped[V]) []byte {
	dst = append(dst, scopedMarker)
	dst = binary.AppendUvarint(dst, uint64(s.from.Start))
	dst = binary.AppendUvarint(dst, uint64(s.from.End))
	return c.inner.Encode(dst, s.v)
}

func (c scopedCodec[V]) Decode(b []byte) (scoped[V], error) {
	if len(b) == 0 || b[0] != scopedMarker {
		v, err := c.inner.Decode(b)
		return scoped[V]{from: c.own, v: v}, err
	}
	b = b[1:]
	start, n := binary.Uvarint(b)
	if n <= 0 {
		return scoped[V]{}, fmt.Errorf("operator state: truncated key-group range")
	}
	b = b[n:]
	end, n := binary.Uvarint(b)
	if n <= 0 {
		return scoped[V]{}, fmt.Errorf("operator state: truncated key-group range")
	}
	v, err := c.inner.Decode(b[n:])
	return scoped[V]{from: KeyGroupRange{Start: int(start), End: int(end)}, v: v}, err
}

// NewOperatorState creates the operator state called name in b, with
// codec for its values (required, as for every snapshotted store).
func NewOperatorState[V any](b Backend, name string, codec Codec[V]) (*OperatorState[V], error) {
	if codec == nil {
		return nil, fmt.Errorf("operator state %q needs a codec", name)
	}
	groups, maxPar, keys, err := OperatorKeys(b, name)
	if err != nil {
		return nil, err
	}
	st, err := NewStore[scoped[V]](b, name, scopedCodec[V]{inner: codec, own: groups})
	if err != nil {
		return nil, err
	}
	return &OperatorState[V]{store: st, groups: groups, maxPar: maxPar, keys: keys}, nil
}

// Groups returns the key groups of the instance.
func (o *OperatorState[V]) Groups() KeyGroupRange { return o.groups }

// GroupOf returns the key group of an encoded key (types.AppendKey) the
// instance owns: the entry a value kept for that key belongs in.
func (o *OperatorState[V]) GroupOf(key []byte) int {
	if o.maxPar == 0 {
		return o.groups.Start
	}
	return KeyGroup(key, o.maxPar)
}

// Restored returns the entries in the instance's key groups, in key group
// order: what a restore left, or what the last Put calls wrote.
func (o *OperatorState[V]) Restored() []Restored[V] {
	var out []Restored[V]
	for i, k := range o.keys {
		if s, ok := o.store.Get(0, k); ok {
			out = append(out, Restored[V]{Group: o.groups.Start + i, From: s.from, Value: s.v})
		}
	}
	return out
}

// Rescaled reports whether any of entries was written by an instance
// with other key groups than this one's: the job was restored at another
// parallelism.
func (o *OperatorState[V]) Rescaled(entries []Restored[V]) bool {
	for _, e := range entries {
		if e.From != o.groups {
			return true
		}
	}
	return false
}

// Put writes the entry of key group g (one of Groups). An operator writes
// every key group's entry at each snapshot, so no entry of an earlier run
// is left behind. The heap backend keeps v itself: v must not be changed
// afterwards. A key group the instance does not own is an error.
func (o *OperatorState[V]) Put(g int, v V) error {
	if !o.groups.Contains(g) {
		return fmt.Errorf("state: operator state entry for key group %d, outside the instance's %d-%d", g, o.groups.Start, o.groups.End)
	}
	o.store.Put(0, o.keys[g-o.groups.Start], scoped[V]{from: o.groups, v: v})
	return nil
}

// PutAll writes v as the entry of every key group of the instance: the
// instance-wide part of its state (a watermark, pending window ends), for
// a restore at another parallelism to find wherever the keys go.
func (o *OperatorState[V]) PutAll(v V) {
	for _, k := range o.keys {
		o.store.Put(0, k, scoped[V]{from: o.groups, v: v})
	}
}

// OperatorKeys returns the key groups backend b owns, their total number
// (max parallelism) and, for each, a key of name that hashes into it: name
// followed by the smallest uvarint suffix that does. The keys depend only
// on name and the key group, so every run finds the entries any earlier
// run wrote in a key group (and the one key per instance operators used
// before, the smallest suffix in the instance's range, is the key of one
// of its groups). A backend that owns no key-group range (a
// bare test backend) gets one group, 0, keyed by name, and max parallelism
// 0.
func OperatorKeys(b Backend, name string) (KeyGroupRange, int, [][]byte, error) {
	o, ok := b.(KeyGroupOwner)
	if !ok {
		return KeyGroupRange{}, 0, [][]byte{[]byte(name)}, nil
	}
	r, maxPar := o.KeyGroups()
	if maxPar <= 0 {
		return KeyGroupRange{}, 0, [][]byte{[]byte(name)}, nil
	}
	if r.Start < 0 || r.End < r.Start || r.End >= maxPar {
		return r, maxPar, nil, fmt.Errorf("operator state %q: backend owns key groups %d-%d, not within the %d key groups", name, r.Start, r.End, maxPar)
	}
	keys := make([][]byte, r.End-r.Start+1)
	left := len(keys)
	base := []byte(name)
	for i := uint64(0); left > 0; i++ {
		k := binary.AppendUvarint(slices.Clip(base), i)
		g := KeyGroup(k, maxPar)
		if r.Contains(g) && keys[g-r.Start] == nil {
			keys[g-r.Start] = k
			left--
		}
	}
	return r, maxPar, keys, nil
}
