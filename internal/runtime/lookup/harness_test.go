package lookup

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/runtime/optest"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/types"
)

// The input: id BIGINT, k STRING, v BIGINT; the table dim: k STRING,
// name STRING, n BIGINT, looked up by k.
var input = optest.NewNode(plan.AppendOnly,
	optest.Col("id", types.BigIntType), optest.Col("k", types.StringType), optest.Col("v", types.BigIntType))

var dimColumns = []plan.Column{
	{Name: "k", Type: types.StringType}, {Name: "name", Type: types.StringType}, {Name: "n", Type: types.BigIntType},
}

// in builds an input row; k "null" is NULL.
func in(id int64, k string, v int64) types.Row {
	kv := types.StringValue(k)
	if k == "null" {
		kv = types.NullValue()
	}
	return types.Row{types.IntValue(id), kv, types.IntValue(v)}
}

func dim(k, name string, n int64) types.Row {
	return types.Row{types.StringValue(k), types.StringValue(name), types.IntValue(n)}
}

// fakeSource is a LookupSource over a map with injectable latency,
// failures and stalls; it records the keys of every call.
type fakeSource struct {
	mu       sync.Mutex
	data     map[string][]types.Row
	calls    [][]string
	answered atomic.Int64
	active   atomic.Int64 // calls running now
	most     atomic.Int64 // the most calls that ran at once
	latency  atomic.Int64 // ns per call
	failNext atomic.Int64 // fail this many calls; -1: every call
	gates    map[string]chan struct{}
	closed   bool
	scanGate chan struct{} // Scan: wait after the first row until closed
	// scanFailAfter makes the next Scan fail after this many rows (0: no).
	scanFailAfter int
}

func newFake(rows ...types.Row) *fakeSource {
	f := &fakeSource{data: map[string][]types.Row{}, gates: map[string]chan struct{}{}}
	for _, r := range rows {
		f.data[r[0].S] = append(f.data[r[0].S], r)
	}
	return f
}

// gate makes calls asking for key wait until the returned function runs.
func (f *fakeSource) gate(key string) func() {
	ch := make(chan struct{})
	f.mu.Lock()
	f.gates[key] = ch
	f.mu.Unlock()
	return func() { close(ch) }
}

var errRefused = errors.New("connection refused")

