package rank

import (
	"encoding/binary"
	"fmt"

	"github.com/sluicehq/sluice/internal/types"
)

// State encodings. Each value leads with a format byte; rows use the types
// codec (types.AppendRow).
//
//	rank, dedup        (0, partition key)      → 1 | varint(touched) | varint(timer) | uvarint(n) row*n
//	normalize          (0, primary key)        → the same, n = 1 (ChangelogNormalize's last row)
//	window-rank        (window end, partition) → 1 | varint(0) | varint(0) | uvarint(n) row*n
//	window-rank-meta   state.OperatorState (one entry per key group)
//	                                           → 1 | varint(watermark) | uvarint(n) varint(window end)*n
//	rank-ttl, dedup-ttl, normalize-ttl (byte backends)
//	                   (0, AppendTimeKey(expiry, partition key)) → empty
const (
	partitionFormat = 1
	metaFormat      = 1
)

// partition is the state of one partition (or, for window Top-N, one
// partition of one window): its rows in rank order, and its TTL times.
// Append-only Top-N keeps the top RankEnd rows, Top-N over updates keeps
// all, deduplication keeps the one row (none for proctime keep-first,
// which only needs to know the partition was seen).
type partition struct {
	rows []types.Row
	ttlTimes
}

func (p *partition) times() *ttlTimes { return &p.ttlTimes }

type partitionCodec struct{}

func (partitionCodec) Encode(dst []byte, p *partition) []byte {
	dst = append(dst, partitionFormat)
	dst = binary.AppendVarint(dst, p.touched)
	dst = binary.AppendVarint(dst, p.timer)
	dst = binary.AppendUvarint(dst, uint64(len(p.rows)))
	for _, r := range p.rows {
		dst = types.AppendRow(dst, r)
	}
	return dst
}

func (partitionCodec) Decode(b []byte) (*partition, error) {
	d := types.NewDecoder(b)
	if f := d.Byte(); f != partitionFormat {
		return nil, fmt.Errorf("rank state: unknown format %d", f)
	}
	p := &partition{}
	p.touched, p.timer = d.Varint(), d.Varint()
	for n := d.Count(1); n > 0; n-- {
		p.rows = append(p.rows, d.Row())
	}
	if err := d.Done(); err != nil {
		return nil, fmt.Errorf("rank state: %w", err)
	}
	return p, nil
}

// windowMeta is what a window rank keeps in memory between calls, written
// by PrepareSnapshot and read back by Open.
type windowMeta struct {
	current int64
	pending []int64
}

type metaCodec struct{}

func (metaCodec) Encode(dst []byte, m *windowMeta) []byte {
	dst = append(dst, metaFormat)
	dst = binary.AppendVarint(dst, m.current)
	dst = binary.AppendUvarint(dst, uint64(len(m.pending)))
	for _, e := range m.pending {
		dst = binary.AppendVarint(dst, e)
	}
	return dst
}

func (metaCodec) Decode(b []byte) (*windowMeta, error) {
	d := types.NewDecoder(b)
	if f := d.Byte(); f != metaFormat {
		return nil, fmt.Errorf("window rank state: unknown format %d", f)
	}
	m := &windowMeta{current: d.Varint()}
	for n := d.Count(1); n > 0; n-- {
		m.pending = append(m.pending, d.Varint())
	}
	if err := d.Done(); err != nil {
		return nil, fmt.Errorf("window rank state: %w", err)
	}
	return m, nil
}
