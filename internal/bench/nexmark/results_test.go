package nexmarkbench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/bench/nexmark/queries"
	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/connector/all"
	"github.com/sluicehq/sluice/internal/connector/nexmark"
	"github.com/sluicehq/sluice/internal/engine"
	"github.com/sluicehq/sluice/internal/types"
)

// The results tests run reference Nexmark queries on a small bounded stream
// and compare what their sinks receive with the same results computed in
// plain Go from the generator's events, read through the connector's own
// Source/Reader API (no SQL involved). The run starts two minutes before
// midnight at 200 events/s, so 50,000 events span 250 s of event time over
// two days: many 10 s session windows close, and the per-day aggregates
// have two groups. The sinks are rewritten from 'blackhole' to 'print' and
// the printed changelog is applied to a table, so non-windowed aggregates
// are compared by their final result. Rows are compared as multisets.

const (
	resultEvents   = 50_000
	resultRate     = 200
	resultBaseTime = 1577923080000 // 2020-01-01T23:58:00Z
	resultPar      = 2
)

func resultOptions() map[string]string {
	return map[string]string{
		"events.num":       strconv.Itoa(resultEvents),
		"first-event.rate": strconv.Itoa(resultRate),
		"base-time":        strconv.FormatInt(resultBaseTime, 10),
	}
}

// bidEvent is a bid as the generator made it.
type bidEvent struct {
	auction, bidder, price int64
	channel, url, extra    string
	ts                     int64 // epoch ms
}

// personEvent and auctionEvent are the other events as the generator made
// them; times are epoch ms.
type personEvent struct {
	id                                   int64
	name, email, creditCard, city, state string
	ts                                   int64
	extra                                string
}

type auctionEvent struct {
	id                    int64
	itemName, description string
	initialBid, reserve   int64
	ts, expires           int64
	seller, category      int64
	extra                 string
}

// events are all the generated events, by kind, in generation order.
type events struct {
	persons  []personEvent
	auctions []auctionEvent
	bids     []bidEvent
}

var (
	eventsOnce sync.Once
	eventsErr  error
	allEvents  *events
)

// generatedEvents reads the nexmark source directly, in one split.
func generatedEvents(t *testing.T) *events {
	eventsOnce.Do(func() { allEvents, eventsErr = readEvents() })
	if eventsErr != nil {
		t.Fatal(eventsErr)
	}
	return allEvents
}

// generatedBids returns the generated bids.
func generatedBids(t *testing.T) []bidEvent { return generatedEvents(t).bids }

func readEvents() (*events, error) {
	reg := all.NewRegistry()
	opts := resultOptions()
	opts["connector"] = "nexmark"
	f, o, fs, err := reg.Resolve("datagen", opts)
	if err != nil {
		return nil, err
	}
	schema := nexmark.Schema()
	src, err := f.NewSource(connector.CreateContext{Table: "datagen", Schema: schema, Options: o, Format: fs})
	if err != nil {
		return nil, err
	}
	splits, err := src.Splits(1)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	r, err := src.Open(ctx, splits[0])
	if err != nil {
		return nil, err
	}
	defer r.Close()
	out := &events{}
	b := types.NewBatch(1024)
	n := 0
	ms := func(v types.Value) int64 { return v.Int() / 1_000_000 }
	str := func(v types.Value) string { return strings.Clone(v.Str()) }
	for {
		b.Reset()
		rerr := r.Read(ctx, b, 1024)
		for _, row := range b.Rows {
			n++
			switch row[0].Int() {
			case 0: // person ROW: id, name, emailAddress, creditCard, city, state, dateTime, extra
				fs := row[1].Fields()
				out.persons = append(out.persons, personEvent{
					id: fs[0].Int(), name: str(fs[1]), email: str(fs[2]), creditCard: str(fs[3]),
					city: str(fs[4]), state: str(fs[5]), ts: ms(fs[6]), extra: str(fs[7]),
				})
			case 1: // auction ROW: id, itemName, description, initialBid, reserve, dateTime, expires, seller, category, extra
				fs := row[2].Fields()
				out.auctions = append(out.auctions, auctionEvent{
					id: fs[0].Int(), itemName: str(fs[1]), description: str(fs[2]),
					initialBid: fs[3].Int(), reserve: fs[4].Int(), ts: ms(fs[5]), expires: ms(fs[6]),
					seller: fs[7].Int(), category: fs[8].Int(), extra: str(fs[9]),
				})
			case 2: // bid ROW: auction, bidder, price, channel, url, dateTime, extra
				fs := row[3].Fields()
				out.bids = append(out.bids, bidEvent{
					auction: fs[0].Int(), bidder: fs[1].Int(), price: fs[2].Int(),
					channel: str(fs[3]), url: str(fs[4]), ts: ms(fs[5]), extra: str(fs[6]),
				})
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return nil, rerr
		}
	}
	if n != resultEvents {
		return nil, fmt.Errorf("read %d events, want %d", n, resultEvents)
	}
	return out, nil
}

// runQuery runs query q with its sink printing, and returns the final
// table: the printed changelog applied, as rows in print format.
func runQuery(t *testing.T, q string) []string {
	t.Helper()
	sql, err := queries.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sql, "'connector' = 'blackhole'") {
		t.Fatalf("%s: no blackhole sink to rewrite", q)
	}
	sql = strings.ReplaceAll(sql, "'connector' = 'blackhole'", "'connector' = 'print'")
	script := fmt.Sprintf("SET 'parallelism.default' = '%d';\n", resultPar) +
		nexmark.TableDDL("datagen", resultOptions()) + nexmark.ViewsDDL("datagen") + sql
	script, cleanup, err := WithSideInput(script)
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	var out bytes.Buffer
	eng := &engine.Engine{Connectors: all.NewRegistry(all.WithOutput(&out, io.Discard)), Out: io.Discard, Err: io.Discard}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := eng.Run(ctx, script); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return applyChangelog(t, out.String())
}

