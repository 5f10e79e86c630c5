package window

import (
	"encoding/binary"
	"fmt"

	"github.com/sluicehq/sluice/internal/runtime/agg"
	"github.com/sluicehq/sluice/internal/types"
)

// State encodings of the window operators. Each store's values lead with a
// format byte; values use the types codec and agg's accumulator encoding.
//
//	window-agg   (slice end, key) → 1 | uvarint(len) key | row(key values) | accs
//	window-meta  0, state.OperatorState (one entry per key group: the writer's key groups, then)
//	                              → 2 | varint(watermark) | uvarint(n) (varint(slice end) uvarint(keys))*n
//	                                  | uvarint(n) varint(window end)*n | uvarint(n) (uvarint(position) varint(release) row)*n
//	             (format 1, one entry per instance: no positions, the rows in order)
//	session-agg  0, key           → 1 | uvarint(len) key | row(key values) | uvarint(n) (varint(start) varint(end) accs)*n
//	session-timers (byte backends) 0, AppendTimeKey(end, key) → empty
const (
	sliceFormat    = 1
	metaFormat     = 2
	sessionsFormat = 1
)

type sliceCodec struct{ aggs *agg.Aggs }

func (c sliceCodec) Encode(dst []byte, sa *sliceAcc) []byte {
	dst = append(dst, sliceFormat)
	dst = binary.AppendUvarint(dst, uint64(len(sa.key)))
	dst = append(dst, sa.key...)
	dst = types.AppendRow(dst, sa.keyVals)
	return c.aggs.AppendAccs(dst, &sa.Accs)
}

func (c sliceCodec) Decode(b []byte) (*sliceAcc, error) {
	d := types.NewDecoder(b)
	if f := d.Byte(); f != sliceFormat {
		return nil, fmt.Errorf("window slice state: unknown format %d", f)
	}
	sa := &sliceAcc{}
	sa.key = d.String()
	sa.keyVals = d.Row()
	c.aggs.Init(&sa.Accs)
	c.aggs.ReadAccs(d, &sa.Accs)
	if err := d.Done(); err != nil {
		return nil, fmt.Errorf("window slice state: %w", err)
	}
	if err := c.aggs.ReadErr(); err != nil {
		return nil, fmt.Errorf("window slice state: %w", err)
	}
	return sa, nil
}

// windowMeta is what a WindowAggregate keeps outside its slices: written
// by PrepareSnapshot, read back by Open.
type windowMeta struct {
	current  int64
	live     map[int64]int
	pending  []int64
	deferred []deferredRow
	// at is each deferred row's position among the instance's deferred
	// rows (an entry holds only its key group's), so that a restore
	// releases rows of equal release time in their order.
	at []int
}

type metaCodec struct{}

func (metaCodec) Encode(dst []byte, m *windowMeta) []byte {
	dst = append(dst, metaFormat)
	dst = binary.AppendVarint(dst, m.current)
	dst = binary.AppendUvarint(dst, uint64(len(m.live)))
	for se, n := range m.live {
		dst = binary.AppendVarint(dst, se)
		dst = binary.AppendUvarint(dst, uint64(n))
	}
	dst = binary.AppendUvarint(dst, uint64(len(m.pending)))
	for _, e := range m.pending {
		dst = binary.AppendVarint(dst, e)
	}
	dst = binary.AppendUvarint(dst, uint64(len(m.deferred)))
	for i, r := range m.deferred {
		dst = binary.AppendUvarint(dst, uint64(m.at[i]))
		dst = binary.AppendVarint(dst, r.release)
		dst = types.AppendRow(dst, r.row)
	}
	return dst
}

func (metaCodec) Decode(b []byte) (*windowMeta, error) {
	d := types.NewDecoder(b)
	f := d.Byte()
	if f != metaFormat && f != 1 {
		return nil, fmt.Errorf("window operator state: unknown format %d", f)
	}
	m := &windowMeta{current: d.Varint(), live: map[int64]int{}}
	for n := d.Count(2); n > 0; n-- {
		se := d.Varint()
		m.live[se] = int(d.Uvarint())
	}
	for n := d.Count(1); n > 0; n-- {
		m.pending = append(m.pending, d.Varint())
	}
	for n := d.Count(2); n > 0; n-- {
		at := len(m.at)
		if f == metaFormat {
			at = int(d.Uvarint())
		}
		m.at = append(m.at, at)
		m.deferred = append(m.deferred, deferredRow{release: d.Varint(), row: d.Row()})
	}
	if err := d.Done(); err != nil {
		return nil, fmt.Errorf("window operator state: %w", err)
	}
	return m, nil
}

type sessionsCodec struct{ aggs *agg.Aggs }

func (c sessionsCodec) Encode(dst []byte, st *sessions) []byte {
	dst = append(dst, sessionsFormat)
	dst = binary.AppendUvarint(dst, uint64(len(st.key)))
	dst = append(dst, st.key...)
	dst = types.AppendRow(dst, st.keyVals)
	dst = binary.AppendUvarint(dst, uint64(len(st.list)))
	for _, x := range st.list {
		dst = binary.AppendVarint(dst, x.start)
		dst = binary.AppendVarint(dst, x.end)
		dst = c.aggs.AppendAccs(dst, &x.Accs)
	}
	return dst
}

func (c sessionsCodec) Decode(b []byte) (*sessions, error) {
	d := types.NewDecoder(b)
	if f := d.Byte(); f != sessionsFormat {
		return nil, fmt.Errorf("session state: unknown format %d", f)
	}
	st := &sessions{key: d.String(), keyVals: d.Row()}
	for n := d.Count(3); n > 0; n-- {
		x := &session{start: d.Varint(), end: d.Varint()}
		c.aggs.Init(&x.Accs)
		c.aggs.ReadAccs(d, &x.Accs)
		st.list = append(st.list, x)
	}
	if err := d.Done(); err != nil {
		return nil, fmt.Errorf("session state: %w", err)
	}
	if err := c.aggs.ReadErr(); err != nil {
		return nil, fmt.Errorf("session state: %w", err)
	}
	return st, nil
}
