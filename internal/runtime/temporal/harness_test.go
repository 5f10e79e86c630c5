package temporal

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/sql/functions"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/state/pebble"
	"github.com/sluicehq/sluice/internal/types"
)

const ms = int64(1_000_000)

type fakeNode struct {
	schema types.Schema
	mode   plan.Mode
}

func (f fakeNode) Schema() types.Schema { return f.schema }
func (f fakeNode) Inputs() []plan.Node  { return nil }
func (f fakeNode) Mode() plan.Mode      { return f.mode }
func (f fakeNode) Describe() string     { return "Fake" }

func col(name string, t types.Type) types.Field { return types.Field{Name: name, Type: t} }

var rowtime = types.TimestampType(3).WithTimeAttr(types.RowTime)

// Probe side: orders(o_id, cur, amount, o_ts); versioned side:
// rates(cur, rate, r_ts) with primary key cur.
var (
	orders = fakeNode{mode: plan.AppendOnly, schema: types.Schema{Fields: []types.Field{
		col("o_id", types.StringType), col("cur", types.StringType), col("amount", types.BigIntType), col("o_ts", rowtime)}}}
	rates = fakeNode{mode: plan.Updates, schema: types.Schema{Fields: []types.Field{
		col("cur", types.StringType.NotNull()), col("rate", types.BigIntType), col("r_ts", rowtime)}}}
)

func order(id, cur string, amount, tsMs int64) types.Row {
	return types.Row{types.StringValue(id), types.StringValue(cur), types.IntValue(amount), types.IntValue(tsMs * ms)}
}

func rate(cur string, r, tsMs int64) types.Row {
	return types.Row{types.StringValue(cur), types.IntValue(r), types.IntValue(tsMs * ms)}
}

func joinNode(kind plan.JoinKind, cond plan.Expr) *plan.Join {
	return plan.NewJoin(&plan.Join{Kind: kind, Strategy: plan.TemporalJoin, Left: orders, Right: rates,
		LeftKeys: []int{1}, RightKeys: []int{0}, Cond: cond, Temporal: &plan.TemporalSpec{LeftTime: 3, RightTime: 2}})
}

// call builds a typed call of a built-in.
func call(t testing.TB, name string, args ...plan.Expr) *plan.Call {
	fn, err := functions.Builtins().Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	fargs := make([]functions.Arg, len(args))
	for i, a := range args {
		fargs[i] = functions.Arg{Type: a.Type()}
	}
	rt, err := fn.Infer(fargs)
	if err != nil {
		t.Fatal(err)
	}
	return &plan.Call{Fn: fn, Args: args, T: rt}
}

// format renders an output row with timestamps as ms and NULL as "null".
func format(kind types.RowKind, row types.Row, s types.Schema) string {
	parts := make([]string, len(row))
	for i, v := range row {
		switch {
		case v.IsNull():
			parts[i] = "null"
		case v.K == types.KindString:
			parts[i] = v.S
		case s.Fields[i].Type.IsTimestamp():
			parts[i] = strconv.FormatInt(v.I/ms, 10)
		default:
			parts[i] = strconv.FormatInt(v.I, 10)
		}
	}
	return kind.String() + "[" + strings.Join(parts, ", ") + "]"
}

type collector struct {
	schema types.Schema
	lines  []string
}

func (c *collector) Emit(b *types.Batch) error {
	for i, row := range b.Rows {
		c.lines = append(c.lines, format(b.Kinds[i], row, c.schema))
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

type harness struct {
	t   testing.TB
	op  operator.Operator
	ctx *operator.Context
	out *collector
}

func newHarness(t testing.TB, x *plan.Join, b state.Backend, out *collector) *harness {
	t.Helper()
	op, err := New(x)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, op: op, out: out}
	h.ctx = &operator.Context{Name: "TemporalJoin[1]", Parallelism: 1, State: b, Metrics: operator.NewMetrics(),
		Now: func() int64 { return 0 }}
	h.ctx.SetInputWatermark(operator.NoWatermark)
	if err := op.Open(h.ctx, out); err != nil {
		t.Fatal(err)
	}
	return h
}

type change struct {
	kind types.RowKind
	row  types.Row
}

func ins(row types.Row) change { return change{types.Insert, row} }
func ub(row types.Row) change  { return change{types.UpdateBefore, row} }
func ua(row types.Row) change  { return change{types.UpdateAfter, row} }
func del(row types.Row) change { return change{types.Delete, row} }

// send processes each change as one batch on input, from a sender that had
// emitted watermark iwmMs (-1: none).
func (h *harness) send(input int, iwmMs int64, cs ...change) {
	h.t.Helper()
	iwm := int64(operator.NoWatermark)
	if iwmMs >= 0 {
		iwm = iwmMs * ms
	}
	h.ctx.SetInputWatermark(iwm)
	for _, c := range cs {
		b := types.NewBatch(1)
		b.Append(c.kind, c.row)
		if err := h.op.Process(input, b); err != nil {
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

type backend struct {
	name string
	new  func(t testing.TB) state.Backend
}

var backends = []backend{
	{"heap", func(testing.TB) state.Backend { return state.NewHeap() }},
	{"pebble", newPebble},
}

func forBackends(t *testing.T, fn func(t *testing.T, be backend)) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) { fn(t, be) })
	}
}

const pebbleUID = 0x7e3b

var allGroups = state.KeyGroupRange{Start: 0, End: state.DefaultMaxParallelism - 1}

func openPebble(t testing.TB) *pebble.DB {
	d, err := pebble.Open(pebble.Options{Dir: t.TempDir(), Memory: 16 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func pebbleBackend(t testing.TB, d *pebble.DB) state.Backend {
	b, err := d.Backend(pebbleUID, allGroups, state.DefaultMaxParallelism)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func newPebble(t testing.TB) state.Backend { return pebbleBackend(t, openPebble(t)) }

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
	d := openPebble(t)
	if _, err := d.Restore(pebbleUID, allGroups, state.DefaultMaxParallelism, dirs); err != nil {
		t.Fatal(err)
	}
	return pebbleBackend(t, d)
}
