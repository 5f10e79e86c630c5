package difftest

import (
	"math/rand/v2"
)

// Case is one generated test case: input rows in file order and a query;
// or, for a join case, several tables (t1, t2, ...) and a join query.
type Case struct {
	Seed  uint64
	Rows  [][]Value
	Query *Query

	Tables [][][]Value
	Join   *JoinQuery
}

// OutputTypes are the types of the query's result columns.
func (c *Case) OutputTypes() []Type {
	if c.Join != nil {
		return c.Join.OutputTypes()
	}
	return c.Query.OutputTypes()
}

// Evaluate is the reference's final table.
func (c *Case) Evaluate() Table {
	if c.Join != nil {
		return MakeTable(EvaluateJoin(c.Join, c.Tables), c.OutputTypes())
	}
	return MakeTable(Evaluate(c.Query, c.Rows), c.OutputTypes())
}

// base is the first event time: 2024-01-01 00:00:00 UTC.
const base = int64(1704067200000)

// Generate builds the case for seed; the same seed gives the same case.
func Generate(seed uint64) *Case {
	g := &gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	c := &Case{Seed: seed, Rows: g.rows(61)}
	c.Query = g.query()
	return c
}

type gen struct {
	r  *rand.Rand
	sc *scope // the columns expressions draw from (nil: Schema)
}

// scope is the columns expressions may use, by kind.
type scope struct {
	str, num, ts []*Col
}

// schemaScope is the single-table scope: k1; k2, v, d, amt; ts.
func schemaScope() *scope {
	return &scope{
		str: []*Col{&Schema[0]},
		num: []*Col{&Schema[1], &Schema[2], &Schema[3], &Schema[4]},
		ts:  []*Col{&Schema[tsCol]},
	}
}

func (g *gen) scope() *scope {
	if g.sc == nil {
		g.sc = schemaScope()
	}
	return g.sc
}

// pick draws one of cs (no draw when there is one).
func (g *gen) pick(cs []*Col) *Col {
	if len(cs) == 1 {
		return cs[0]
	}
	return cs[g.n(len(cs))]
}

// strCol, numCol and tsCol draw a column of the kind; when the scope has
// none, a constant stands in.
func (g *gen) strCol() Expr {
	if len(g.scope().str) == 0 {
		return &Lit{V: sval("x"), T: tString}
	}
	return g.pick(g.scope().str)
}

func (g *gen) numCol() Expr {
	if len(g.scope().num) == 0 {
		return &Lit{V: ival(1), T: tInt}
	}
	return g.pick(g.scope().num)
}

func (g *gen) tsCol() Expr {
	if len(g.scope().ts) == 0 {
		return g.numCol()
	}
	return g.pick(g.scope().ts)
}

// anyCol is a non-timestamp column.
func (g *gen) anyCol() Expr {
	sc := g.scope()
	cs := append(append([]*Col(nil), sc.str...), sc.num...)
	if len(cs) == 0 {
		return g.numCol()
	}
	return g.pick(cs)
}

func (g *gen) n(k int) int           { return g.r.IntN(k) }
func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

// rows draws 0..limit-1 rows: few distinct keys with NULLs, small numbers with
// negatives and NULLs, event times mostly increasing with some disorder and
// some very late rows.
func (g *gen) rows(limit int) [][]Value {
	n := g.n(limit)
	if g.chance(0.05) {
		n = 0
	}
	keys := []string{"a", "b", "c", "B", ""}
	ts := base + int64(g.n(5000))
	out := make([][]Value, n)
	for i := range out {
		r := make([]Value, len(Schema))
		r[0] = null
		if !g.chance(0.15) {
			r[0] = sval(keys[g.n(len(keys))])
		}
		r[1] = null
		if !g.chance(0.15) {
			r[1] = ival(int64(g.n(7) - 2))
		}
		r[2] = null
		if !g.chance(0.15) {
			r[2] = ival(int64(g.n(2001) - 1000))
		}
		r[3] = null
		if !g.chance(0.15) {
			r[3] = fval(float64(g.n(81)-40) / 4) // quarters: exact sums
		}
		r[4] = null
		if !g.chance(0.15) {
			r[4] = ival(int64(g.n(200001) - 100000)) // DECIMAL(10,2) unscaled
		}
		step := int64(g.n(2500))
		if g.chance(0.1) {
			step = 0 // ties
		}
		ts += step
		t := ts
		switch {
		case g.chance(0.15):
			t -= int64(g.n(6000)) // disorder
		case g.chance(0.05):
			t -= 20000 + int64(g.n(40000)) // very late
		}
		if g.chance(0.3) {
			t -= t % 1000 // whole seconds
		}
		r[5] = ival(t)
		r[idCol] = ival(int64(i + 1))
		out[i] = r
	}
	return out
}

