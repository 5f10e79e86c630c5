package task

import (
	"context"
	"errors"
	"io"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/sql/functions"
	"github.com/sluicehq/sluice/internal/types"
)

// memSource has one split per entry of rows; each split yields its
// integers, at most per rows per Read.
type memSource struct {
	rows    [][]int64
	per     int
	panicAt int64 // a Read reaching this value panics with an EvalError (0: never)
	block   bool  // after its rows, a split blocks until ctx is done
}

type memSplit int

func (s memSplit) ID() string { return "mem" }

func (s *memSource) Bounded() bool { return !s.block }
func (s *memSource) Splits(int) ([]connector.Split, error) {
	out := make([]connector.Split, len(s.rows))
	for i := range out {
		out[i] = memSplit(i)
	}
	return out, nil
}
func (s *memSource) Open(_ context.Context, sp connector.Split) (connector.Reader, error) {
	return &memReader{src: s, rows: s.rows[sp.(memSplit)]}, nil
}

type memReader struct {
	src  *memSource
	rows []int64
	next int
}

func (r *memReader) Read(ctx context.Context, b *types.Batch, max int) error {
	per := r.src.per
	if per <= 0 {
		per = max
	}
	for n := 0; r.next < len(r.rows) && n < per && n < max; n++ {
		v := r.rows[r.next]
		r.next++
		if r.src.panicAt != 0 && v == r.src.panicAt {
			functions.Fail("TEST", "boom at %d", v)
		}
		row := b.Alloc(1)
		row[0] = types.IntValue(v)
		b.Append(types.Insert, row)
	}
	if r.next < len(r.rows) {
		return nil
	}
	if r.src.block {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
			return nil
		}
	}
	return io.EOF
}

func (r *memReader) Close() error { return nil }

// failSink fails its first Write.
type failSink struct{}

func (failSink) Accepts() connector.ChangelogMode { return connector.AppendOnly }
func (failSink) Open(context.Context, int, int) (connector.Writer, error) {
	return failWriter{}, nil
}

type failWriter struct{}

func (failWriter) Write(*types.Batch) error { return errors.New("disk full") }
func (failWriter) Close() error             { return nil }

var intSchema = types.Schema{Fields: []types.Field{{Name: "v", Type: types.BigIntType}}}

func sourceVertex(g *Graph, par int, src connector.Source) *Vertex {
	v := &Vertex{ID: len(g.Vertices) + 1, Name: "src", Parallelism: par, Schema: intSchema,
		Source: &SourceSpec{Table: "t", Source: src, Schema: intSchema}}
	g.Vertices = append(g.Vertices, v)
	return v
}

func connectTo(g *Graph, to *Vertex, part Partitioning, from ...*Vertex) {
	for _, f := range from {
		e := &Edge{From: f, To: to, Partitioning: part}
		if part == Forward && f.Parallelism != to.Parallelism {
			e.Partitioning = Rebalance
		}
		f.Output = e
		to.Inputs = append(to.Inputs, e)
	}
}

// collectAll runs g with a collect sink fed by ch and returns the values.
func runCollect(t *testing.T, g *Graph, ch chan Change, opts Options) ([]int64, error) {
	t.Helper()
	var got []int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for c := range ch {
			got = append(got, c.Row[0].Int())
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := NewJob(g, opts).Run(ctx)
	close(ch)
	wg.Wait()
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatal("job hung")
	}
	sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
	return got, err
}

