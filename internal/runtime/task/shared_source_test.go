package task

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

// scaleOp multiplies every value by k into its own batch and records the
// watermarks it receives.
type scaleOp struct {
	k   int64
	out operator.Output
	b   *types.Batch
	mu  *sync.Mutex
	wms *[]int64
}

func (s *scaleOp) Open(_ *operator.Context, out operator.Output) error {
	s.out, s.b = out, types.NewBatch(16)
	return nil
}

func (s *scaleOp) Process(_ int, b *types.Batch) error {
	s.b.Reset()
	for i, r := range b.Rows {
		row := s.b.Alloc(1)
		row[0] = types.IntValue(r[0].Int() * s.k)
		s.b.Append(b.Kinds[i], row)
	}
	return s.out.Emit(s.b)
}

func (s *scaleOp) Watermark(wm int64) error {
	s.mu.Lock()
	*s.wms = append(*s.wms, wm)
	s.mu.Unlock()
	return s.out.EmitWatermark(wm)
}
func (s *scaleOp) Finish() error { return nil }
func (s *scaleOp) Close() error  { return nil }

// branch adds a vertex chained to the shared source src, running op k.
func branch(g *Graph, src *Vertex, k int64, mu *sync.Mutex, wms *[]int64) *Vertex {
	b := &Vertex{ID: len(g.Vertices) + 1, Name: fmt.Sprintf("branch x%d", k), Parallelism: src.Parallelism, Schema: intSchema}
	b.Ops = []OpSpec{{Name: fmt.Sprintf("scale%d", k), New: func() (operator.Operator, error) { return &scaleOp{k: k, mu: mu, wms: wms}, nil }}}
	e := &Edge{From: src, To: b, Partitioning: Chain}
	src.Branches = append(src.Branches, e)
	b.Inputs = []*Edge{e}
	g.Vertices = append(g.Vertices, b)
	return b
}

// A shared source hands every row and watermark to each branch: one
// branch ends in an exchange to a collect sink, the other in a chained
// collect sink of its own; both see every row once, and the same
// watermarks.
func TestSharedSourceFeedsEveryBranch(t *testing.T) {
	g := &Graph{}
	ms := int64(1e6)
	src := sourceVertex(g, 2, &memSource{rows: [][]int64{{1 * ms, 2 * ms, 3 * ms}, {4 * ms, 5 * ms}}, per: 1})
	src.Source.Watermark = &WatermarkSpec{RowTime: 0, Expr: &plan.ColumnRef{Index: 0, Name: "v", T: types.BigIntType}}
	var mu sync.Mutex
	var wmA, wmB []int64
	a := branch(g, src, 10, &mu, &wmA)
	b := branch(g, src, 100, &mu, &wmB)
	chA, chB := make(chan Change, 64), make(chan Change, 64)
	col := &Vertex{ID: len(g.Vertices) + 1, Name: "Collect", Parallelism: 1, Schema: intSchema, Sink: &SinkSpec{Table: "collect", Collect: chA}}
	g.Vertices = append(g.Vertices, col)
	connectTo(g, col, Global, a)
	b.Sink = &SinkSpec{Table: "collect", Collect: chB}

	j := NewJob(g, Options{BatchSize: 1, AutoWatermarkInterval: 0})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := j.Run(ctx); err != nil {
		t.Fatal(err)
	}
	close(chA)
	close(chB)
	values := func(ch chan Change) []int64 {
		var out []int64
		for c := range ch {
			out = append(out, c.Row[0].Int()/ms)
		}
		sort.Slice(out, func(i, k int) bool { return out[i] < out[k] })
		return out
	}
	if got, want := values(chA), []int64{10, 20, 30, 40, 50}; !equalInts(got, want) {
		t.Errorf("branch x10 got %v, want %v", got, want)
	}
	if got, want := values(chB), []int64{100, 200, 300, 400, 500}; !equalInts(got, want) {
		t.Errorf("branch x100 got %v, want %v", got, want)
	}
	// Each source instance reads one split, one row per read, and emits
	// every advance: 1, 2, 3 ms (subtask 0), 4, 5 ms (subtask 1), then
	// EndOfTime from each. Both branches see each instance's sequence.
	sort.Slice(wmA, func(i, k int) bool { return wmA[i] < wmA[k] })
	sort.Slice(wmB, func(i, k int) bool { return wmB[i] < wmB[k] })
	want := []int64{1 * ms, 2 * ms, 3 * ms, 4 * ms, 5 * ms, operator.EndOfTime, operator.EndOfTime}
	if !equalInts(wmA, want) || !equalInts(wmB, want) {
		t.Errorf("watermarks: branch x10 %v, branch x100 %v, want %v each", wmA, wmB, want)
	}
	if n := j.Stats().SourceRows; n != 5 {
		t.Errorf("source read %d rows, want 5 (once for both branches)", n)
	}
}

