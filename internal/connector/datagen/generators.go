package datagen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/types"
)

// genCtx is what a generator draws from when producing one value.
type genCtx struct {
	r   *rand.Rand
	now time.Time // wall-clock time of the current batch
	row int64     // index of the row within its split (for sequences)
}

// gen produces the values of one field (or nested element).
type gen interface {
	next(c *genCtx) types.Value
}

// fieldOpts reads the options of one field path.
type fieldOpts struct {
	o    *config.Options
	path string
}

func (f fieldOpts) key(k string) string { return "fields." + f.path + "." + k }
func (f fieldOpts) has(k string) bool   { return f.o != nil && f.o.Has(f.key(k)) }
func (f fieldOpts) str(k string) string { return f.o.String(f.key(k)) }
func (f fieldOpts) child(name string) fieldOpts {
	return fieldOpts{o: f.o, path: f.path + "." + name}
}

// errField formats an option error of one field.
func (f fieldOpts) errorf(format string, args ...any) error {
	return fmt.Errorf("field '%s': "+format, append([]any{f.path}, args...)...)
}

// newRandom builds the random generator for a field of type t.
func newRandom(t types.Type, f fieldOpts) (gen, error) {
	g, err := newRandomInner(t, f)
	if err != nil {
		return nil, err
	}
	if f.has("null-rate") {
		rate := f.o.Float(f.key("null-rate"))
		if rate < 0 || rate > 1 {
			return nil, f.errorf("'null-rate' must be between 0 and 1, is %v", rate)
		}
		if rate > 0 {
			return nullable{g: g, rate: rate}, nil
		}
	}
	return g, nil
}

type nullable struct {
	g    gen
	rate float64
}

func (n nullable) next(c *genCtx) types.Value {
	if c.r.Float64() < n.rate {
		return types.Value{}
	}
	return n.g.next(c)
}

func (f fieldOpts) intOpt(k string, def, lo, hi int64) (int64, error) {
	if !f.has(k) {
		return def, nil
	}
	v, err := strconv.ParseInt(strings.TrimSpace(f.str(k)), 10, 64)
	if err != nil || v < lo || v > hi {
		return 0, f.errorf("'%s' = '%s' is not an integer in [%d, %d]", k, f.str(k), lo, hi)
	}
	return v, nil
}

func (f fieldOpts) floatOpt(k string, def float64) (float64, error) {
	if !f.has(k) {
		return def, nil
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(f.str(k)), 64)
	if err != nil {
		return 0, f.errorf("'%s' = '%s' is not a number", k, f.str(k))
	}
	return v, nil
}

func (f fieldOpts) length(t types.Type, collection bool) (int, bool, error) {
	def := int64(3)
	if !collection {
		def = 100
		if t.Precision > 0 && t.Precision < 100 {
			def = int64(t.Precision)
		}
	}
	n, err := f.intOpt("length", def, 0, 1<<24)
	if err != nil {
		return 0, false, err
	}
	return int(n), f.has("var-len") && f.o.Bool(f.key("var-len")), nil
}

