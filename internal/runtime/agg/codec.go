package agg

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"

	"github.com/sluicehq/sluice/internal/types"
)

// Accumulator encoding, for state backends that store bytes and for
// snapshots (values use the types codec, types.AppendValue):
//
//	accs     = varint(Rows) acc*len(calls) dset*len(distinct sets)
//	acc      = flags (1 byte) [varint n] [varint i] [8 bytes f] [value v]
//	           [value big: a DECIMAL in big form] [ext]
//	           [uvarint(len) hll]
//	           flags: 1 n, 2 i, 4 f, 8 v, 16 big, 32 ext, 64 hll (absent
//	           fields are 0); hll is an APPROX_COUNT_DISTINCT sketch (hll.go)
//	ext      = uvarint(#counts) (value varint(count))*   MIN/MAX under retraction
//	           row(vals)                                 FIRST/LAST/LISTAGG under retraction
//	           uvarint(len) buf                          LISTAGG, append-only
//	           flags (1 byte: 1 has delimiter) [uvarint(len) delim]
//	dset     = uvarint(#entries) entry*
//	entry    = uvarint(len) key  value  uvarint(bits)    bitset sets
//	         | uvarint(len) key  value  varint(count)*members   counting sets
//
// The layout of a call's acc depends on the compiled calls (which ones are
// DISTINCT, whether the input retracts), so bytes decode only with an Aggs
// compiled from the same calls. Stores holding Accs lead every value with
// their own format byte.

const (
	flagN   = 1 << iota // n != 0
	flagI               // i != 0
	flagF               // f != 0
	flagV               // v is not NULL
	flagBig             // big != nil
	flagExt             // ext != nil (with more than a sketch)
	flagHLL             // ext.hll != nil
)

// AppendAccs appends the encoding of s to dst.
func (a *Aggs) AppendAccs(dst []byte, s *Accs) []byte {
	dst = binary.AppendVarint(dst, s.Rows)
	for i := range s.accs {
		dst = appendAcc(dst, &s.accs[i])
	}
	for i := range s.dist {
		dst = a.appendDistinct(dst, i, &s.dist[i])
	}
	return dst
}

func appendAcc(dst []byte, c *Acc) []byte {
	var flags byte
	if c.n != 0 {
		flags |= flagN
	}
	if c.i != 0 {
		flags |= flagI
	}
	if math.Float64bits(c.f) != 0 { // keeps -0.0
		flags |= flagF
	}
	if c.v.K != types.KindNull {
		flags |= flagV
	}
	if c.big != nil {
		flags |= flagBig
	}
	if c.ext != nil && !c.ext.onlySketch() {
		flags |= flagExt
	}
	if c.ext != nil && c.ext.hll != nil {
		flags |= flagHLL
	}
	dst = append(dst, flags)
	if c.n != 0 {
		dst = binary.AppendVarint(dst, c.n)
	}
	if c.i != 0 {
		dst = binary.AppendVarint(dst, c.i)
	}
	if flags&flagF != 0 {
		dst = types.AppendValue(dst, types.FloatValue(c.f))
	}
	if c.v.K != types.KindNull {
		dst = types.AppendValue(dst, c.v)
	}
	if c.big != nil {
		dst = types.AppendValue(dst, types.Value{K: types.KindDecimal, X: c.big})
	}
	if x := c.ext; flags&flagExt != 0 {
		dst = binary.AppendUvarint(dst, uint64(len(x.counts)))
		for _, e := range x.counts {
			dst = types.AppendValue(dst, e.v)
			dst = binary.AppendVarint(dst, e.n)
		}
		dst = types.AppendRow(dst, x.vals)
		dst = binary.AppendUvarint(dst, uint64(len(x.buf)))
		dst = append(dst, x.buf...)
		if x.hasDelim {
			dst = append(dst, 1)
			dst = binary.AppendUvarint(dst, uint64(len(x.delim)))
			dst = append(dst, x.delim...)
		} else {
			dst = append(dst, 0)
		}
	}
	if flags&flagHLL != 0 {
		dst = c.ext.hll.append(dst)
	}
	return dst
}

// onlySketch reports whether x holds nothing but a sketch.
func (x *accExt) onlySketch() bool {
	return x.hll != nil && len(x.counts) == 0 && len(x.vals) == 0 && len(x.buf) == 0 && !x.hasDelim
}

func (a *Aggs) appendDistinct(dst []byte, si int, set *distinctSet) []byte {
	if !a.dsets[si].counts {
		dst = binary.AppendUvarint(dst, uint64(len(set.bits)))
		for k, e := range set.bits {
			dst = binary.AppendUvarint(dst, uint64(len(k)))
			dst = append(dst, k...)
			dst = types.AppendValue(dst, e.v)
			dst = binary.AppendUvarint(dst, e.bits)
		}
		return dst
	}
	dst = binary.AppendUvarint(dst, uint64(len(set.counts)))
	for k, e := range set.counts {
		dst = binary.AppendUvarint(dst, uint64(len(k)))
		dst = append(dst, k...)
		dst = types.AppendValue(dst, e.v)
		for _, n := range e.n {
			dst = binary.AppendVarint(dst, n)
		}
	}
	return dst
}

