package pebble

import (
	"encoding/binary"

	"github.com/sluicehq/sluice/internal/state"
)

// Key layout (docs/design/state-and-checkpoints.md, "The Pebble backend"):
//
//	uid (8, big-endian) | key group (2, big-endian) | store id (2, big-endian)
//	  | namespace (8, sign-flipped big-endian) | user key
//
// Key group metaGroup (0xffff, above any max parallelism) holds an
// operator's metadata instead of state:
//
//	uid | 0xffff | 'c' | store name                  -> store id (2, big-endian)
//	uid | 0xffff | 'n' | first key group (2) | store id (2) | namespace (8)
//	                                                  -> entry count (uvarint)
//
// The catalog ('c') maps store names to the ids used in keys, so ids are
// stable across restores whatever order an operator creates its stores
// in. Counts ('n') are written by Restore and consumed (deleted) by Table.
const (
	uidLen    = 8
	groupLen  = 2
	storeLen  = 2
	nsLen     = 8
	prefixLen = uidLen + groupLen + storeLen + nsLen // before the user key
	metaGroup = 0xffff

	metaCatalog = 'c'
	metaCount   = 'n'
)

// appendPrefix appends the prefix of every key of (uid, group, store, ns).
func appendPrefix(dst []byte, uid uint64, group int, store uint16, ns int64) []byte {
	dst = binary.BigEndian.AppendUint64(dst, uid)
	dst = binary.BigEndian.AppendUint16(dst, uint16(group))
	dst = binary.BigEndian.AppendUint16(dst, store)
	return binary.BigEndian.AppendUint64(dst, uint64(ns)^(1<<63))
}

// appendGroup appends the prefix of every key of (uid, group).
func appendGroup(dst []byte, uid uint64, group int) []byte {
	dst = binary.BigEndian.AppendUint64(dst, uid)
	return binary.BigEndian.AppendUint16(dst, uint16(group))
}

func appendMeta(dst []byte, uid uint64, kind byte) []byte {
	return append(appendGroup(dst, uid, metaGroup), kind)
}

// countPrefix is the prefix of the entry counts Restore leaves for the
// instance of uid starting at key group start, for one store.
func countPrefix(uid uint64, start int, store uint16) []byte {
	k := binary.BigEndian.AppendUint16(appendMeta(nil, uid, metaCount), uint16(start))
	return binary.BigEndian.AppendUint16(k, store)
}

// succ returns the smallest key greater than every key with prefix p (p
// with its last non-0xff byte incremented), or nil if there is none.
func succ(p []byte) []byte {
	s := append([]byte(nil), p...)
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] != 0xff {
			s[i]++
			return s[:i+1]
		}
	}
	return nil
}

// groupSpan is the span of an instance's state keys: [uid|start, uid|end+1).
func groupSpan(uid uint64, r state.KeyGroupRange) (lo, hi []byte) {
	return appendGroup(nil, uid, r.Start), appendGroup(nil, uid, r.End+1)
}

// metaSpan is the span of an operator's metadata keys.
func metaSpan(uid uint64) (lo, hi []byte) {
	lo = appendGroup(nil, uid, metaGroup)
	return lo, succ(lo)
}

// decodeStateKey splits a state key; ok is false for metadata or short keys.
func decodeStateKey(k []byte) (uid uint64, group int, store uint16, ok bool) {
	if len(k) < prefixLen {
		return 0, 0, 0, false
	}
	group = int(binary.BigEndian.Uint16(k[uidLen:]))
	if group == metaGroup {
		return 0, 0, 0, false
	}
	return binary.BigEndian.Uint64(k), group, binary.BigEndian.Uint16(k[uidLen+groupLen:]), true
}

func decodeNS(k []byte) int64 {
	return int64(binary.BigEndian.Uint64(k[uidLen+groupLen+storeLen:]) ^ (1 << 63))
}
