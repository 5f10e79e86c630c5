package difftest

import (
	"math/rand/v2"
	"slices"
)

// GenerateJoin builds the join case for seed: two or three tables of Schema
// and a JoinQuery over them; the same seed gives the same case.
func GenerateJoin(seed uint64) *Case {
	g := &gen{r: rand.New(rand.NewPCG(seed, seed^0x5851f42d4c957f2d))}
	c := &Case{Seed: seed}
	nt := 2 + g.n(2)
	for range nt {
		rows := g.rows(31)
		if len(rows) < 5 && g.chance(0.8) {
			rows = g.rows(31) // mostly some rows to join
		}
		c.Tables = append(c.Tables, rows)
	}
	c.Join = g.joinQuery(nt)
	return c
}

// The shapes of join queries.
const (
	shapeRegular  = iota // regular joins of tables and aggregates
	shapeSingle          // one source: Top-N or a subquery over a table or aggregate
	shapeInterval        // an interval join of two tables
	shapeWindow          // a window join of two windowed tables
)

func (g *gen) joinQuery(nt int) *JoinQuery {
	q := &JoinQuery{}
	for range nt {
		q.Delays = append(q.Delays, int64(g.n(4)))
	}
	shape := shapeRegular
	switch x := g.n(20); {
	case x < 3:
		shape = shapeSingle
	case x < 6:
		shape = shapeInterval
	case x < 8:
		shape = shapeWindow
	}
	nsrc := 2
	switch shape {
	case shapeSingle:
		nsrc = 1
	case shapeRegular:
		if nt == 3 && g.chance(0.4) {
			nsrc = 3
		}
	}
	var win *Window
	if shape == shapeWindow {
		win = g.window()
	}
	for i := range nsrc {
		s := &Source{Table: i, Alias: string(rune('a' + i))}
		if i > 0 && g.chance(0.15) {
			s.Table = 0 // a self-join
		}
		switch shape {
		case shapeWindow:
			s.Window = win
		case shapeRegular, shapeSingle:
			if g.chance(0.3) {
				s.Agg = g.sourceAgg(nsrc > 1)
			}
		}
		q.Sources = append(q.Sources, s)
	}
	q.EventTime = shape == shapeInterval || shape == shapeWindow
	comma := shape == shapeRegular && g.chance(0.15)
	for i := 1; i < nsrc; i++ {
		st := &JoinStep{Kind: []JoinKind{Inner, Left, Right, Full}[g.n(4)]}
		on := g.joinCondition(q, i, shape)
		if comma {
			st.Kind = Comma
			q.Conds = append(q.Conds, on)
		} else {
			st.On = on
		}
		q.Steps = append(q.Steps, st)
	}
	cols := q.joinedCols(false)
	g.sc = scopeOf(cols)
	if g.chance(0.3) {
		q.Conds = append(q.Conds, g.boolExpr(1))
	}
	if g.chance(0.3) || shape == shapeSingle && g.chance(0.5) {
		q.Sub = g.subquery(q, cols, nt)
	}
	if (g.chance(0.3) || shape == shapeSingle && q.Sub == nil) && q.rankable() {
		q.TopN = g.topN(q, cols)
		flat := q.joinedCols(true)
		flat = append(flat, &Col{Name: "rn", Idx: len(flat), T: tBigInt})
		cols = flat
		g.sc = scopeOf(cols)
	}
	q.Select = make([]Expr, 1+g.n(5))
	for i := range q.Select {
		if g.chance(0.6) {
			q.Select[i] = cols[g.n(len(cols))]
			continue
		}
		q.Select[i] = g.anyExpr(1)
	}
	if q.TopN != nil && g.chance(0.5) {
		q.Select = append(q.Select, cols[len(cols)-1]) // rn
	}
	g.sc = nil
	return q
}

func (g *gen) restore(sc *scope) { g.sc = sc }

// scopeOf sorts columns by kind; DECIMALs of scale above 2 are left out so
// products stay exact in the reference.
func scopeOf(cols []*Col) *scope {
	sc := &scope{}
	for _, c := range cols {
		switch {
		case c.T.K == KString:
			sc.str = append(sc.str, c)
		case c.T.K == KTimestamp:
			sc.ts = append(sc.ts, c)
		case c.T.numeric() && (c.T.K != KDecimal || c.T.S <= 2):
			sc.num = append(sc.num, c)
		}
	}
	return sc
}

func (g *gen) window() *Window {
	w := &Window{Kind: Tumble, Size: int64(1+g.n(5)) * 1000}
	w.Slide = w.Size
	if g.chance(0.3) {
		w.Kind = Hop
		w.Slide = int64(500 * (1 + g.n(4)))
		w.Size = w.Slide * int64(2+g.n(2))
	}
	return w
}

