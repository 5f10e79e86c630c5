package nexmark

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/types"
)

const testBase = 1_700_000_000_000 // epoch ms

func newTestSource(t testing.TB, raw map[string]string, schema types.Schema, proj []int) connector.Source {
	t.Helper()
	if _, ok := raw["base-time"]; !ok {
		raw["base-time"] = fmt.Sprint(testBase)
	}
	o, err := config.Validate("connector 'nexmark'", Options, raw)
	if err != nil {
		t.Fatal(err)
	}
	src, err := New().NewSource(connector.CreateContext{Table: "nexmark", Schema: schema, Options: o, Projection: proj})
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// readAll reads every split of a bounded source, returning the rows of
// each split.
func readAll(t testing.TB, src connector.Source, parallelism int) [][]types.Row {
	t.Helper()
	splits, err := src.Splits(parallelism)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]types.Row
	for _, sp := range splits {
		r, err := src.Open(context.Background(), sp)
		if err != nil {
			t.Fatal(err)
		}
		var rows []types.Row
		for {
			b := types.NewBatch(100)
			err := r.Read(context.Background(), b, 100)
			rows = append(rows, b.Rows...) // each batch is fresh, so rows stay valid
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, rows)
	}
	return out
}

func TestEventMix(t *testing.T) {
	src := newTestSource(t, map[string]string{"events.num": "5000"}, Schema(), nil)
	rows := readAll(t, src, 1)[0]
	if len(rows) != 5000 {
		t.Fatalf("got %d events, want 5000", len(rows))
	}
	var counts [3]int
	for n, r := range rows {
		k := r[0].Int()
		counts[k]++
		// The kind is decided by the event id n+2 modulo 50.
		rem := (int64(n) + 2) % 50
		want := int64(kindBid)
		if rem == 0 {
			want = kindPerson
		} else if rem <= 3 {
			want = kindAuction
		}
		if k != want {
			t.Fatalf("event %d: kind %d, want %d", n, k, want)
		}
		for c := 1; c <= 3; c++ {
			if r[c].IsNull() != (int64(c-1) != k) {
				t.Fatalf("event %d of kind %d: column %d null=%v", n, k, c, r[c].IsNull())
			}
		}
	}
	if counts != [3]int{100, 300, 4600} {
		t.Fatalf("mix %v, want [100 300 4600]", counts)
	}
}

func TestDistributions(t *testing.T) {
	src := newTestSource(t, map[string]string{"events.num": "200000"}, Schema(), nil)
	rows := readAll(t, src, 1)[0]
	cfg := src.(*source).set.gen
	var bids, hot, hotBidder int
	var logSum float64
	var decades [6]int
	for n, r := range rows {
		id := int64(n) + 2
		switch r[0].Int() {
		case kindPerson:
			p := r[1].Fields()
			if p[0].Int() < 1000 {
				t.Fatalf("person id %d < 1000", p[0].Int())
			}
			if cc := p[3].Str(); len(cc) != 19 || cc[4] != ' ' {
				t.Fatalf("credit card %q", cc)
			}
			if !strings.Contains(p[2].Str(), "@") || !strings.HasSuffix(p[2].Str(), ".com") {
				t.Fatalf("email %q", p[2].Str())
			}
		case kindAuction:
			a := r[2].Fields()
			if a[0].Int() < 1000 || a[7].Int() < 1000 {
				t.Fatalf("auction id %d seller %d", a[0].Int(), a[7].Int())
			}
			if c := a[8].Int(); c < 10 || c > 14 {
				t.Fatalf("category %d", c)
			}
			if a[3].Int() > a[4].Int() {
				t.Fatalf("initialBid %d > reserve %d", a[3].Int(), a[4].Int())
			}
			if a[6].Int() <= a[5].Int() {
				t.Fatalf("expires %d not after dateTime %d", a[6].Int(), a[5].Int())
			}
		case kindBid:
			bd := r[3].Fields()
			bids++
			if bd[0].Int() < 1000 || bd[1].Int() < 1000 {
				t.Fatalf("auction %d bidder %d", bd[0].Int(), bd[1].Int())
			}
			if bd[0].Int() == cfg.lastBase0AuctionID(id)/100*100+1000 {
				hot++
			}
			if bd[1].Int() == cfg.lastBase0PersonID(id)/100*100+1+2000 {
				hotBidder++
			}
			p := bd[2].Int()
			if p < 100 || p > 100_000_000 {
				t.Fatalf("price %d out of [100, 1e8]", p)
			}
			l := math.Log10(float64(p) / 100)
			logSum += l
			decades[min(int(l), 5)]++
			if bd[3].Str() == "" || !strings.HasPrefix(bd[4].Str(), "https://www.nexmark.com/") {
				t.Fatalf("channel %q url %q", bd[3].Str(), bd[4].Str())
			}
		}
	}
	share := float64(hot) / float64(bids)
	if share < 0.49 || share > 0.56 {
		t.Errorf("hot auction share %.3f, want ~0.5", share)
	}
	if s := float64(hotBidder) / float64(bids); s < 0.74 || s > 0.80 {
		t.Errorf("hot bidder share %.3f, want ~0.75", s)
	}
	if mean := logSum / float64(bids); math.Abs(mean-3) > 0.05 {
		t.Errorf("mean log10(price/100) = %.3f, want ~3 (log-uniform)", mean)
	}
	for d, c := range decades {
		if f := float64(c) / float64(bids); math.Abs(f-1.0/6) > 0.01 {
			t.Errorf("decade %d holds %.3f of prices, want ~1/6", d, f)
		}
	}
}

