package agg

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

// codecInput: k BIGINT, i INT, d DOUBLE, dec DECIMAL(38, 2), s STRING,
// sep STRING, f BOOLEAN.
var codecInput = []types.Field{
	col("k", types.BigIntType), col("i", types.IntType), col("d", types.DoubleType),
	col("dec", types.DecimalType(38, 2)), col("s", types.StringType), col("sep", types.StringType),
	col("f", types.BooleanType),
}

// codecCalls covers every AggKind and physical accumulator, DISTINCT
// (shared sets, with a FILTER) and NULL handling.
func codecCalls(t *testing.T, s types.Schema) []plan.AggCall {
	return []plan.AggCall{
		call(t, s, plan.AggCount, "c"), call(t, s, plan.AggCount, "ci", 1),
		call(t, s, plan.AggSum, "si", 1), call(t, s, plan.AggSum, "sd", 2), call(t, s, plan.AggSum, "sdec", 3),
		call(t, s, plan.AggSum0, "s0", 1),
		call(t, s, plan.AggAvg, "ai", 1), call(t, s, plan.AggAvg, "ad", 2), call(t, s, plan.AggAvg, "adec", 3),
		call(t, s, plan.AggMin, "mins", 4), call(t, s, plan.AggMax, "maxdec", 3), call(t, s, plan.AggMin, "mind", 2),
		call(t, s, plan.AggFirstValue, "fv", 4), call(t, s, plan.AggLastValue, "lv", 1),
		call(t, s, plan.AggListAgg, "la", 4, 5), call(t, s, plan.AggListAgg, "la1", 4),
		distinct(call(t, s, plan.AggCount, "cdi", 1)), filtered(distinct(call(t, s, plan.AggSum, "sdi", 1)), 6),
		distinct(call(t, s, plan.AggListAgg, "lds", 4)),
	}
}

func randomCodecRow(r *rand.Rand) types.Row {
	maybe := func(v types.Value) types.Value {
		if r.IntN(8) == 0 {
			return types.Value{}
		}
		return v
	}
	dec := types.DecimalValue(int64(r.IntN(2000) - 1000))
	if r.IntN(4) == 0 { // big: beyond int64, both signs
		b := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(19+r.IntN(17))), nil)
		b.Mul(b, big.NewInt(int64(r.IntN(9)-4)))
		dec = types.BigDecimalValue(b)
	}
	return types.Row{
		I(int64(r.IntN(3))), maybe(I(int64(r.IntN(10)))), maybe(F(float64(r.IntN(100)) / 8)),
		maybe(dec), maybe(S(fmt.Sprint("v", r.IntN(6)))), maybe(S([]string{"|", ";"}[r.IntN(2)])),
		maybe(B(r.IntN(2) == 0)),
	}
}

func resultsOf(a *Aggs, s *Accs, skip ...int) string {
	res := make([]types.Value, a.Len())
	a.Results(s, res)
	for _, i := range skip {
		res[i] = types.Value{}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "rows=%d", s.Rows)
	for _, v := range res {
		fmt.Fprintf(&b, " %x", types.AppendValue(nil, v)) // exact, bit for bit
	}
	return b.String()
}

// Random accumulators survive encode/decode, and a decoded accumulator
// behaves as the original: the same results after the same further rows
// (and retractions), and the same merge.
func TestAccsCodecRoundTrip(t *testing.T) {
	for _, retract := range []bool{false, true} {
		t.Run(fmt.Sprint("retract=", retract), func(t *testing.T) {
			s := types.Schema{Fields: codecInput}
			aggs, err := Compile(codecCalls(t, s), s, retract)
			if err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(7, uint64(len(fmt.Sprint(retract)))))
			step := func(x *Accs, live *[]types.Row, row types.Row, del int) {
				if del >= 0 {
					aggs.Retract(x, (*live)[del])
					return
				}
				aggs.Accumulate(x, row)
			}
			for trial := 0; trial < 300; trial++ {
				orig := aggs.New()
				var live []types.Row
				ops := func(x, y *Accs, n int) {
					for j := 0; j < n; j++ {
						row, del := randomCodecRow(r), -1
						if retract && len(live) > 0 && r.IntN(3) == 0 {
							del = r.IntN(len(live))
						}
						step(x, &live, row, del)
						if y != nil {
							step(y, &live, row, del)
						}
						if del >= 0 {
							live = append(live[:del], live[del+1:]...)
						} else {
							live = append(live, row)
						}
						if y != nil {
							if a, b := resultsOf(aggs, x), resultsOf(aggs, y); a != b {
								t.Fatalf("trial %d: after decode, step %d diverges:\n  original %s\n  decoded  %s", trial, j, a, b)
							}
						}
					}
				}
				ops(orig, nil, r.IntN(30))
				enc := aggs.AppendAccs([]byte{0xFF}, orig)[1:]
				dec, err := aggs.DecodeAccs(enc)
				if err != nil {
					t.Fatalf("trial %d: %v", trial, err)
				}
				if a, b := resultsOf(aggs, orig), resultsOf(aggs, dec); a != b {
					t.Fatalf("trial %d: decoded results differ:\n  original %s\n  decoded  %s", trial, a, b)
				}
				if n := len(aggs.AppendAccs(nil, dec)); n != len(enc) {
					t.Fatalf("trial %d: re-encoding is %d bytes, first encoding %d", trial, n, len(enc))
				}
				if !retract { // slices merge (window slicing): the decoded slice merges the same
					m1, m2 := aggs.New(), aggs.New()
					aggs.Merge(m1, orig)
					aggs.Merge(m2, dec)
					// LISTAGG(DISTINCT) merges a slice's values in map
					// order (mergeDistinct), so its order is not defined.
					lds := aggs.Len() - 1
					if a, b := resultsOf(aggs, m1, lds), resultsOf(aggs, m2, lds); a != b {
						t.Fatalf("trial %d: merge differs:\n  original %s\n  decoded  %s", trial, a, b)
					}
				}
				ops(orig, dec, r.IntN(30))
			}
		})
	}
}

func TestGroupCodecRoundTrip(t *testing.T) {
	s := types.Schema{Fields: codecInput}
	aggs, err := Compile(codecCalls(t, s), s, true)
	if err != nil {
		t.Fatal(err)
	}
	g := &group{prev: make([]types.Value, aggs.Len()), touched: -12, timer: 99}
	aggs.Init(&g.Accs)
	r := rand.New(rand.NewPCG(1, 9))
	for i := 0; i < 20; i++ {
		aggs.Accumulate(&g.Accs, randomCodecRow(r))
	}
	aggs.Results(&g.Accs, g.prev)
	c := groupCodec{aggs}
	got, err := c.Decode(c.Encode(nil, g))
	if err != nil {
		t.Fatal(err)
	}
	if resultsOf(aggs, &got.Accs) != resultsOf(aggs, &g.Accs) || got.touched != -12 || got.timer != 99 {
		t.Fatalf("group differs after round trip")
	}
	for i := range g.prev {
		if !types.Equal(got.prev[i], g.prev[i]) {
			t.Fatalf("prev[%d] = %v, want %v", i, got.prev[i], g.prev[i])
		}
	}
	bad := c.Encode(nil, g)
	bad[0] = 9
	if _, err := c.Decode(bad); err == nil {
		t.Fatal("unknown format byte decoded")
	}
	if _, err := c.Decode(c.Encode(nil, g)[:20]); err == nil {
		t.Fatal("truncated value decoded")
	}
}
