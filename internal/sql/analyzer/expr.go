package analyzer

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/internal/sql/ast"
	"github.com/sluicehq/sluice/internal/sql/functions"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

// exprBuilder types AST expressions against a scope.
type exprBuilder struct {
	s     *Session
	scope *scope
	// override, when set, is consulted before each node is built; it
	// returns (expr, true, nil) to replace the node (aggregate calls and
	// group keys in an aggregating SELECT).
	override func(ast.Expr) (plan.Expr, bool, error)
	// what names the clause for errors about aggregates ("WHERE", ...).
	what string
}

func (s *Session) newExprBuilder(sc *scope) *exprBuilder {
	return &exprBuilder{s: s, scope: sc}
}

func (b *exprBuilder) build(e ast.Expr) (plan.Expr, error) {
	if b.override != nil {
		if x, ok, err := b.override(e); ok || err != nil {
			return x, err
		}
	}
	switch x := e.(type) {
	case *ast.ColumnRef:
		return b.column(x)
	case *ast.NumberLit:
		return numberLiteral(x)
	case *ast.StringLit:
		return &plan.Literal{V: types.StringValue(x.Value), T: types.CharType(max(1, len([]rune(x.Value)))).NotNull()}, nil
	case *ast.BinaryLit:
		return binaryLiteral(x)
	case *ast.BoolLit:
		return &plan.Literal{V: types.BoolValue(x.Value), T: types.BooleanType.NotNull()}, nil
	case *ast.NullLit:
		return &plan.Literal{T: types.NullType}, nil
	case *ast.TypedLit:
		return typedLiteral(x)
	case *ast.IntervalLit:
		return intervalLiteral(x)
	case *ast.Symbol:
		return &plan.Symbol{Name: x.Name}, nil
	case *ast.Unary:
		return b.unary(x)
	case *ast.Binary:
		return b.call(x, x.Op, x.L, x.R)
	case *ast.IsNull:
		op := "IS NULL"
		if x.Not {
			op = "IS NOT NULL"
		}
		return b.call(x, op, x.X)
	case *ast.IsBool:
		op := "IS "
		if x.Not {
			op += "NOT "
		}
		if x.Value == "UNKNOWN" {
			op = strings.Replace(op, "IS", "IS", 1) + "NULL"
			return b.call(x, op, x.X)
		}
		return b.call(x, op+x.Value, x.X)
	case *ast.IsDistinctFrom:
		op := "IS DISTINCT FROM"
		if x.Not {
			op = "IS NOT DISTINCT FROM"
		}
		return b.call(x, op, x.L, x.R)
	case *ast.Between:
		if x.Symmetric {
			return nil, errorf(x, "BETWEEN SYMMETRIC is not supported")
		}
		op := "BETWEEN"
		if x.Not {
			op = "NOT BETWEEN"
		}
		return b.call(x, op, x.X, x.Low, x.High)
	case *ast.In:
		return b.in(x)
	case *ast.Like:
		return b.like(x)
	case *ast.Case:
		return b.caseExpr(x)
	case *ast.Cast:
		return b.cast(x)
	case *ast.Call:
		return b.funcCall(x)
	case *ast.Subscript:
		return b.call(x, "ITEM", x.X, x.Index)
	case *ast.FieldAccess:
		inner, err := b.build(x.X)
		if err != nil {
			return nil, err
		}
		return fieldAccess(inner, x.Field)
	case *ast.ArrayCtor:
		return b.call(x, "ARRAY", x.Elems...)
	case *ast.MapCtor:
		return b.call(x, "MAP", x.Elems...)
	case *ast.RowCtor:
		return b.call(x, "ROW", x.Elems...)
	case *ast.Exists, *ast.Subquery:
		return nil, errorf(e, "subqueries in expressions are not supported yet")
	case *ast.Descriptor, *ast.TableArg:
		return nil, errorf(e, "DESCRIPTOR and TABLE arguments are only allowed in window table functions such as TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '10' SECOND)")
	case *ast.NamedArg:
		return nil, errorf(e, "named argument '%s' is only allowed in window table functions", x.Name.Name)
	}
	return nil, errorf(e, "unsupported expression %T", e)
}