func newRandomInner(t types.Type, f fieldOpts) (gen, error) {
	switch t.ID {
	case types.Boolean:
		return boolGen{}, nil
	case types.TinyInt, types.SmallInt, types.Int, types.BigInt:
		lo, hi := types.IntRange(t.ID)
		mn, err := f.intOpt("min", lo, lo, hi)
		if err != nil {
			return nil, err
		}
		mx, err := f.intOpt("max", hi, lo, hi)
		if err != nil {
			return nil, err
		}
		if mn > mx {
			return nil, f.errorf("'min' %d is greater than 'max' %d", mn, mx)
		}
		return intGen{min: mn, max: mx}, nil
	case types.Float, types.Double:
		big := math.MaxFloat64
		if t.ID == types.Float {
			big = math.MaxFloat32
		}
		// Flink's defaults: [Double.MIN_VALUE, Double.MAX_VALUE].
		mn, err := f.floatOpt("min", math.SmallestNonzeroFloat64)
		if err != nil {
			return nil, err
		}
		mx, err := f.floatOpt("max", big)
		if err != nil {
			return nil, err
		}
		if mn > mx {
			return nil, f.errorf("'min' %v is greater than 'max' %v", mn, mx)
		}
		return floatGen{min: mn, max: mx, single: t.ID == types.Float}, nil
	case types.Decimal:
		limit := math.Pow10(t.Precision-t.Scale) - math.Pow10(-t.Scale)
		mn, err := f.floatOpt("min", -limit)
		if err != nil {
			return nil, err
		}
		mx, err := f.floatOpt("max", limit)
		if err != nil {
			return nil, err
		}
		if mn > mx {
			return nil, f.errorf("'min' %v is greater than 'max' %v", mn, mx)
		}
		return decimalGen{min: max(mn, -limit), max: min(mx, limit), p: t.Precision, s: t.Scale}, nil
	case types.Char, types.VarChar:
		n, varLen, err := f.length(t, false)
		return stringGen{n: n, varLen: varLen}, err
	case types.Binary, types.VarBinary:
		n, varLen, err := f.length(t, false)
		return bytesGen{n: n, varLen: varLen}, err
	case types.Date, types.Time, types.Timestamp, types.TimestampLTZ:
		past := time.Duration(0)
		if f.has("max-past") {
			past = f.o.Duration(f.key("max-past"))
		}
		return timeGen{id: t.ID, maxPast: past.Milliseconds()}, nil
	case types.Array, types.Multiset:
		n, _, err := f.length(t, true)
		if err != nil {
			return nil, err
		}
		elem, err := newRandom(*t.Elem, f.child("element"))
		if err != nil {
			return nil, err
		}
		if t.ID == types.Multiset {
			return mapGen{n: n, key: elem, val: constGen{types.IntValue(1)}}, nil
		}
		return arrayGen{n: n, elem: elem}, nil
	case types.Map:
		n, _, err := f.length(t, true)
		if err != nil {
			return nil, err
		}
		k, err := newRandom(*t.Key, f.child("key"))
		if err != nil {
			return nil, err
		}
		v, err := newRandom(*t.Elem, f.child("value"))
		if err != nil {
			return nil, err
		}
		return mapGen{n: n, key: k, val: v}, nil
	case types.RowType:
		rg := rowGen{fields: make([]gen, len(t.Fields))}
		for i, nf := range t.Fields {
			g, err := newRandom(nf.Type, f.child(nf.Name))
			if err != nil {
				return nil, err
			}
			rg.fields[i] = g
		}
		return rg, nil
	}
	return nil, f.errorf("datagen cannot generate values of type %s", t)
}

type constGen struct{ v types.Value }

func (g constGen) next(*genCtx) types.Value { return g.v }

type boolGen struct{}

func (boolGen) next(c *genCtx) types.Value { return types.BoolValue(c.r.IntN(2) == 1) }

type intGen struct{ min, max int64 }

func (g intGen) next(c *genCtx) types.Value {
	span := uint64(g.max - g.min)
	if span == math.MaxUint64 {
		return types.IntValue(int64(c.r.Uint64()))
	}
	return types.IntValue(g.min + int64(c.r.Uint64N(span+1)))
}

type floatGen struct {
	min, max float64
	single   bool
}

func (g floatGen) next(c *genCtx) types.Value {
	u := c.r.Float64()
	f := g.min + (u*g.max - u*g.min) // avoids max-min overflowing
	if g.single {
		f = float64(float32(f))
	}
	return types.FloatValue(f)
}

type decimalGen struct {
	min, max float64
	p, s     int
}

func (g decimalGen) next(c *genCtx) types.Value {
	u := c.r.Float64()
	v, ok := types.DecimalFromFloat(g.min+(u*g.max-u*g.min), g.p, g.s)
	if !ok {
		return types.Value{}
	}
	return v
}

const hexDigits = "0123456789abcdef"

type stringGen struct {
	n      int
	varLen bool
}

func randLen(c *genCtx, n int, varLen bool) int {
	if varLen && n > 0 {
		return 1 + c.r.IntN(n)
	}
	return n
}

func (g stringGen) next(c *genCtx) types.Value {
	n := randLen(c, g.n, g.varLen)
	b := make([]byte, n)
	for i := 0; i < n; i += 16 {
		x := c.r.Uint64()
		for j := i; j < n && j < i+16; j++ {
			b[j] = hexDigits[x&15]
			x >>= 4
		}
	}
	return types.StringValue(string(b))
}