// sourceAgg is a GROUP BY over a table; in a join it groups by k1 and/or
// k2, so the join has a key.
func (g *gen) sourceAgg(keyed bool) *SourceAgg {
	a := &SourceAgg{}
	defer g.restore(g.sc)
	g.sc = schemaScope()
	if g.chance(0.4) {
		a.Where = g.boolExpr(1)
	}
	for _, k := range []int{0, 1} {
		if g.chance(0.55) {
			a.Keys = append(a.Keys, k)
		}
	}
	if keyed && len(a.Keys) == 0 {
		a.Keys = []int{g.n(2)}
	}
	a.Aggs = make([]*Agg, 1+g.n(3))
	for i := range a.Aggs {
		a.Aggs[i] = g.agg()
	}
	return a
}

// joinCondition is the condition joining source i to the sources before
// it: equality of k1 and/or k2 with an earlier source, for event-time
// shapes the time bounds, and sometimes a residual condition (on both
// sides, or on one side only, which an outer join must not push down).
func (g *gen) joinCondition(q *JoinQuery, i int, shape int) Expr {
	defer g.restore(g.sc)
	prev := g.n(i)
	keysOf := func(s *Source) []int {
		if s.Agg != nil {
			return s.Agg.Keys
		}
		return []int{0, 1}
	}
	common := func() []int {
		var ks []int
		for _, k := range keysOf(q.Sources[i]) {
			if slices.Contains(keysOf(q.Sources[prev]), k) {
				ks = append(ks, k)
			}
		}
		return ks
	}
	ks := common()
	if len(ks) == 0 { // two aggregates grouped by different keys
		s := q.Sources[i].Agg
		s.Keys = append(s.Keys, keysOf(q.Sources[prev])[0])
		slices.Sort(s.Keys)
		ks = common()
	}
	if len(ks) == 2 && g.chance(0.75) {
		ks = ks[g.n(2):][:1]
	}
	cols := q.joinedCols(false)
	offset := func(src int) int {
		o := 0
		for _, s := range q.Sources[:src] {
			o += len(s.Cols())
		}
		return o
	}
	colOf := func(src int, name string) *Col {
		for _, c := range q.Sources[src].Cols() {
			if c.Name == name {
				return cols[offset(src)+c.Idx]
			}
		}
		panic("no column " + name)
	}
	var conds []Expr
	for _, k := range ks {
		var l, r Expr = colOf(prev, Schema[k].Name), colOf(i, Schema[k].Name)
		if g.chance(0.25) {
			var ld, rd *Col // DOUBLE keys: only between tables
			if q.Sources[prev].Agg == nil && q.Sources[i].Agg == nil {
				ld, rd = colOf(prev, "d"), colOf(i, "d")
			}
			l, r = g.keyVariant(k, l, r, ld, rd)
		}
		if g.chance(0.5) {
			l, r = r, l
		}
		conds = append(conds, &Cmp{Op: "=", L: l, R: r})
	}
	switch shape {
	case shapeInterval:
		lo := int64(500 * (g.n(9) - 6))
		hi := lo + int64(500*g.n(9))
		x, y := colOf(i, "ts"), colOf(prev, "ts")
		if g.chance(0.3) {
			x, y, lo, hi = y, x, -hi, -lo
		}
		conds = append(conds, &TimeBetween{X: x, Y: y, Lo: lo, Hi: hi})
	case shapeWindow:
		for _, n := range []string{"window_start", "window_end"} {
			conds = append(conds, &Cmp{Op: "=", L: colOf(prev, n), R: colOf(i, n)})
		}
	}
	if g.chance(0.45) {
		w := offset(i) + len(q.Sources[i].Cols())
		var sc []*Col
		switch g.n(4) {
		case 0:
			sc = cols[:offset(i)]
		case 1:
			sc = cols[offset(i):w]
		default:
			sc = cols[:w]
		}
		g.sc = scopeOf(sc)
		conds = append(conds, g.boolExpr(1+g.n(2)))
	}
	g.r.Shuffle(len(conds), func(a, b int) { conds[a], conds[b] = conds[b], conds[a] })
	e := conds[0]
	for _, c := range conds[1:] {
		e = &Logic{Op: "AND", L: e, R: c}
	}
	return e
}

