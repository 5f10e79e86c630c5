package task

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/sql/functions"
	"github.com/sluicehq/sluice/internal/types"
)

// recorder writes what reaches it as "rows(a,b) wm(x)" in order.
type recorder struct{ log []string }

func (r *recorder) Emit(b *types.Batch) error {
	parts := make([]string, b.Len())
	for i, row := range b.Rows {
		parts[i] = fmt.Sprint(row[0].Int() / 1e6)
	}
	r.log = append(r.log, "rows("+strings.Join(parts, ",")+")")
	return nil
}

func (r *recorder) EmitWatermark(wm int64) error {
	r.log = append(r.log, fmt.Sprintf("wm(%d)", wm/1e6))
	return nil
}

// rowsAt makes a batch of rows whose column 0 is the given milliseconds.
func rowsAt(ms ...int64) *types.Batch {
	b := types.NewBatch(len(ms))
	for _, m := range ms {
		r := b.Alloc(1)
		r[0] = types.IntValue(m * 1e6)
		b.Append(types.Insert, r)
	}
	return b
}

// delay is the watermark expression ts - d ms.
func delay(d int64) functions.Eval {
	return func(r types.Row) types.Value { return types.IntValue(r[0].Int() - d*1e6) }
}

func TestWatermarkCutsBatchAfterTheRowThatAdvancesIt(t *testing.T) {
	rec := &recorder{}
	s := newWMStage(rec, delay(0), int64(200e6), 1)
	// First row: any watermark is "more than the interval" after none.
	// 100 is within 200 ms of 0, 250 is more; 300 and 450 are not more
	// than 200 after 250; 501 is.
	if err := s.Emit(rowsAt(0, 100, 250, 300, 450, 501, 502)); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(rec.log, " ")
	want := "rows(0) wm(0) rows(100,250) wm(250) rows(300,450,501) wm(501) rows(502)"
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	// Caught up: the current watermark goes out even within the interval.
	rec.log = nil
	if err := s.catchUp(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rec.log, " "); got != "wm(502)" {
		t.Fatalf("catchUp: got %s", got)
	}
}

func TestWatermarkIsMaxOfSeenAndNeverMovesBack(t *testing.T) {
	rec := &recorder{}
	s := newWMStage(rec, delay(1000), 0, 1)
	if err := s.Emit(rowsAt(5000, 3000, 5500, 4000)); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(rec.log, " ")
	want := "rows(5000) wm(4000) rows(3000,5500) wm(4500) rows(4000)"
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestWatermarkIsMinimumOverSplitsAndIgnoresIdleAndDone(t *testing.T) {
	rec := &recorder{}
	s := newWMStage(rec, delay(0), 0, 2)
	s.cur = 0
	if err := s.Emit(rowsAt(1000)); err != nil {
		t.Fatal(err)
	}
	// Split 1 has no rows yet: it holds the watermark back.
	if strings.Contains(strings.Join(rec.log, " "), "wm(") {
		t.Fatalf("watermark emitted while a split has none: %v", rec.log)
	}
	s.cur = 1
	if err := s.Emit(rowsAt(400)); err != nil {
		t.Fatal(err)
	}
	s.idle[1] = true
	s.cur = 0
	if err := s.Emit(rowsAt(2000)); err != nil {
		t.Fatal(err)
	}
	s.idle[1] = false
	s.done[1] = true
	if err := s.catchUp(); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(rec.log, " ")
	want := "rows(1000) rows(400) wm(400) rows(2000) wm(2000)"
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestFloorMs(t *testing.T) {
	for _, c := range []struct{ in, want int64 }{
		{1_999_999, 1_000_000}, {0, 0}, {-1, -1_000_000}, {-1_000_000, -1_000_000},
	} {
		if got := floorMs(c.in); got != c.want {
			t.Errorf("floorMs(%d) = %d, want %d", c.in, got, c.want)
		}
	}
}

func TestCombineLeavesOutIdleAndEndedSenders(t *testing.T) {
	n := int64(operator.NoWatermark)
	cases := []struct {
		ss      []senderState
		wm      int64
		allIdle bool
	}{
		{[]senderState{{wm: 5}, {wm: 3}}, 3, false},
		{[]senderState{{wm: 5}, {wm: 3, idle: true}}, 5, false},
		{[]senderState{{wm: 5, ended: true}, {wm: 3}}, 3, false},
		{[]senderState{{wm: 5, idle: true}, {wm: 3, idle: true}}, n, true},
		{[]senderState{{wm: n}, {wm: 3}}, n, false},
	}
	for i, c := range cases {
		wm, idle := combine(c.ss)
		if wm != c.wm || idle != c.allIdle {
			t.Errorf("case %d: combine = %d, %v; want %d, %v", i, wm, idle, c.wm, c.allIdle)
		}
	}
}
