package operator

import (
	"github.com/sluicehq/sluice/internal/sql/functions"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

// Calc filters and projects rows: Flink's Calc. A nil projection passes
// rows through (zero copy); a nil condition keeps every row.
type Calc struct {
	row   uint64 // row generation for shared sub-expressions
	cond  functions.Eval
	exprs []functions.Eval
	out   Output
	batch *types.Batch
	m     *Metrics
}

var _ Operator = (*Calc)(nil)

// NewCalc compiles cond (may be nil) and exprs (nil means pass-through).
func NewCalc(cond plan.Expr, exprs []plan.Expr) (*Calc, error) {
	c := &Calc{batch: types.NewBatch(1024)}
	evs, err := compileShared(append([]plan.Expr{cond}, exprs...), &c.row)
	if err != nil {
		return nil, err
	}
	c.cond = evs[0]
	if exprs != nil {
		c.exprs = evs[1:]
	}
	return c, nil
}

func (c *Calc) Open(ctx *Context, out Output) error {
	c.out, c.m = out, ctx.Metrics
	return nil
}

func (c *Calc) Process(_ int, b *types.Batch) error {
	out := c.batch
	out.Reset()
	n := len(c.exprs)
	for i, row := range b.Rows {
		c.row++
		if c.cond != nil {
			v := c.cond(row)
			if v.K != types.KindBool || v.I == 0 {
				continue
			}
		}
		if c.exprs == nil {
			out.Append(b.Kinds[i], row)
			continue
		}
		r := out.Alloc(n)
		for j, e := range c.exprs {
			r[j] = e(row)
		}
		out.Append(b.Kinds[i], r)
	}
	if c.m != nil {
		c.m.RowsIn.Add(int64(len(b.Rows)))
		c.m.RowsOut.Add(int64(len(out.Rows)))
	}
	if len(out.Rows) == 0 {
		return nil
	}
	return c.out.Emit(out)
}

func (c *Calc) Watermark(wm int64) error { return c.out.EmitWatermark(wm) }
func (c *Calc) Finish() error            { return nil }
func (c *Calc) Close() error             { return nil }
