package rank

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/state/pebble"
	"github.com/sluicehq/sluice/internal/types"
)

type fakeNode struct {
	schema types.Schema
	mode   plan.Mode
}

func (f fakeNode) Schema() types.Schema { return f.schema }
func (f fakeNode) Inputs() []plan.Node  { return nil }
func (f fakeNode) Mode() plan.Mode      { return f.mode }
func (f fakeNode) Describe() string     { return "Fake" }

func col(name string, t types.Type) types.Field { return types.Field{Name: name, Type: t} }

var (
	rowtime  = types.TimestampType(3).WithTimeAttr(types.RowTime)
	proctime = types.TimestampLTZType(3).NotNull().WithTimeAttr(types.ProcTime)
)

// The test input: k STRING, id STRING, v BIGINT, ts rowtime, pt proctime,
// window_start, window_end.
const (
	cK, cID, cV, cTS, cPT, cWS, cWE = 0, 1, 2, 3, 4, 5, 6
)

func input(mode plan.Mode) fakeNode {
	return fakeNode{mode: mode, schema: types.Schema{Fields: []types.Field{
		col("k", types.StringType), col("id", types.StringType), col("v", types.BigIntType),
		col("ts", rowtime), col("pt", proctime),
		col("window_start", types.TimestampType(3).NotNull()), col("window_end", types.TimestampType(3).NotNull()),
	}}}
}

// r builds an input row; tsMs is the rowtime in ms, the window columns are
// a 10 ms tumbling window of it.
func r(k, id string, v, tsMs int64) types.Row {
	ws := tsMs / 10 * 10
	return types.Row{types.StringValue(k), types.StringValue(id), types.IntValue(v),
		types.IntValue(tsMs * ms), types.IntValue(0), types.IntValue(ws * ms), types.IntValue((ws + 10) * ms)}
}

// format renders a row as "+I[k, id, v, ts, rank]": the key, id, value and
// rowtime (ms) columns, and the rank column when there is one.
func format(kind types.RowKind, row types.Row) string {
	parts := []string{row[cK].S, row[cID].S, strconv.FormatInt(row[cV].I, 10), strconv.FormatInt(row[cTS].I/ms, 10)}
	if len(row) > cWE+1 {
		parts = append(parts, strconv.FormatInt(row[cWE+1].I, 10))
	}
	return kind.String() + "[" + strings.Join(parts, ", ") + "]"
}

type collector struct{ lines []string }

func (c *collector) Emit(b *types.Batch) error {
	for i, row := range b.Rows {
		c.lines = append(c.lines, format(b.Kinds[i], row))
	}
	return nil
}

func (c *collector) EmitWatermark(wm int64) error {
	s := "WM end"
	if wm != operator.EndOfTime {
		s = "WM " + strconv.FormatInt(wm/ms, 10)
	}
	c.lines = append(c.lines, s)
	return nil
}

func (c *collector) take() []string {
	l := c.lines
	c.lines = nil
	return l
}

// backend is a state backend the operator tests run against.
type backend struct {
	name string
	new  func(t testing.TB) state.Backend
}

var backends = []backend{
	{"heap", func(testing.TB) state.Backend { return state.NewHeap() }},
	{"pebble", newPebble},
}

func newPebble(t testing.TB) state.Backend {
	d, err := pebble.Open(pebble.Options{Dir: t.TempDir(), Memory: 16 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return pebbleBackend(t, d)
}

func pebbleBackend(t testing.TB, d *pebble.DB) *pebble.Backend {
	b, err := d.Backend(pebbleUID, allGroups, state.DefaultMaxParallelism)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

const pebbleUID = 0x7a4b

var allGroups = state.KeyGroupRange{Start: 0, End: state.DefaultMaxParallelism - 1}

// restorePebble checkpoints b and restores the checkpoint into a new DB, as
// a restarted job does.
func restorePebble(t testing.TB, b state.Backend) state.Backend {
	dir := t.TempDir()
	files, err := b.(state.Snapshotter).Snapshot(dir)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var dirs []string
	for _, f := range files {
		top := strings.SplitN(filepath.ToSlash(f), "/", 2)[0]
		if !seen[top] {
			seen[top] = true
			dirs = append(dirs, filepath.Join(dir, top))
		}
	}
	d, err := pebble.Open(pebble.Options{Dir: t.TempDir(), Memory: 16 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Restore(pebbleUID, allGroups, state.DefaultMaxParallelism, dirs); err != nil {
		t.Fatal(err)
	}
	return pebbleBackend(t, d)
}

// forBackends runs fn once per backend.
func forBackends(t *testing.T, fn func(t *testing.T, be backend)) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) { fn(t, be) })
	}
}

// harness drives one operator.
type harness struct {
	t   testing.TB
	op  operator.Operator
	ctx *operator.Context
	out *collector
	now int64
}

func newHarness(t testing.TB, x *plan.Rank, b state.Backend, ttl int64) *harness {
	t.Helper()
	return newHarnessOut(t, x, b, ttl, &collector{}, 0)
}

func newHarnessOut(t testing.TB, x *plan.Rank, b state.Backend, ttl int64, out *collector, now int64) *harness {
	t.Helper()
	op, err := New(x)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, op: op, out: out, now: now}
	h.ctx = &operator.Context{Name: "Rank[1]", Parallelism: 1, State: b, Metrics: operator.NewMetrics(),
		Now: func() int64 { return h.now }}
	h.ctx.StateTTL = timeDuration(ttl)
	h.ctx.SetInputWatermark(operator.NoWatermark)
	if err := op.Open(h.ctx, h.out); err != nil {
		t.Fatal(err)
	}
	return h
}

// rows processes each change as one batch whose sender had emitted
// watermark iwmMs (ms; -1 for none).
func (h *harness) rows(iwmMs int64, cs ...change) {
	h.t.Helper()
	iwm := int64(operator.NoWatermark)
	if iwmMs >= 0 {
		iwm = iwmMs * ms
	}
	h.ctx.SetInputWatermark(iwm)
	for _, c := range cs {
		b := types.NewBatch(1)
		b.Append(c.kind, c.row)
		if err := h.op.Process(0, b); err != nil {
			h.t.Fatal(err)
		}
	}
}

func (h *harness) wm(m int64) {
	h.t.Helper()
	wm := int64(operator.EndOfTime)
	if m >= 0 {
		wm = m * ms
	}
	if err := h.op.Watermark(wm); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) expect(want ...string) {
	h.t.Helper()
	got := h.out.take()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		h.t.Errorf("got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

type change struct {
	kind types.RowKind
	row  types.Row
}

func ins(row types.Row) change { return change{types.Insert, row} }
func ub(row types.Row) change  { return change{types.UpdateBefore, row} }
func ua(row types.Row) change  { return change{types.UpdateAfter, row} }
func del(row types.Row) change { return change{types.Delete, row} }

// rankNode builds a Rank over input(mode) partitioned by k.
func rankNode(mode plan.Mode, order []plan.SortKey, start, end int64, withRank bool) *plan.Rank {
	return plan.NewRank(&plan.Rank{Input: input(mode), PartitionKeys: []int{cK}, Order: order,
		RankStart: start, RankEnd: end, OutputRank: withRank, RankName: "rn"})
}

func timeDuration(ns int64) time.Duration { return time.Duration(ns) }