var subtaskPrefix = regexp.MustCompile(`^\d+> `)

// applyChangelog folds print lines (+I[...], -U[...], +U[...], -D[...])
// into the rows of the final table.
func applyChangelog(t *testing.T, printed string) []string {
	t.Helper()
	count := map[string]int{}
	for _, l := range strings.Split(printed, "\n") {
		if l == "" {
			continue
		}
		l = subtaskPrefix.ReplaceAllString(l, "")
		if len(l) < 4 || l[2] != '[' || l[len(l)-1] != ']' {
			t.Fatalf("unexpected print line %q", l)
		}
		row := l[3 : len(l)-1]
		switch l[:2] {
		case "+I", "+U":
			count[row]++
		case "-U", "-D":
			count[row]--
			if count[row] < 0 {
				t.Fatalf("retraction of a row not in the table: %s", l)
			}
		default:
			t.Fatalf("unexpected change kind in %q", l)
		}
	}
	var rows []string
	for r, n := range count {
		for ; n > 0; n-- {
			rows = append(rows, r)
		}
	}
	return rows
}

// compareRows reports the difference between two multisets of rows.
func compareRows(t *testing.T, got, want []string) {
	t.Helper()
	if len(want) == 0 {
		t.Fatal("the expected result is empty; the test would prove nothing")
	}
	t.Logf("%d rows expected, %d received", len(want), len(got))
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, "\n") == strings.Join(want, "\n") {
		return
	}
	diff := map[string]int{}
	for _, r := range got {
		diff[r]++
	}
	for _, r := range want {
		diff[r]--
	}
	var extra, missing []string
	for r, n := range diff {
		for ; n > 0; n-- {
			extra = append(extra, r)
		}
		for ; n < 0; n++ {
			missing = append(missing, r)
		}
	}
	sort.Strings(extra)
	sort.Strings(missing)
	t.Errorf("got %d rows, want %d; %d unexpected, %d missing", len(got), len(want), len(extra), len(missing))
	for i := 0; i < len(extra) && i < 5; i++ {
		t.Errorf("unexpected: %s", extra[i])
	}
	for i := 0; i < len(missing) && i < 5; i++ {
		t.Errorf("missing:    %s", missing[i])
	}
}

// ---------------------------------------------------------------- formatting
// The print connector shows values as Java's toString of Flink's external
// types; these are written here from Java's definitions, not from the
// engine's formatter.

// javaTimestamp is java.time.LocalDateTime.toString for epoch ms (UTC).
func javaTimestamp(ms int64) string {
	tm := time.UnixMilli(ms).UTC()
	s := tm.Format("2006-01-02T15:04")
	if tm.Second() != 0 || ms%1000 != 0 {
		s += fmt.Sprintf(":%02d", tm.Second())
	}
	if frac := ((ms % 1000) + 1000) % 1000; frac != 0 {
		s += fmt.Sprintf(".%03d", frac)
	}
	return s
}