func TestEventTime(t *testing.T) {
	// At 1000 events/s consecutive events are 1 ms apart; event n has event
	// number n+1.
	src := newTestSource(t, map[string]string{"events.num": "300", "first-event.rate": "1000"}, Schema(), nil)
	for p := 1; p <= 3; p++ {
		for k, rows := range readAll(t, src, p) {
			for i, r := range rows {
				n := int64(k + i*p)
				want := (testBase + n + 1) * 1_000_000
				if got := dateTime(r); got != want {
					t.Fatalf("p=%d split %d event %d: dateTime %d, want %d", p, k, n, got, want)
				}
			}
		}
	}
}

func dateTime(r types.Row) int64 {
	k := r[0].Int()
	f := r[k+1].Fields()
	switch k {
	case kindPerson:
		return f[6].Int()
	case kindAuction:
		return f[5].Int()
	}
	return f[5].Int()
}

func render(rows []types.Row) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = fmt.Sprintf("%v", r)
	}
	return out
}

func TestDeterministicAndUnionOverSplits(t *testing.T) {
	raw := func() map[string]string { return map[string]string{"events.num": "3001"} }
	want := render(readAll(t, newTestSource(t, raw(), Schema(), nil), 1)[0])
	again := render(readAll(t, newTestSource(t, raw(), Schema(), nil), 1)[0])
	if !reflect.DeepEqual(want, again) {
		t.Fatal("same options and base time gave different streams")
	}
	sort.Strings(want)
	for p := 2; p <= 3; p++ {
		var got []string
		for _, rows := range readAll(t, newTestSource(t, raw(), Schema(), nil), p) {
			got = append(got, render(rows)...)
		}
		sort.Strings(got)
		if !reflect.DeepEqual(want, got) {
			t.Fatalf("parallelism %d: union of splits differs from the single stream (%d vs %d rows)", p, len(got), len(want))
		}
	}
}

func TestProjection(t *testing.T) {
	full := readAll(t, newTestSource(t, map[string]string{"events.num": "500"}, Schema(), nil), 1)[0]
	onlyBid := readAll(t, newTestSource(t, map[string]string{"events.num": "500"}, Schema(), []int{3, 0}), 1)[0]
	for i := range full {
		if len(onlyBid[i]) != 2 {
			t.Fatalf("projected row width %d", len(onlyBid[i]))
		}
		if fmt.Sprint(onlyBid[i][0]) != fmt.Sprint(full[i][3]) || onlyBid[i][1] != full[i][0] {
			t.Fatalf("event %d: projected %v, full %v", i, onlyBid[i], full[i])
		}
	}
	// A table declaring the old bid ROW, fields reordered.
	old := types.Schema{Fields: []types.Field{{Name: "bid", Type: types.RowOf(
		types.Field{Name: "price", Type: types.BigIntType},
		types.Field{Name: "auction", Type: types.BigIntType},
		types.Field{Name: "dateTime", Type: types.TimestampType(3)},
	)}}}
	sub := readAll(t, newTestSource(t, map[string]string{"events.num": "500"}, old, nil), 1)[0]
	for i := range full {
		if full[i][3].IsNull() {
			if !sub[i][0].IsNull() {
				t.Fatalf("event %d: bid for a non-bid event", i)
			}
			continue
		}
		f, s := full[i][3].Fields(), sub[i][0].Fields()
		if s[0] != f[2] || s[1] != f[0] || s[2] != f[5] {
			t.Fatalf("event %d: %v vs %v", i, s, f)
		}
	}
}

func TestSchemaErrors(t *testing.T) {
	o, _ := config.Validate("x", Options, map[string]string{})
	for _, tc := range []struct {
		schema types.Schema
		want   string
	}{
		{types.Schema{Fields: []types.Field{{Name: "foo", Type: types.IntType}}}, "unknown column 'foo'"},
		{types.Schema{Fields: []types.Field{{Name: "bid", Type: types.RowOf(types.Field{Name: "prize", Type: types.BigIntType})}}}, "unknown field bid.prize"},
		{types.Schema{Fields: []types.Field{{Name: "bid", Type: types.RowOf(types.Field{Name: "price", Type: types.StringType})}}}, "bid.price must be BIGINT"},
	} {
		_, err := New().NewSource(connector.CreateContext{Table: "t", Schema: tc.schema, Options: o})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want %q", err, tc.want)
		}
	}
	bad, _ := config.Validate("x", Options, map[string]string{"first-event.rate": "0"})
	if _, err := New().NewSource(connector.CreateContext{Table: "t", Schema: Schema(), Options: bad}); err == nil {
		t.Error("rate 0 accepted")
	}
}