// ReadAccs decodes what AppendAccs wrote into s, which must have been made
// by Init (or New) of the same Aggs. Errors are reported by d.Err, and a
// corrupt sketch inside by ReadErr.
func (a *Aggs) ReadAccs(d *types.Decoder, s *Accs) {
	s.Rows = d.Varint()
	for i := range s.accs {
		a.readAcc(d, &s.accs[i])
	}
	for i := range s.dist {
		a.readDistinct(d, i, &s.dist[i])
	}
}

// ReadErr returns (and clears) the first error ReadAccs met inside an
// accumulator that the decoder could not see (a corrupt sketch).
func (a *Aggs) ReadErr() error {
	err := a.corrupt
	a.corrupt = nil
	return err
}

func (a *Aggs) readAcc(d *types.Decoder, c *Acc) {
	flags := d.Byte()
	*c = Acc{}
	if flags&flagN != 0 {
		c.n = d.Varint()
	}
	if flags&flagI != 0 {
		c.i = d.Varint()
	}
	if flags&flagF != 0 {
		c.f = d.Value().Float()
	}
	if flags&flagV != 0 {
		c.v = d.Value()
	}
	if flags&flagBig != 0 {
		v := d.Value()
		if b, ok := v.X.(*big.Int); ok {
			c.big = b
		} else {
			// A big sum always leaves int64 (addDecimal folds it back).
			c.big = v.BigUnscaled()
		}
	}
	if flags&flagHLL != 0 {
		h, err := parseHLL(d.Bytes())
		if err != nil {
			a.corrupt = err
			h = &hll{}
		}
		c.extra().hll = h
	}
	if flags&flagExt == 0 {
		return
	}
	x := c.extra()
	if n := d.Count(2); n > 0 {
		x.counts = make(map[string]*valueCount, n)
		for j := 0; j < n; j++ {
			v := d.Value()
			a.s.key = types.AppendValueKey(a.s.key[:0], v)
			x.counts[string(a.s.key)] = &valueCount{v: v, n: d.Varint()}
		}
	}
	x.vals = d.Row()
	if b := d.Bytes(); len(b) > 0 {
		x.buf = append([]byte(nil), b...)
	}
	if d.Byte()&1 != 0 {
		x.delim, x.hasDelim = d.String(), true
	}
}

func (a *Aggs) readDistinct(d *types.Decoder, si int, set *distinctSet) {
	ds := &a.dsets[si]
	n := d.Count(3)
	if n == 0 {
		return
	}
	if !ds.counts {
		set.bits = make(map[string]*distinctBits, n)
		for j := 0; j < n; j++ {
			k := string(d.Bytes())
			set.bits[k] = &distinctBits{v: d.Value(), bits: d.Uvarint()}
		}
		return
	}
	set.counts = make(map[string]*distinctCounts, n)
	for j := 0; j < n; j++ {
		k := string(d.Bytes())
		e := &distinctCounts{v: d.Value(), n: make([]int64, len(ds.members))}
		for m := range e.n {
			e.n[m] = d.Varint()
		}
		set.counts[k] = e
	}
}

// DecodeAccs is a convenience for tests and tools: new accumulators decoded
// from b, which must hold exactly one AppendAccs encoding.
func (a *Aggs) DecodeAccs(b []byte) (*Accs, error) {
	s := a.New()
	d := types.NewDecoder(b)
	a.ReadAccs(d, s)
	if err := d.Done(); err != nil {
		return nil, fmt.Errorf("accumulators: %w", err)
	}
	if err := a.ReadErr(); err != nil {
		return nil, fmt.Errorf("accumulators: %w", err)
	}
	return s, nil
}

// groupFormat is the leading byte of a GroupAggregate state value.
const groupFormat = 1

// groupCodec encodes a GroupAggregate group: format byte, accumulators,
// the results last emitted (a row), then two varints for state TTL (0
// without): the processing time of the group's last update and the time
// its expiry timer is armed for.
type groupCodec struct{ aggs *Aggs }

func (c groupCodec) Encode(dst []byte, g *group) []byte {
	dst = append(dst, groupFormat)
	dst = c.aggs.AppendAccs(dst, &g.Accs)
	dst = types.AppendRow(dst, g.prev)
	dst = binary.AppendVarint(dst, g.touched)
	return binary.AppendVarint(dst, g.timer)
}

func (c groupCodec) Decode(b []byte) (*group, error) {
	d := types.NewDecoder(b)
	if f := d.Byte(); f != groupFormat {
		return nil, fmt.Errorf("group aggregate state: unknown format %d", f)
	}
	g := &group{}
	c.aggs.Init(&g.Accs)
	c.aggs.ReadAccs(d, &g.Accs)
	g.prev = d.Row()
	g.touched = d.Varint()
	g.timer = d.Varint()
	if err := d.Done(); err != nil {
		return nil, fmt.Errorf("group aggregate state: %w", err)
	}
	if err := c.aggs.ReadErr(); err != nil {
		return nil, fmt.Errorf("group aggregate state: %w", err)
	}
	if len(g.prev) != c.aggs.Len() {
		return nil, fmt.Errorf("group aggregate state: %d results for %d calls", len(g.prev), c.aggs.Len())
	}
	return g, nil
}
