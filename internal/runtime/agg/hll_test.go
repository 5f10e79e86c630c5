package agg

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

func approxAggs(t *testing.T, retract bool) (*Aggs, error) {
	s := types.Schema{Fields: []types.Field{col("k", types.BigIntType), col("s", types.StringType)}}
	return Compile([]plan.AggCall{call(t, s, plan.AggApproxCountDistinct, "ai", 0), call(t, s, plan.AggApproxCountDistinct, "as", 1)}, s, retract)
}

func approxResults(a *Aggs, s *Accs) (int64, int64) {
	res := make([]types.Value, 2)
	a.Results(s, res)
	return res[0].I, res[1].I
}

// Small cardinalities are exact: with 16384 registers, a few hundred
// values almost never share a register, and the estimator's small range
// is then linear counting, which rounds to the true count.
func TestApproxCountDistinctSmall(t *testing.T) {
	a, err := approxAggs(t, false)
	if err != nil {
		t.Fatal(err)
	}
	s := a.New()
	if ci, cs := approxResults(a, s); ci != 0 || cs != 0 {
		t.Fatalf("empty: %d %d, want 0 0", ci, cs)
	}
	for _, n := range []int{1, 2, 10, 100} {
		s := a.New()
		for rep := 0; rep < 3; rep++ { // duplicates do not count
			for i := 0; i < n; i++ {
				a.Accumulate(s, row(I(int64(i)), S(fmt.Sprint("v", i))))
			}
		}
		a.Accumulate(s, row(types.Value{}, types.Value{})) // NULL is not counted
		ci, cs := approxResults(a, s)
		if ci != int64(n) || cs != int64(n) {
			t.Errorf("%d distinct: got %d (BIGINT) and %d (STRING)", n, ci, cs)
		}
	}
}

// At 1M distinct values the relative error is within 2% (the standard
// error is 0.81%), and the same holds at the sizes where the small-range
// correction hands over (around 2.5 m = 40960) and past the sparse form.
func TestApproxCountDistinctAccuracy(t *testing.T) {
	a, err := approxAggs(t, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1000, 5000, 40000, 100000, 1000000} {
		s := a.New()
		for i := 0; i < n; i++ {
			a.Accumulate(s, row(I(int64(i)*7919), S(fmt.Sprint("user-", i))))
		}
		ci, cs := approxResults(a, s)
		for _, got := range []int64{ci, cs} {
			if e := math.Abs(float64(got-int64(n))) / float64(n); e > 0.02 {
				t.Errorf("%d distinct: estimate %d, relative error %.4f > 0.02", n, got, e)
			}
		}
	}
}

// Merging sketches (window slices, two-phase partials) gives the estimate
// of the union: the same registers as one sketch fed everything.
func TestApproxCountDistinctMerge(t *testing.T) {
	a, err := approxAggs(t, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{300, 50000} { // sparse and dense
		whole, x, y := a.New(), a.New(), a.New()
		for i := 0; i < n; i++ {
			r := row(I(int64(i)), S(fmt.Sprint(i)))
			a.Accumulate(whole, r)
			if i%3 == 0 {
				a.Accumulate(x, r)
			}
			if i%2 == 0 || i%3 != 0 { // overlapping with x
				a.Accumulate(y, r)
			}
		}
		m := a.New()
		a.Merge(m, x)
		a.Merge(m, y)
		wi, ws := approxResults(a, whole)
		mi, ms := approxResults(a, m)
		if wi != mi || ws != ms {
			t.Errorf("n=%d: merged %d/%d, whole %d/%d", n, mi, ms, wi, ws)
		}
		if n == 300 && (mi != 300 || ms != 300) {
			t.Errorf("merged small: %d/%d, want 300", mi, ms)
		}
		// The merge left its sources alone.
		if xi, _ := approxResults(a, x); n == 300 && xi != 100 {
			t.Errorf("source changed by merge: %d, want 100", xi)
		}
	}
}

func TestApproxCountDistinctCodec(t *testing.T) {
	a, err := approxAggs(t, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 5, 1000, 200000} {
		s := a.New()
		for i := 0; i < n; i++ {
			a.Accumulate(s, row(I(int64(i)), S(fmt.Sprint(i))))
		}
		enc := a.AppendAccs(nil, s)
		d, err := a.DecodeAccs(enc)
		if err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		if resultsOf(a, s) != resultsOf(a, d) {
			t.Fatalf("n=%d: decoded %s, original %s", n, resultsOf(a, d), resultsOf(a, s))
		}
		if re := a.AppendAccs(nil, d); string(re) != string(enc) {
			t.Fatalf("n=%d: re-encoding differs", n)
		}
		// Decoded sketches keep working: adding the same values again
		// changes nothing, new ones count.
		for i := 0; i < n; i++ {
			a.Accumulate(d, row(I(int64(i)), S(fmt.Sprint(i))))
		}
		si, ss := approxResults(a, s)
		if di, ds := approxResults(a, d); di != si || ds != ss {
			t.Fatalf("n=%d: decoded sketch counts duplicates: %d/%d, was %d/%d", n, di, ds, si, ss)
		}
		if n == 5 {
			a.Accumulate(d, row(I(99), S("99")))
			if ci, cs := approxResults(a, d); ci != 6 || cs != 6 {
				t.Fatalf("after a new value: %d/%d, want 6", ci, cs)
			}
		}
	}
	// A small sketch stays sparse: far below the 16 KiB of registers.
	s := a.New()
	for i := 0; i < 100; i++ {
		a.Accumulate(s, row(I(int64(i)), S(fmt.Sprint(i))))
	}
	if n := len(a.AppendAccs(nil, s)); n > 1000 {
		t.Errorf("100 values encode to %d bytes, want a sparse sketch", n)
	}
	// Corrupt sketches are errors, not panics.
	enc := a.AppendAccs(nil, s)
	for _, bad := range [][]byte{enc[:len(enc)-3], corruptRank(enc)} {
		if _, err := a.DecodeAccs(bad); err == nil {
			t.Errorf("corrupt encoding decoded")
		}
	}
}

// corruptRank sets the last byte (the last sparse entry's rank) to 200.
func corruptRank(enc []byte) []byte {
	b := append([]byte(nil), enc...)
	b[len(b)-1] = 200
	return b
}

func TestApproxCountDistinctRefusesRetraction(t *testing.T) {
	_, err := approxAggs(t, true)
	if !errors.Is(err, ErrNoRetraction) {
		t.Fatalf("got %v, want ErrNoRetraction", err)
	}
}

// BenchmarkApproxCountDistinct: one op is one row into one sketch (dense,
// BIGINT values).
func BenchmarkApproxCountDistinct(b *testing.B) {
	t := &testing.T{}
	s := types.Schema{Fields: []types.Field{col("k", types.BigIntType)}}
	a, err := Compile([]plan.AggCall{call(t, s, plan.AggApproxCountDistinct, "a", 0)}, s, false)
	if err != nil {
		b.Fatal(err)
	}
	acc := a.New()
	rows := make([]types.Row, 4096)
	for i := range rows {
		rows[i] = row(I(int64(i) * 2654435761))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rows[i&4095][0].I += 4096
		a.Accumulate(acc, rows[i&4095])
	}
}