func TestBoundedAndKeepAlive(t *testing.T) {
	if !newTestSource(t, map[string]string{"events.num": "10"}, Schema(), nil).Bounded() {
		t.Error("events.num > 0 should be bounded")
	}
	if newTestSource(t, map[string]string{}, Schema(), nil).Bounded() {
		t.Error("events.num = 0 should be unbounded")
	}
	src := newTestSource(t, map[string]string{"events.num": "10", "keep-alive": "true"}, Schema(), nil)
	if src.Bounded() {
		t.Error("keep-alive should be unbounded")
	}
	sp, _ := src.Splits(1)
	r, _ := src.Open(context.Background(), sp[0])
	b := types.NewBatch(100)
	if err := r.Read(context.Background(), b, 100); err != nil || b.Len() != 10 {
		t.Fatalf("read %d rows, err %v", b.Len(), err)
	}
	b.Reset()
	if err := r.Read(context.Background(), b, 100); err != nil || b.Len() != 0 {
		t.Fatalf("idle read: %d rows, err %v", b.Len(), err)
	}
	stop := readAll(t, newTestSource(t, map[string]string{"stop-at": "7"}, Schema(), nil), 1)[0]
	if len(stop) != 7 {
		t.Errorf("stop-at 7 gave %d events", len(stop))
	}
}

func TestPacing(t *testing.T) {
	// 40 events at 1000/s take ~40 ms of wall-clock time.
	src := newTestSource(t, map[string]string{"events.num": "40", "first-event.rate": "1000", "max-emit-speed": "false"}, Schema(), nil)
	start := time.Now()
	if n := len(readAll(t, src, 1)[0]); n != 40 {
		t.Fatalf("got %d events", n)
	}
	if d := time.Since(start); d < 35*time.Millisecond {
		t.Errorf("paced source took %v, want ≥ 40 ms", d)
	}
}

func TestRowBoxer(t *testing.T) {
	var rb rowBoxer
	fs := []types.Value{types.IntValue(1), types.StringValue("x")}
	got, want := rb.row(fs), types.RowValue(fs)
	if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(got.Fields(), fs) {
		t.Fatalf("boxed %#v, want %#v", got, want)
	}
	if _, ok := got.X.([]types.Value); !ok {
		t.Fatal("boxed value is not a []Value")
	}
}

func TestDDL(t *testing.T) {
	v := ViewsDDL("nexmark")
	for _, s := range []string{"CREATE VIEW person AS", "CREATE VIEW auction AS", "CREATE VIEW bid AS", "FROM nexmark WHERE event_type = 2", "bid.channel"} {
		if !strings.Contains(v, s) {
			t.Errorf("views DDL lacks %q", s)
		}
	}
	d := TableDDL("nexmark", map[string]string{"events.num": "100", "first-event.rate": "1000"})
	if !strings.Contains(d, "'connector' = 'nexmark',\n    'events.num' = '100',\n    'first-event.rate' = '1000'\n);") {
		t.Errorf("table DDL options: %s", d)
	}
}

func BenchmarkNexmarkGenerator(b *testing.B) {
	for _, bc := range []struct {
		name string
		proj []int
	}{{"all", nil}, {"bid", []int{0, 3}}} {
		b.Run(bc.name, func(b *testing.B) {
			src := newTestSource(b, map[string]string{}, Schema(), bc.proj)
			sp, _ := src.Splits(1)
			r, _ := src.Open(context.Background(), sp[0])
			batch := types.NewBatch(1024)
			ctx := context.Background()
			for i := 0; i < 4; i++ { // warm the arena
				_ = r.Read(ctx, batch, 1024)
				batch.Reset()
			}
			b.ReportAllocs()
			b.ResetTimer()
			for done := 0; done < b.N; {
				n := min(1024, b.N-done)
				if err := r.Read(ctx, batch, n); err != nil {
					b.Fatal(err)
				}
				done += n
				batch.Reset()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/event")
		})
	}
}

func TestPow10(t *testing.T) {
	r := rng{s: 1}
	for i := 0; i < 1_000_000; i++ {
		x := r.float() * 6
		if i < 7 {
			x = float64(i)
		}
		got, want := pow10(x), math.Pow(10, x)
		if math.Abs(got-want)/want > 1e-12 {
			t.Fatalf("pow10(%v) = %v, want %v", x, got, want)
		}
	}
}