func restoreJob(splits ...SplitSnapshot) *Job {
	return &Job{opts: Options{Restore: &Restore{Dir: "/sp", Meta: &Metadata{Tasks: []TaskSnapshot{{Splits: splits}}}}}}
}

// A shared source restores from a savepoint whose scans agree on every
// split's position (the lower watermark wins), and refuses one where they
// differ, saying how to restore it.
func TestSharedSourceRestoreMapsAliases(t *testing.T) {
	src := &SourceSpec{Table: "t", Key: "t#0", Aliases: []string{"t#1"}}
	j := restoreJob(
		SplitSnapshot{Source: "t#0", ID: "a", Position: []byte("7"), Watermark: 5},
		SplitSnapshot{Source: "t#1", ID: "a", Position: []byte("7"), Watermark: 3},
		SplitSnapshot{Source: "t#0", ID: "b", Done: true},
		SplitSnapshot{Source: "t#1", ID: "b", Done: true},
	)
	got, err := j.restoredSourceSplits(src)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || string(got["a"].Position) != "7" || got["a"].Watermark != 3 || !got["b"].Done {
		t.Fatalf("restored %+v", got)
	}

	j = restoreJob(
		SplitSnapshot{Source: "t#0", ID: "a", Position: []byte("7")},
		SplitSnapshot{Source: "t#1", ID: "a", Position: []byte("9")},
	)
	_, err = j.restoredSourceSplits(src)
	if err == nil || !strings.Contains(err.Error(), "split a: position 7 and position 9") ||
		!strings.Contains(err.Error(), "SET 'table.optimizer.reuse-source-enabled' = 'false'") {
		t.Fatalf("got %v, want the different positions and how to restore", err)
	}

	// A scan the savepoint does not know (added since) cannot share the
	// position of one it knows.
	j = restoreJob(SplitSnapshot{Source: "t#0", ID: "a", Position: []byte("7")})
	if _, err := j.restoredSourceSplits(src); err == nil || !strings.Contains(err.Error(), "split a is saved for one scan only") {
		t.Fatalf("got %v, want the missing scan", err)
	}

	// Neither scan saved: both start fresh.
	if got, err := restoreJob().restoredSourceSplits(src); err != nil || len(got) != 0 {
		t.Fatalf("got %v, %v", got, err)
	}
}

// A shared source records its splits under its key and every alias, so a
// job that reads the scans separately restores each from them.
func TestSharedSourceSnapshotsUnderEveryAlias(t *testing.T) {
	src := &SourceSpec{Key: "t#0", Aliases: []string{"t#1", "t#2"}}
	in := []SplitSnapshot{{Source: "t#0", ID: "a", Position: []byte("7")}}
	out := aliasSplits(src, in)
	var got []string
	for _, sp := range out {
		got = append(got, sp.Source+"/"+sp.ID+"@"+string(sp.Position))
	}
	if want := "t#0/a@7 t#1/a@7 t#2/a@7"; strings.Join(got, " ") != want {
		t.Fatalf("got %v, want %s", got, want)
	}
	j := restoreJob(out...)
	for _, key := range []string{"t#0", "t#1", "t#2"} {
		if sp := j.restoredSplits(key)["a"]; string(sp.Position) != "7" {
			t.Errorf("%s restores %+v", key, sp)
		}
	}
}