func (b *exprBuilder) column(x *ast.ColumnRef) (plan.Expr, error) {
	c, used, err := b.scope.lookup(x.Parts)
	if err != nil {
		return nil, err
	}
	var e plan.Expr = &plan.ColumnRef{Index: c.index, Name: c.name, T: c.typ}
	for _, f := range x.Parts[used:] {
		if e, err = fieldAccess(e, f); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// fieldAccess is row.field on a ROW-typed expression.
func fieldAccess(e plan.Expr, f ast.Ident) (plan.Expr, error) {
	t := e.Type()
	if t.ID != types.RowType {
		return nil, ast.Errorf(f.Pos, "cannot access field '%s' of a value of type %s", f.Name, t)
	}
	for i, fl := range t.Fields {
		if fl.Name == f.Name || (!f.Quoted && strings.EqualFold(fl.Name, f.Name)) {
			ft := fl.Type
			if t.Nullable {
				ft = ft.WithNullable(true)
			}
			fn, err := functions.Builtins().Lookup("FIELD")
			if err != nil {
				return nil, err
			}
			idx := &plan.Literal{V: types.IntValue(int64(i)), T: types.IntType.NotNull()}
			return &plan.Call{Fn: fn, Args: []plan.Expr{e, idx}, T: ft}, nil
		}
	}
	names := make([]string, len(t.Fields))
	for i, fl := range t.Fields {
		names[i] = fl.Name
	}
	return nil, &ast.Error{Pos: f.Pos, Msg: fmt.Sprintf("unknown field '%s'", f.Name), Hint: "fields: " + strings.Join(names, ", ")}
}

func (b *exprBuilder) buildAll(es []ast.Expr) ([]plan.Expr, error) {
	out := make([]plan.Expr, len(es))
	for i, e := range es {
		x, err := b.build(e)
		if err != nil {
			return nil, err
		}
		out[i] = x
	}
	return out, nil
}

// call builds a call of a registered function or operator.
func (b *exprBuilder) call(at ast.Node, name string, args ...ast.Expr) (plan.Expr, error) {
	xs, err := b.buildAll(args)
	if err != nil {
		return nil, err
	}
	return b.apply(at, name, xs)
}

// apply types fn(args) with the registry.
func (b *exprBuilder) apply(at ast.Node, name string, args []plan.Expr) (plan.Expr, error) {
	fn, err := b.s.funcs.Lookup(name)
	if err != nil {
		return nil, ast.Errorf(at.Position(), "%v", err)
	}
	fargs := make([]functions.Arg, len(args))
	for i, a := range args {
		fargs[i] = argOf(a)
	}
	t, err := fn.Infer(fargs)
	if err != nil {
		e := ast.Errorf(at.Position(), "cannot apply %s to (%s): %v", fn.Name, argTypes(args), err)
		if len(fn.Signatures) > 0 {
			e.Hint = "supported signatures: " + strings.Join(fn.Signatures, ", ")
		}
		return nil, e
	}
	return &plan.Call{Fn: fn, Args: args, T: t}, nil
}

func argOf(a plan.Expr) functions.Arg {
	switch x := a.(type) {
	case *plan.Symbol:
		return functions.Arg{Symbol: x.Name}
	case *plan.Literal:
		v := x.V
		return functions.Arg{Type: x.T, Const: &v}
	}
	return functions.Arg{Type: a.Type()}
}

func argTypes(args []plan.Expr) string {
	parts := make([]string, len(args))
	for i, a := range args {
		if s, ok := a.(*plan.Symbol); ok {
			parts[i] = s.Name
		} else {
			parts[i] = a.Type().String()
		}
	}
	return strings.Join(parts, ", ")
}

func (b *exprBuilder) unary(x *ast.Unary) (plan.Expr, error) {
	switch x.Op {
	case "+":
		return b.build(x.X)
	case "NOT":
		return b.call(x, "NOT", x.X)
	}
	// Fold -literal so -2147483648 is an INT and -1.5 a DECIMAL literal.
	if n, ok := x.X.(*ast.NumberLit); ok {
		return numberLiteral(&ast.NumberLit{Pos: x.Pos, Text: "-" + n.Text})
	}
	if iv, ok := x.X.(*ast.IntervalLit); ok {
		c := *iv
		c.Negative = !c.Negative
		return intervalLiteral(&c)
	}
	return b.call(x, "NEG", x.X)
}

func (b *exprBuilder) in(x *ast.In) (plan.Expr, error) {
	if x.Query != nil {
		return nil, errorf(x, "IN (subquery) is not supported yet")
	}
	e, err := b.call(x, "IN", append([]ast.Expr{x.X}, x.List...)...)
	if err != nil || !x.Not {
		return e, err
	}
	return b.apply(x, "NOT", []plan.Expr{e})
}

func (b *exprBuilder) like(x *ast.Like) (plan.Expr, error) {
	op := "LIKE"
	if x.Similar {
		op = "SIMILAR TO"
	}
	args := []ast.Expr{x.X, x.Pattern}
	if x.Escape != nil {
		args = append(args, x.Escape)
	}
	e, err := b.call(x, op, args...)
	if err != nil || !x.Not {
		return e, err
	}
	return b.apply(x, "NOT", []plan.Expr{e})
}

func (b *exprBuilder) caseExpr(x *ast.Case) (plan.Expr, error) {
	var operand plan.Expr
	if x.Operand != nil {
		var err error
		if operand, err = b.build(x.Operand); err != nil {
			return nil, err
		}
	}
	var args []plan.Expr
	for _, w := range x.Whens {
		cond, err := b.build(w.Cond)
		if err != nil {
			return nil, err
		}
		if operand != nil {
			if cond, err = b.apply(w, "=", []plan.Expr{operand, cond}); err != nil {
				return nil, err
			}
		}
		res, err := b.build(w.Result)
		if err != nil {
			return nil, err
		}
		args = append(args, cond, res)
	}
	if x.Else != nil {
		e, err := b.build(x.Else)
		if err != nil {
			return nil, err
		}
		args = append(args, e)
	}
	return b.apply(x, "CASE", args)
}

func (b *exprBuilder) cast(x *ast.Cast) (plan.Expr, error) {
	e, err := b.build(x.X)
	if err != nil {
		return nil, err
	}
	t, err := convertType(x.Type)
	if err != nil {
		return nil, err
	}
	if !x.Type.NotNull {
		t = t.WithNullable(e.Type().Nullable || x.Try)
	}
	if err := functions.CanCast(e.Type(), t); err != nil {
		return nil, errorf(x, "%v", err)
	}
	return &plan.Cast{X: e, T: t, Try: x.Try}, nil
}

// funcCall builds a scalar function call. Aggregates and window functions
// reach here only where they are not allowed.
func (b *exprBuilder) funcCall(x *ast.Call) (plan.Expr, error) {
	name := strings.ToUpper(x.Name.Last())
	if isAggregate(name) && x.Over == nil {
		where := b.what
		if where == "" {
			where = "this clause"
		}
		e := errorf(x, "aggregate function %s is not allowed in %s", name, where)
		if b.what == "WHERE" {
			e.Hint = "filter on aggregates with HAVING, after GROUP BY"
		}
		return nil, e
	}
	if x.Over != nil {
		return nil, errorf(x, "OVER windows are not supported yet")
	}
	if isGroupWindowFunc(name) {
		return nil, errorf(x, "%s can only be used in GROUP BY (or its _START/_END properties in the SELECT of that query)", name)
	}
	if x.Distinct || x.Star || x.Filter != nil {
		return nil, errorf(x, "DISTINCT, * and FILTER are only allowed in aggregate functions, and %s is not one", name)
	}
	return b.call(x, name, x.Args...)
}

// ---------------------------------------------------------------- literals

func numberLiteral(x *ast.NumberLit) (plan.Expr, error) {
	text := x.Text
	if strings.ContainsAny(text, "eE") {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return nil, errorf(x, "invalid number %s", text)
		}
		return &plan.Literal{V: types.FloatValue(f), T: types.DoubleType.NotNull()}, nil
	}
	if !strings.Contains(text, ".") {
		n, err := strconv.ParseInt(text, 10, 64)
		if err == nil {
			if n >= math.MinInt32 && n <= math.MaxInt32 {
				return &plan.Literal{V: types.IntValue(n), T: types.IntType.NotNull()}, nil
			}
			return &plan.Literal{V: types.IntValue(n), T: types.BigIntType.NotNull()}, nil
		}
	}
	// Exact decimal: precision = significant digits, scale = fraction digits.
	neg := strings.HasPrefix(text, "-")
	digits := strings.TrimPrefix(text, "-")
	intPart, frac, _ := strings.Cut(digits, ".")
	unscaled := strings.TrimLeft(intPart+frac, "0")
	scale := len(frac)
	p := max(len(unscaled), scale, 1)
	if p > 38 {
		return nil, errorf(x, "number %s has more than 38 digits", text)
	}
	bi, ok := new(big.Int).SetString("0"+intPart+frac, 10)
	if !ok {
		return nil, errorf(x, "invalid number %s", text)
	}
	if neg {
		bi.Neg(bi)
	}
	return &plan.Literal{V: types.BigDecimalValue(bi), T: types.DecimalType(p, scale).NotNull()}, nil
}

func binaryLiteral(x *ast.BinaryLit) (plan.Expr, error) {
	if len(x.Hex)%2 != 0 {
		return nil, errorf(x, "binary literal X'%s' has an odd number of hex digits", x.Hex)
	}
	b := make([]byte, len(x.Hex)/2)
	for i := range b {
		v, err := strconv.ParseUint(x.Hex[2*i:2*i+2], 16, 8)
		if err != nil {
			return nil, errorf(x, "binary literal X'%s' has a character that is not a hex digit", x.Hex)
		}
		b[i] = byte(v)
	}
	return &plan.Literal{V: types.BytesValue(b), T: types.Type{ID: types.Binary, Precision: len(b)}}, nil
}

func fractionDigits(s string) int {
	if i := strings.LastIndexByte(s, '.'); i >= 0 && strings.ContainsAny(s[:i], ":") {
		n := 0
		for _, c := range s[i+1:] {
			if c < '0' || c > '9' {
				break
			}
			n++
		}
		return n
	}
	return 0
}

func typedLiteral(x *ast.TypedLit) (plan.Expr, error) {
	bad := func(err error) (plan.Expr, error) {
		return nil, errorf(x, "invalid %s literal '%s': %v", x.Type, x.Value, err)
	}
	switch x.Type {
	case "DATE":
		d, err := types.ParseDate(strings.TrimSpace(x.Value))
		if err != nil {
			return bad(err)
		}
		return &plan.Literal{V: types.IntValue(d), T: types.DateType.NotNull()}, nil
	case "TIME":
		t, err := types.ParseTime(strings.TrimSpace(x.Value))
		if err != nil {
			return bad(err)
		}
		return &plan.Literal{V: types.IntValue(t), T: types.TimeType(fractionDigits(x.Value)).NotNull()}, nil
	case "TIMESTAMP", "TIMESTAMP_LTZ":
		ts, err := types.ParseTimestamp(strings.TrimSpace(x.Value))
		if err != nil {
			return bad(err)
		}
		t := types.TimestampType(fractionDigits(x.Value)).NotNull()
		if x.Type == "TIMESTAMP_LTZ" {
			t = types.TimestampLTZType(fractionDigits(x.Value)).NotNull()
		}
		return &plan.Literal{V: types.IntValue(ts), T: t}, nil
	}
	return nil, errorf(x, "unknown literal type %s", x.Type)
}

var unitNanos = map[string]int64{
	"DAY": 86400e9, "HOUR": 3600e9, "MINUTE": 60e9, "SECOND": 1e9,
}

// intervalLiteral parses INTERVAL 'v' unit [TO unit].
func intervalLiteral(x *ast.IntervalLit) (plan.Expr, error) {
	v := strings.TrimSpace(x.Value)
	neg := x.Negative
	if strings.HasPrefix(v, "-") {
		neg = !neg
		v = strings.TrimSpace(v[1:])
	} else if strings.HasPrefix(v, "+") {
		v = strings.TrimSpace(v[1:])
	}
	bad := func() (plan.Expr, error) {
		to := ""
		if x.To != "" {
			to = " TO " + x.To
		}
		return nil, errorf(x, "invalid interval literal '%s' for INTERVAL %s%s", x.Value, x.From, to)
	}
	sign := int64(1)
	if neg {
		sign = -1
	}
	if x.From == "YEAR" || x.From == "MONTH" {
		var months int64
		switch {
		case x.From == "YEAR" && x.To == "MONTH":
			y, m, ok := strings.Cut(v, "-")
			yi, e1 := strconv.ParseInt(y, 10, 64)
			mi, e2 := strconv.ParseInt(m, 10, 64)
			if !ok || e1 != nil || e2 != nil || mi > 11 {
				return bad()
			}
			months = yi*12 + mi
		case x.To == "":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return bad()
			}
			months = n
			if x.From == "YEAR" {
				months *= 12
			}
		default:
			return bad()
		}
		return &plan.Literal{V: types.IntValue(sign * months), T: types.IntervalYM.NotNull()}, nil
	}
	if _, ok := unitNanos[x.From]; !ok {
		return bad()
	}
	// Split "d hh:mm:ss.fff" into its fields according to From..To.
	units := []string{"DAY", "HOUR", "MINUTE", "SECOND"}
	from, to := indexOf(units, x.From), indexOf(units, x.To)
	if x.To == "" {
		to = from
	}
	if to < from {
		return bad()
	}
	fields := strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ':' })
	if len(fields) != to-from+1 {
		return bad()
	}
	var total int64
	for i, f := range fields {
		u := units[from+i]
		if u == "SECOND" {
			secs, err := strconv.ParseFloat(f, 64)
			if err != nil {
				return bad()
			}
			total += int64(math.Round(secs * 1e9))
			continue
		}
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return bad()
		}
		total += n * unitNanos[u]
	}
	return &plan.Literal{V: types.IntValue(sign * total), T: types.IntervalDT.NotNull()}, nil
}

func indexOf(xs []string, s string) int {
	for i, x := range xs {
		if x == s {
			return i
		}
	}
	return -1
}

// constInterval evaluates an interval literal expression (used by window
// sizes). It accepts only literals.
func constInterval(e plan.Expr, at ast.Node, what string) (int64, error) {
	l, ok := e.(*plan.Literal)
	if !ok || l.T.ID != types.IntervalDayTime {
		return 0, errorf(at, "%s must be a constant INTERVAL DAY TO SECOND such as INTERVAL '10' SECOND, got %s", what, e.Type())
	}
	if l.V.Int() <= 0 {
		return 0, errorf(at, "%s must be positive", what)
	}
	return l.V.Int(), nil
}