type bytesGen struct {
	n      int
	varLen bool
}

func (g bytesGen) next(c *genCtx) types.Value {
	n := randLen(c, g.n, g.varLen)
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(c.r.Uint32())
	}
	return types.BytesValue(b)
}

type timeGen struct {
	id      types.TypeID
	maxPast int64 // ms
}

const msPerDay = 86_400_000

func (g timeGen) next(c *genCtx) types.Value {
	ms := c.now.UnixMilli()
	if g.maxPast > 0 {
		ms -= c.r.Int64N(g.maxPast + 1)
	}
	switch g.id {
	case types.Date:
		return types.IntValue(floorDiv(ms, msPerDay))
	case types.Time:
		return types.IntValue((ms - floorDiv(ms, msPerDay)*msPerDay) * 1_000_000)
	}
	return types.IntValue(ms * 1_000_000)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

type arrayGen struct {
	n    int
	elem gen
}

func (g arrayGen) next(c *genCtx) types.Value {
	out := make([]types.Value, g.n)
	for i := range out {
		out[i] = g.elem.next(c)
	}
	return types.ArrayValue(out)
}

type mapGen struct {
	n        int
	key, val gen
}

func (g mapGen) next(c *genCtx) types.Value {
	keys := make([]types.Value, 0, g.n)
	vals := make([]types.Value, 0, g.n)
outer:
	for i := 0; i < g.n; i++ {
		k := g.key.next(c)
		for _, e := range keys { // keys are unique
			if types.Equal(e, k) {
				continue outer
			}
		}
		keys = append(keys, k)
		vals = append(vals, g.val.next(c))
	}
	return types.MapOf(keys, vals)
}

type rowGen struct{ fields []gen }

func (g rowGen) next(c *genCtx) types.Value {
	out := make([]types.Value, len(g.fields))
	for i, f := range g.fields {
		out[i] = f.next(c)
	}
	return types.RowValue(out)
}

// sequence is a field whose values run from start to end; split k of p
// owns the contiguous part [from, to].
type sequence struct {
	start, end int64
	kind       types.TypeID
	scale      int
}

// part returns split k's share of the sequence, [from, from+count).
func (s sequence) part(k, p int64) (from, count int64) {
	total := uint64(s.end-s.start) + 1
	per, rem := total/uint64(p), total%uint64(p)
	off := uint64(k)*per + min(uint64(k), rem)
	n := per
	if uint64(k) < rem {
		n++
	}
	return s.start + int64(off), int64(n)
}

func (s sequence) value(n int64) types.Value {
	switch s.kind {
	case types.Char, types.VarChar:
		return types.StringValue(strconv.FormatInt(n, 10))
	case types.Float, types.Double:
		return types.FloatValue(float64(n))
	case types.Decimal:
		return types.DecimalValue(n * types.Pow10(s.scale))
	}
	return types.IntValue(n)
}

func newSequence(t types.Type, f fieldOpts) (sequence, error) {
	s := sequence{kind: t.ID, scale: t.Scale}
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	switch t.ID {
	case types.TinyInt, types.SmallInt, types.Int, types.BigInt:
		lo, hi = types.IntRange(t.ID)
	case types.Char, types.VarChar, types.Float, types.Double:
	case types.Decimal:
		if t.Precision-t.Scale > 18 {
			return s, f.errorf("a sequence of %s is not supported", t)
		}
		hi = types.Pow10(t.Precision-t.Scale) - 1
		lo = -hi
	default:
		return s, f.errorf("a sequence of %s is not supported (numbers and strings only)", t)
	}
	if !f.has("start") || !f.has("end") {
		return s, f.errorf("a sequence needs 'fields.%s.start' and 'fields.%s.end'", f.path, f.path)
	}
	var err error
	if s.start, err = f.intOpt("start", 0, lo, hi); err != nil {
		return s, err
	}
	if s.end, err = f.intOpt("end", 0, lo, hi); err != nil {
		return s, err
	}
	if s.start > s.end {
		return s, f.errorf("sequence start %d is after its end %d", s.start, s.end)
	}
	return s, nil
}