func row(fields ...any) string {
	parts := make([]string, len(fields))
	for i, f := range fields {
		switch v := f.(type) {
		case nil:
			parts[i] = "null"
		case string:
			parts[i] = v
		case int64:
			parts[i] = strconv.FormatInt(v, 10)
		case int:
			parts[i] = strconv.Itoa(v)
		default:
			panic(fmt.Sprintf("row: %T", f))
		}
	}
	return strings.Join(parts, ", ")
}

func day(ms int64) string    { return time.UnixMilli(ms).UTC().Format("2006-01-02") }
func minute(ms int64) string { return time.UnixMilli(ms).UTC().Format("15:04") }

// ---------------------------------------------------------------- queries

func TestResultsStateless(t *testing.T) {
	bids := generatedBids(t)
	cases := []struct {
		query string
		want  func() []string
	}{
		{"q0", func() (out []string) {
			for _, b := range bids {
				out = append(out, row(b.auction, b.bidder, b.price, javaTimestamp(b.ts), b.extra))
			}
			return out
		}},
		{"q1", func() (out []string) {
			// 0.908 * price as DECIMAL(23, 3): exact, three decimals.
			for _, b := range bids {
				milli := b.price * 908
				eur := fmt.Sprintf("%d.%03d", milli/1000, milli%1000)
				out = append(out, row(b.auction, b.bidder, eur, javaTimestamp(b.ts), b.extra))
			}
			return out
		}},
		{"q2", func() (out []string) {
			for _, b := range bids {
				if b.auction%123 == 0 {
					out = append(out, row(b.auction, b.price))
				}
			}
			return out
		}},
		{"q21", func() (out []string) {
			hot := map[string]string{"apple": "0", "google": "1", "facebook": "2", "baidu": "3"}
			for _, b := range bids {
				id, isHot := hot[strings.ToLower(b.channel)]
				fromURL, ok := channelIDParam(b.url)
				if !isHot {
					id = fromURL
				}
				if ok || isHot {
					out = append(out, row(b.auction, b.bidder, b.price, b.channel, id))
				}
			}
			return out
		}},
		{"q22", func() (out []string) {
			for _, b := range bids {
				parts := strings.Split(b.url, "/")
				dir := func(i int) any {
					if i < len(parts) {
						return parts[i]
					}
					return nil
				}
				out = append(out, row(b.auction, b.bidder, b.price, b.channel, dir(3), dir(4), dir(5)))
			}
			return out
		}},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			compareRows(t, runQuery(t, c.query), c.want())
		})
	}
}

// channelIDParam finds the value of a channel_id parameter at the start of
// the URL or after an '&', as REGEXP_EXTRACT(url, '(&|^)channel_id=([^&]*)', 2)
// does: the first such occurrence.
func channelIDParam(url string) (string, bool) {
	const key = "channel_id="
	for i := 0; i+len(key) <= len(url); i++ {
		if url[i:i+len(key)] != key || (i > 0 && url[i-1] != '&') {
			continue
		}
		v := url[i+len(key):]
		if j := strings.IndexByte(v, '&'); j >= 0 {
			v = v[:j]
		}
		return v, true
	}
	return "", false
}

// TestResultsSessionWindow checks q11: SESSION(dateTime, 10 s) per bidder.
// Flink merges two session windows [s, e) when they overlap or touch
// (TimeWindow.intersects), so a bidder's bids sorted by time form one
// session while each follows the previous by at most the gap; the window
// is [first, last + gap).
func TestResultsSessionWindow(t *testing.T) {
	const gap = 10_000
	byBidder := map[int64][]int64{}
	for _, b := range generatedBids(t) {
		byBidder[b.bidder] = append(byBidder[b.bidder], b.ts)
	}
	var want []string
	for bidder, ts := range byBidder {
		sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
		start, n := 0, 0
		for i := range ts {
			if i > 0 && ts[i] > ts[i-1]+gap {
				want = append(want, row(bidder, n, javaTimestamp(ts[start]), javaTimestamp(ts[i-1]+gap)))
				start, n = i, 0
			}
			n++
		}
		want = append(want, row(bidder, n, javaTimestamp(ts[start]), javaTimestamp(ts[len(ts)-1]+gap)))
	}
	got := runQuery(t, "q11")
	compareRows(t, got, want)
	if len(want) < 100 {
		t.Errorf("only %d sessions: the run is too short to exercise session windows", len(want))
	}
}