// subquery is an IN or EXISTS conjunct over one of the tables.
func (g *gen) subquery(q *JoinQuery, cols []*Col, nt int) *Subquery {
	s := &Subquery{Kind: []SubKind{In, NotIn, Exists, NotExists}[g.n(4)], Table: g.n(nt)}
	defer g.restore(g.sc)
	var strs, ints []*Col // mostly k1 and k2, so that values match
	for _, c := range cols {
		k := c.Name[len(c.Name)-2:] == "k1" || c.Name[len(c.Name)-2:] == "k2"
		switch {
		case !k && g.chance(0.7):
		case c.T.K == KString:
			strs = append(strs, c)
		case c.T.integer():
			ints = append(ints, c)
		}
	}
	if len(ints) == 0 && len(strs) == 0 {
		return nil
	}
	if len(ints) == 0 || len(strs) > 0 && g.chance(0.5) {
		ints = nil // correlate on / compare with a string
	}
	if s.Kind == In || s.Kind == NotIn {
		s.Y = 1
		if len(ints) > 0 {
			s.X = ints[g.n(len(ints))]
		} else {
			s.Y, s.X = 0, strs[g.n(len(strs))]
		}
		if g.chance(0.5) {
			g.sc = schemaScope()
			s.Where = g.boolExpr(1)
		}
		if g.chance(0.1) { // an empty subquery: NOT IN is TRUE even for NULL
			s.Where = &Cmp{Op: "=", L: &Schema[0], R: &Lit{V: sval("ab"), T: tString}}
		}
		if g.chance(0.5) { // no NULLs: NOT IN can be TRUE
			var nn Expr = &IsNull{X: &Schema[s.Y], Neg: true}
			if s.Where != nil {
				nn = &Logic{Op: "AND", L: s.Where, R: nn}
			}
			s.Where = nn
		}
		return s
	}
	inner := make([]*Col, len(Schema))
	for i, c := range Schema {
		inner[i] = &Col{Name: "q." + c.Name, Idx: len(cols) + i, T: c.T}
	}
	var conds []Expr
	if len(ints) > 0 {
		conds = append(conds, &Cmp{Op: "=", L: inner[1], R: ints[g.n(len(ints))]})
	} else {
		conds = append(conds, &Cmp{Op: "=", L: inner[0], R: strs[g.n(len(strs))]})
	}
	if g.chance(0.5) {
		g.sc = scopeOf(append(append([]*Col(nil), cols...), inner...))
		conds = append(conds, g.boolExpr(1))
	}
	s.Where = conds[0]
	if len(conds) > 1 {
		s.Where = &Logic{Op: "AND", L: conds[0], R: conds[1]}
	}
	return s
}

// topN ranks by one or two random columns, then by columns that make the
// order total (each source's id, window start or group key), so the row
// numbers are determined.
func (g *gen) topN(q *JoinQuery, cols []*Col) *TopN {
	t := &TopN{N: int64(1 + g.n(3))}
	t.Eq = t.N == 1 && g.chance(0.5)
	var keys, plain []*Col
	o := 0
	var ties []*Col
	for _, s := range q.Sources {
		sc := s.Cols()
		for _, c := range sc {
			jc := cols[o+c.Idx]
			if c.Name == "k1" || c.Name == "k2" {
				keys = append(keys, jc)
			}
			if c.T.K != KTimestamp || c.Name == "ts" {
				plain = append(plain, jc)
			}
			switch {
			case s.Agg != nil && c.Idx < len(s.Agg.Keys), c.Name == "id", c.Name == "window_start":
				ties = append(ties, jc)
			}
		}
		o += len(sc)
	}
	for range g.n(3) {
		if len(keys) > 0 {
			t.Part = append(t.Part, keys[g.n(len(keys))])
		}
	}
	for range 1 + g.n(2) {
		t.Order = append(t.Order, OrderKey{Col: plain[g.n(len(plain))], Desc: g.chance(0.5)})
	}
	for _, c := range ties {
		t.Order = append(t.Order, OrderKey{Col: c, Desc: g.chance(0.3)})
	}
	return t
}

// keyVariant makes an equality key of other types or of expressions: INT
// against BIGINT, a NULL turned into a value, or (for two tables) DOUBLE
// keys where one side may be -0.0 (equal to 0.0 in SQL, so the two must
// meet in one partition).
func (g *gen) keyVariant(k int, l, r Expr, ld, rd *Col) (Expr, Expr) {
	switch x := g.n(3); {
	case x == 0 && ld != nil:
		if g.chance(0.5) {
			return ld, rd
		}
		return ld, &Arith{Op: '*', L: rd, R: &Lit{V: ival(-1), T: tInt}, T: tDouble}
	case k == 1 && x <= 1:
		return l, &Cast{X: r, T: tBigInt}
	case k == 1:
		return l, &Coalesce{Args: []Expr{r, &Lit{V: ival(0), T: tInt}}, T: tInt}
	}
	return l, &Coalesce{Args: []Expr{r, &Lit{V: sval("a"), T: tString}}, T: tString}
}

// rankable reports whether topN can make the order total: a group whose
// keys are all NULL looks like a NULL-padded missing source, so aggregates
// under outer joins are not ranked (found with join seed 1474 and tables of
// up to 60 rows: two rows of one partition tied on every order column).
func (q *JoinQuery) rankable() bool {
	agg, outer := false, false
	for _, s := range q.Sources {
		agg = agg || s.Agg != nil
	}
	for _, st := range q.Steps {
		outer = outer || st.Kind == Left || st.Kind == Right || st.Kind == Full
	}
	return !agg || !outer
}