func (g *gen) query() *Query {
	q := &Query{Delay: int64(g.n(4))}
	if g.chance(0.6) {
		q.Where = g.boolExpr(2)
	}
	switch g.n(3) {
	case 0:
		q.Select = make([]Expr, 1+g.n(4))
		for i := range q.Select {
			q.Select[i] = g.anyExpr(2)
		}
		return q
	case 1:
		q.Aggregate = true
	default:
		q.Aggregate = true
		w := &Window{Kind: Tumble, Size: int64(1+g.n(10)) * 1000}
		if g.chance(0.3) {
			w.Size = int64(500 * (1 + g.n(8)))
		}
		w.Slide = w.Size
		if g.chance(0.5) {
			w.Kind = Hop
			w.Slide = int64(500 * (1 + g.n(6)))
			w.Size = w.Slide * int64(1+g.n(4))
		}
		q.Window = w
	}
	for _, k := range []int{0, 1} {
		if g.chance(0.45) {
			q.Keys = append(q.Keys, k)
		}
	}
	if g.chance(0.5) {
		g.r.Shuffle(len(q.Keys), func(i, j int) { q.Keys[i], q.Keys[j] = q.Keys[j], q.Keys[i] })
	}
	q.Aggs = make([]*Agg, 1+g.n(4))
	for i := range q.Aggs {
		q.Aggs[i] = g.agg()
	}
	cols := q.groupRow()
	for _, c := range cols {
		if g.chance(0.15) && c.T.numeric() && c.T.K != KDouble {
			q.Select = append(q.Select, g.arith(c, &Lit{V: ival(int64(g.n(5) + 1)), T: tInt}))
			continue
		}
		q.Select = append(q.Select, c)
	}
	if g.chance(0.3) {
		c := cols[len(cols)-1-g.n(len(q.Aggs))]
		q.Having = g.compareTo(c)
		if g.chance(0.3) {
			q.Having = &Logic{Op: "OR", L: q.Having, R: g.compareTo(cols[len(cols)-1])}
		}
	}
	return q
}

func (g *gen) arith(l, r Expr) Expr {
	op := "+-*"[g.n(3)]
	return &Arith{Op: op, L: l, R: r, T: arithType(op, l.Type(), r.Type())}
}

// compareTo compares a column with a small literal of a fitting type.
func (g *gen) compareTo(c *Col) Expr {
	ops := []string{"=", "<>", "<", "<=", ">", ">="}
	op := ops[g.n(len(ops))]
	switch c.T.K {
	case KString:
		return &Cmp{Op: op, L: c, R: g.strLit()}
	case KTimestamp, KBool:
		return &IsNull{X: c, Neg: g.chance(0.5)}
	}
	return &Cmp{Op: op, L: c, R: g.numLit()}
}

func (g *gen) strLit() Expr {
	return &Lit{V: sval([]string{"a", "b", "c", "B", "", "ab"}[g.n(6)]), T: tString}
}

func (g *gen) numLit() Expr {
	if g.chance(0.2) {
		u := int64(g.n(4001) - 2000)
		return &Lit{V: ival(u), T: tDec(max(digits(abs(u)), 2), 2)}
	}
	return &Lit{V: ival(int64(g.n(21) - 10)), T: tInt}
}