func TestUnionOfSourcesWithDifferentParallelism(t *testing.T) {
	g := &Graph{}
	a := sourceVertex(g, 2, &memSource{rows: [][]int64{{1, 2}, {3, 4}}, per: 1})
	b := sourceVertex(g, 1, &memSource{rows: [][]int64{{5, 6, 7}}, per: 1})
	c := sourceVertex(g, 2, &memSource{rows: [][]int64{{8}, {9}}, per: 1})
	u := &Vertex{ID: 4, Name: "Union", Parallelism: 2, Schema: intSchema}
	g.Vertices = append(g.Vertices, u)
	connectTo(g, u, Forward, a, b, c)
	ch := make(chan Change)
	col := &Vertex{ID: 5, Name: "Collect", Parallelism: 1, Schema: intSchema, Sink: &SinkSpec{Table: "collect", Collect: ch}}
	g.Vertices = append(g.Vertices, col)
	connectTo(g, col, Global, u)
	got, err := runCollect(t, g, ch, Options{BatchSize: 1, ChannelCapacity: 1})
	if err != nil {
		t.Fatal(err)
	}
	if want := []int64{1, 2, 3, 4, 5, 6, 7, 8, 9}; !equalInts(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// An evaluator failing inside a reader (VALUES (1/0) evaluates its rows
// there) fails the job instead of crashing the process.
func TestEvalPanicInReaderFailsTheJob(t *testing.T) {
	g := &Graph{}
	s := sourceVertex(g, 1, &memSource{rows: [][]int64{{1, 2, 3}}, panicAt: 2})
	ch := make(chan Change)
	col := &Vertex{ID: 2, Name: "Collect", Parallelism: 1, Schema: intSchema, Sink: &SinkSpec{Table: "collect", Collect: ch}}
	g.Vertices = append(g.Vertices, col)
	connectTo(g, col, Global, s)
	_, err := runCollect(t, g, ch, Options{})
	var ee *functions.EvalError
	if !errors.As(err, &ee) || !strings.Contains(err.Error(), "boom at 2") {
		t.Fatalf("got %v, want the evaluator's error", err)
	}
}

// A failing sink stops the job while unbounded sources are blocked on full
// channels.
func TestSinkErrorStopsBlockedSources(t *testing.T) {
	g := &Graph{}
	rows := make([]int64, 5000)
	for i := range rows {
		rows[i] = int64(i + 1)
	}
	s := sourceVertex(g, 2, &memSource{rows: [][]int64{rows, rows}, per: 10, block: true})
	sink := &Vertex{ID: 2, Name: "Sink", Parallelism: 1, Schema: intSchema, Sink: &SinkSpec{Table: "out", Sink: failSink{}}}
	g.Vertices = append(g.Vertices, sink)
	connectTo(g, sink, Global, s)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := NewJob(g, Options{BatchSize: 10, ChannelCapacity: 1}).Run(ctx)
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("got %v, want the sink's error", err)
	}
}

// Cancelling a bare SELECT whose rows nobody reads any more ends the job.
func TestCancelWithUnreadCollect(t *testing.T) {
	g := &Graph{}
	s := sourceVertex(g, 2, &memSource{rows: [][]int64{{1, 2, 3}, {4, 5, 6}}, block: true})
	ch := make(chan Change) // never read
	col := &Vertex{ID: 2, Name: "Collect", Parallelism: 1, Schema: intSchema, Sink: &SinkSpec{Table: "collect", Collect: ch}}
	g.Vertices = append(g.Vertices, col)
	connectTo(g, col, Global, s)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- NewJob(g, Options{}).Run(ctx) }()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("job did not stop")
	}
}

// The job's watermark is the minimum over every sink instance, including
// those that have not seen one yet, and ends at EndOfTime.
func TestJobWatermarkCoversEverySinkInstance(t *testing.T) {
	g := &Graph{}
	s := sourceVertex(g, 2, &memSource{rows: [][]int64{{1}, {2}}})
	ch := make(chan Change, 16)
	col := &Vertex{ID: 2, Name: "Collect", Parallelism: 2, Schema: intSchema, Sink: &SinkSpec{Table: "collect", Collect: ch}}
	g.Vertices = append(g.Vertices, col)
	connectTo(g, col, Forward, s)
	j := NewJob(g, Options{})
	if err := j.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if wm := j.Stats().Watermark; wm != operator.EndOfTime {
		t.Fatalf("final watermark %d, want EndOfTime", wm)
	}
}