func (f *fakeSource) Lookup(ctx context.Context, keys []types.Row) ([][]types.Row, error) {
	ks := make([]string, len(keys))
	for i, k := range keys {
		ks[i] = k[0].S
	}
	f.mu.Lock()
	f.calls = append(f.calls, ks)
	var wait []chan struct{}
	for _, k := range ks {
		if g := f.gates[k]; g != nil {
			wait = append(wait, g)
		}
	}
	f.mu.Unlock()
	defer f.answered.Add(1)
	for n := f.active.Add(1); ; {
		m := f.most.Load()
		if n <= m || f.most.CompareAndSwap(m, n) {
			break
		}
	}
	defer f.active.Add(-1)
	for _, g := range wait {
		select {
		case <-g:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if d := time.Duration(f.latency.Load()); d > 0 {
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if n := f.failNext.Load(); n < 0 || n > 0 && f.failNext.CompareAndSwap(n, n-1) {
		return nil, errRefused
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([][]types.Row, len(keys))
	for i, k := range ks {
		out[i] = f.data[k]
	}
	return out, nil
}

func (f *fakeSource) Close() error { f.mu.Lock(); f.closed = true; f.mu.Unlock(); return nil }

// callLog returns the calls as "a,b|c".
func (f *fakeSource) callLog() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	parts := make([]string, len(f.calls))
	for i, c := range f.calls {
		parts[i] = strings.Join(c, ",")
	}
	return strings.Join(parts, "|")
}

func (f *fakeSource) nCalls() int { f.mu.Lock(); defer f.mu.Unlock(); return len(f.calls) }

func (f *fakeSource) set(rows ...types.Row) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.data = map[string][]types.Row{}
	for _, r := range rows {
		f.data[r[0].S] = append(f.data[r[0].S], r)
	}
}

// fakeScanner is a fakeSource that can load its whole table.
type fakeScanner struct{ *fakeSource }

func (f fakeScanner) Scan(ctx context.Context, fn func(types.Row) error) error {
	f.mu.Lock()
	var rows []types.Row
	for _, rs := range f.data {
		rows = append(rows, rs...)
	}
	gate := f.scanGate
	failAfter := f.scanFailAfter
	f.scanFailAfter = 0
	f.mu.Unlock()
	for i, r := range rows {
		if failAfter > 0 && i == failAfter {
			return errors.New("connection reset during the scan")
		}
		if err := fn(r); err != nil {
			return err
		}
		if i == 0 && gate != nil {
			<-gate
		}
	}
	return nil
}

// newTable defines table dim with the fake connector; option 'backend'
// picks the source from srcs ("a" by default, so 'failover.backend' = 'b'
// makes b the secondary).
func newTable(t testing.TB, opts map[string]string, srcs map[string]connector.LookupSource) *plan.Table {
	f := &connector.Factory{Name: "fake",
		Options: append([]config.Spec{{Key: "backend", Type: config.String, Default: "a", Description: "which fake"}}, connector.LookupOptions...),
		NewLookup: func(ctx connector.LookupContext) (connector.LookupSource, error) {
			s, ok := srcs[ctx.Options.String("backend")]
			if !ok {
				return nil, fmt.Errorf("no backend %q", ctx.Options.String("backend"))
			}
			return s, nil
		}}
	raw := map[string]string{"connector": "fake"}
	for k, v := range opts {
		raw[k] = v
	}
	specs := append([]config.Spec{{Key: "connector", Type: config.String}}, f.Options...)
	o, err := config.Validate("table dim", specs, raw)
	if err != nil {
		t.Fatal(err)
	}
	tab := &plan.Table{Name: "dim", Columns: dimColumns, Options: raw, Connector: f}
	tab.Resolved = connector.CreateContext{Table: "dim", Schema: tab.PhysicalSchema(), Options: o}
	return tab
}

func newPlan(kind plan.JoinKind, tab *plan.Table, cond plan.Expr) *plan.LookupJoin {
	return plan.NewLookupJoin(&plan.LookupJoin{Kind: kind, Input: input, Table: tab, TableKeys: []int{0}, InputKeys: []int{1}, Cond: cond})
}

// harness drives one operator instance with an injectable clock.
type harness struct {
	t   testing.TB
	j   *Join
	ctx *operator.Context
	out *optest.Lines
	now atomic.Int64
}

func newHarness(t testing.TB, x *plan.LookupJoin, async Async) *harness {
	h, err := tryHarness(t, x, async, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func tryHarness(t testing.TB, x *plan.LookupJoin, async Async, subtask, parallelism int) (*harness, error) {
	op, err := New(x, async)
	if err != nil {
		return nil, err
	}
	h := &harness{t: t, j: op.(*Join), out: optest.NewLines(x.Schema())}
	h.now.Store(int64(time.Hour)) // not zero: zero is "no step yet" for the shifter
	h.ctx = &operator.Context{Name: "LookupJoin[1]", Subtask: subtask, Parallelism: parallelism, State: state.NewHeap(),
		Metrics: operator.NewMetrics(), Now: func() int64 { return h.now.Load() }}
	h.ctx.SetInputWatermark(operator.NoWatermark)
	if err := h.j.Open(h.ctx, h.out); err != nil {
		h.j.Close()
		return nil, err
	}
	t.Cleanup(func() { h.j.Close() })
	return h, nil
}

func (h *harness) advance(d time.Duration) { h.now.Add(int64(d)) }

func batchOf(kind types.RowKind, rows ...types.Row) *types.Batch {
	b := types.NewBatch(len(rows))
	for _, r := range rows {
		b.Append(kind, r)
	}
	return b
}

func (h *harness) process(rows ...types.Row) {
	h.t.Helper()
	if err := h.j.Process(0, batchOf(types.Insert, rows...)); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) drain() {
	h.t.Helper()
	if err := h.j.PrepareSnapshot(); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) expect(want ...string) {
	h.t.Helper()
	optest.ExpectLines(h.t, h.out.Take(), want)
}

// waitFor polls cond (the answers arriving in the background) for up to 10 s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for i := 0; i < 2000; i++ {
		if cond() {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func srcs(a connector.LookupSource) map[string]connector.LookupSource {
	return map[string]connector.LookupSource{"a": a}
}
