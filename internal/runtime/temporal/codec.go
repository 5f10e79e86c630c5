package temporal

import (
	"encoding/binary"
	"fmt"

	"github.com/sluicehq/sluice/internal/types"
)

// State encoding of one join key, led by a format byte; rows use the types
// codec (types.AppendRow).
//
//	temporal (0, join key) → 1 | varint(next seq) | varint(timer)
//	                          | uvarint(n) (varint(time) varint(seq) byte(kind) row)*n   probes
//	                          | uvarint(n) (varint(time) byte(kind) row)*n               versions
//	temporal-timers (byte backends) (0, AppendTimeKey(time, join key)) → empty
const keyFormat = 1

type keyCodec struct{}

func (keyCodec) Encode(dst []byte, k *keyState) []byte {
	dst = append(dst, keyFormat)
	dst = binary.AppendVarint(dst, k.seq)
	dst = binary.AppendVarint(dst, k.timer)
	dst = binary.AppendUvarint(dst, uint64(len(k.probes)))
	for _, p := range k.probes {
		dst = binary.AppendVarint(dst, p.time)
		dst = binary.AppendVarint(dst, p.seq)
		dst = append(dst, byte(p.kind))
		dst = types.AppendRow(dst, p.row)
	}
	dst = binary.AppendUvarint(dst, uint64(len(k.versions)))
	for _, v := range k.versions {
		dst = binary.AppendVarint(dst, v.time)
		dst = append(dst, byte(v.kind))
		dst = types.AppendRow(dst, v.row)
	}
	return dst
}

func (keyCodec) Decode(b []byte) (*keyState, error) {
	d := types.NewDecoder(b)
	if f := d.Byte(); f != keyFormat {
		return nil, fmt.Errorf("temporal join state: unknown format %d", f)
	}
	k := &keyState{seq: d.Varint(), timer: d.Varint()}
	for n := d.Count(3); n > 0; n-- {
		p := probe{time: d.Varint(), seq: d.Varint(), kind: types.RowKind(d.Byte())}
		p.row = d.Row()
		k.probes = append(k.probes, p)
	}
	for n := d.Count(2); n > 0; n-- {
		v := version{time: d.Varint(), kind: types.RowKind(d.Byte())}
		v.row = d.Row()
		k.versions = append(k.versions, v)
	}
	if err := d.Done(); err != nil {
		return nil, fmt.Errorf("temporal join state: %w", err)
	}
	return k, nil
}