func abs(i int64) int64 {
	if i < 0 {
		return -i
	}
	return i
}

func (g *gen) agg() *Agg {
	a := &Agg{}
	switch g.n(7) {
	case 0:
		a.Fn = Count
		if g.chance(0.5) {
			a.Arg = g.aggArg(true)
		}
	case 1:
		a.Fn = CountDis
		a.Arg = g.aggArg(true)
	case 2:
		a.Fn = Sum
	case 3:
		a.Fn = Min
	case 4:
		a.Fn = Max
	default:
		a.Fn = Avg
	}
	if a.Fn != Count && a.Fn != CountDis {
		a.Arg = g.aggArg(a.Fn == Min || a.Fn == Max)
	}
	if g.chance(0.25) {
		a.Filter = g.boolExpr(1)
	}
	return a
}

// aggArg is a numeric column or a small expression; strings only where
// allowed (COUNT, MIN, MAX).
func (g *gen) aggArg(strOK bool) Expr {
	if strOK && g.chance(0.15) {
		return g.strCol()
	}
	if g.chance(0.7) {
		return g.numCol()
	}
	return g.numExpr(1)
}

// numExpr is a numeric expression of depth <= d.
func (g *gen) numExpr(d int) Expr {
	if d <= 0 || g.chance(0.35) {
		if g.chance(0.8) {
			return g.numCol()
		}
		return g.numLit()
	}
	switch g.n(6) {
	case 0, 1, 2:
		l, r := g.numExpr(d-1), g.numExpr(d-1)
		if g.chance(0.2) && l.Type().integer() {
			k := int64(g.n(9) - 4)
			if k == 0 {
				k = 3
			}
			return &Arith{Op: '/', L: l, R: &Lit{V: ival(k), T: tInt}, T: arithType('/', l.Type(), tInt)}
		}
		return g.arith(l, r)
	case 3:
		t, e := g.numExpr(d-1), g.numExpr(d-1)
		c := &CaseWhen{Whens: []When{{Cond: g.boolExpr(d - 1), Then: t}}, T: commonType(t.Type(), e.Type())}
		if g.chance(0.7) {
			c.Else = e
		}
		return c
	case 4:
		x := g.numCol()
		l := g.numLit()
		return &Coalesce{Args: []Expr{x, l}, T: commonType(x.Type(), l.Type())}
	}
	return g.numLit()
}

// boolExpr is a condition of depth <= d.
func (g *gen) boolExpr(d int) Expr {
	if d <= 0 || g.chance(0.3) {
		switch g.n(4) {
		case 0:
			return &Cmp{Op: []string{"=", "<>"}[g.n(2)], L: g.strCol(), R: g.strLit()}
		case 1:
			return &IsNull{X: g.anyCol(), Neg: g.chance(0.5)}
		}
		ops := []string{"=", "<>", "<", "<=", ">", ">="}
		return &Cmp{Op: ops[g.n(len(ops))], L: g.numExpr(d), R: g.numExpr(d - 1)}
	}
	switch g.n(3) {
	case 0:
		return &Not{X: g.boolExpr(d - 1)}
	case 1:
		return &Logic{Op: "AND", L: g.boolExpr(d - 1), R: g.boolExpr(d - 1)}
	}
	return &Logic{Op: "OR", L: g.boolExpr(d - 1), R: g.boolExpr(d - 1)}
}

// anyExpr is a projection: a number, a string, a condition or a timestamp.
func (g *gen) anyExpr(d int) Expr {
	switch g.n(8) {
	case 0:
		return g.strCol()
	case 1:
		return &Coalesce{Args: []Expr{g.strCol(), g.strLit()}, T: tString}
	case 2:
		return g.boolExpr(d)
	case 3:
		return g.tsCol()
	}
	return g.numExpr(d)
}

// digits is the number of decimal digits of u >= 0 (1 for 0), as Calcite
// counts a literal's precision.
func digits(u int64) int {
	n := 1
	for u >= 10 {
		u /= 10
		n++
	}
	return n
}