// rankCounts are q15-q17's per-price-rank counts.
type rankCounts struct {
	total, r1, r2, r3 int64
}

func rank(price int64) int {
	switch {
	case price < 10_000:
		return 1
	case price < 1_000_000:
		return 2
	}
	return 3
}

func (c *rankCounts) add(price int64) {
	c.total++
	switch rank(price) {
	case 1:
		c.r1++
	case 2:
		c.r2++
	default:
		c.r3++
	}
}

// distinctRanks counts distinct values overall and per price rank.
type distinctRanks struct {
	all, r1, r2, r3 map[int64]bool
}

func newDistinctRanks() *distinctRanks {
	return &distinctRanks{map[int64]bool{}, map[int64]bool{}, map[int64]bool{}, map[int64]bool{}}
}

func (d *distinctRanks) add(v, price int64) {
	d.all[v] = true
	[]map[int64]bool{nil, d.r1, d.r2, d.r3}[rank(price)][v] = true
}

func (d *distinctRanks) counts() []any {
	return []any{len(d.all), len(d.r1), len(d.r2), len(d.r3)}
}

// TestResultsGroupAggregates checks q15, q16 and q17: non-windowed GROUP BY
// with FILTER, COUNT DISTINCT, MIN/MAX/AVG/SUM, whose update changelog must
// end in the final aggregates.
func TestResultsGroupAggregates(t *testing.T) {
	bids := generatedBids(t)
	type group struct {
		counts            rankCounts
		bidders, auctions *distinctRanks
		maxMinute         string
		min, max, sum     int64
	}
	groupBy := func(key func(bidEvent) string) (map[string]*group, []string) {
		m := map[string]*group{}
		var keys []string
		for _, b := range bids {
			k := key(b)
			g := m[k]
			if g == nil {
				g = &group{bidders: newDistinctRanks(), auctions: newDistinctRanks(), min: b.price, max: b.price}
				m[k] = g
				keys = append(keys, k)
			}
			g.counts.add(b.price)
			g.bidders.add(b.bidder, b.price)
			g.auctions.add(b.auction, b.price)
			g.maxMinute = max(g.maxMinute, minute(b.ts))
			g.min, g.max, g.sum = min(g.min, b.price), max(g.max, b.price), g.sum+b.price
		}
		return m, keys
	}
	ranks := func(g *group) []any {
		out := []any{g.counts.total, g.counts.r1, g.counts.r2, g.counts.r3}
		out = append(out, g.bidders.counts()...)
		return append(out, g.auctions.counts()...)
	}

	t.Run("q15", func(t *testing.T) {
		m, keys := groupBy(func(b bidEvent) string { return day(b.ts) })
		var want []string
		for _, k := range keys {
			want = append(want, row(append([]any{k}, ranks(m[k])...)...))
		}
		if len(want) != 2 {
			t.Errorf("%d days, want 2 (the run should cross midnight)", len(want))
		}
		compareRows(t, runQuery(t, "q15"), want)
	})
	t.Run("q16", func(t *testing.T) {
		m, keys := groupBy(func(b bidEvent) string { return b.channel + "\x00" + day(b.ts) })
		var want []string
		for _, k := range keys {
			ch, d, _ := strings.Cut(k, "\x00")
			want = append(want, row(append([]any{ch, d, m[k].maxMinute}, ranks(m[k])...)...))
		}
		compareRows(t, runQuery(t, "q16"), want)
	})
	t.Run("q17", func(t *testing.T) {
		m, keys := groupBy(func(b bidEvent) string { return strconv.FormatInt(b.auction, 10) + "\x00" + day(b.ts) })
		var want []string
		for _, k := range keys {
			a, d, _ := strings.Cut(k, "\x00")
			g := m[k]
			c := g.counts
			// AVG of BIGINT is BIGINT: the sum divided by the count in
			// integer arithmetic (Java's long division).
			want = append(want, row(a, d, c.total, c.r1, c.r2, c.r3, g.min, g.max, g.sum/c.total, g.sum))
		}
		compareRows(t, runQuery(t, "q17"), want)
	})
}
