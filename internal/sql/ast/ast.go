package ast

// Pos is a 1-based line and column in the script.
type Pos struct {
	Line, Col int
}

// Node is any syntax tree node.
type Node interface {
	Position() Pos
}

// Ident is an identifier as written. Quoted identifiers (`x`) keep their case
// and may be keywords. Flink SQL identifiers are case-sensitive.
type Ident struct {
	Pos    Pos
	Name   string
	Quoted bool
}

// ObjectName is a possibly qualified name: catalog.db.table, t.col, ...
type ObjectName []Ident

// String joins the parts with dots.
func (n ObjectName) String() string {
	s := ""
	for i, p := range n {
		if i > 0 {
			s += "."
		}
		s += p.Name
	}
	return s
}

// Last is the unqualified name.
func (n ObjectName) Last() string {
	if len(n) == 0 {
		return ""
	}
	return n[len(n)-1].Name
}

// ---------------------------------------------------------------- statements

// Statement is one top-level statement.
type Statement interface {
	Node
	stmt()
}

// CreateTable is CREATE [TEMPORARY] TABLE [IF NOT EXISTS] name (...) WITH (...).
type CreateTable struct {
	Pos         Pos
	Name        ObjectName
	Temporary   bool
	IfNotExists bool
	Columns     []*ColumnDef
	Watermark   *WatermarkDef
	PrimaryKey  *PrimaryKeyDef
	Comment     string
	PartitionBy []Ident
	Options     []*Option
	// Like is CREATE TABLE t (...) WITH (...) LIKE src; nil otherwise.
	Like *ObjectName
	// LikeOptions are the LIKE clause's options as written, upper case and
	// single-spaced: "INCLUDING ALL", "EXCLUDING OPTIONS", ... (additive).
	LikeOptions []string
	// Query is CREATE TABLE t WITH (...) AS query (CTAS); nil otherwise
	// (additive).
	Query *Query
}

// ColumnDef is a physical, computed (AS expr) or metadata column.
type ColumnDef struct {
	Pos      Pos
	Name     Ident
	Type     *TypeName // nil for computed columns
	Computed Expr      // AS expr
	Metadata *MetadataDef
	// Inline PRIMARY KEY NOT ENFORCED on the column.
	PrimaryKey bool
	Comment    string
}

// MetadataDef is METADATA [FROM 'key'] [VIRTUAL].
type MetadataDef struct {
	From    string
	Virtual bool
}

// WatermarkDef is WATERMARK FOR col AS expr.
type WatermarkDef struct {
	Pos    Pos
	Column Ident
	Expr   Expr
}

// PrimaryKeyDef is PRIMARY KEY (cols) NOT ENFORCED.
type PrimaryKeyDef struct {
	Pos         Pos
	Columns     []Ident
	NotEnforced bool
	// Constraint is the name in CONSTRAINT name PRIMARY KEY ...; "" when
	// absent (additive).
	Constraint string
}

// Option is one 'key' = 'value' pair of a WITH clause.
type Option struct {
	Pos   Pos
	Key   string
	Value string
}

// CreateView is CREATE [TEMPORARY] VIEW [IF NOT EXISTS] name [(cols)] AS query.
type CreateView struct {
	Pos         Pos
	Name        ObjectName
	Temporary   bool
	IfNotExists bool
	Columns     []Ident
	Query       *Query
}

// Drop is DROP [TEMPORARY] TABLE|VIEW [IF EXISTS] name.
type Drop struct {
	Pos      Pos
	Kind     string // "TABLE", "VIEW" or "FUNCTION"
	Name     ObjectName
	IfExists bool
	// Temporary is DROP TEMPORARY ...; System is DROP TEMPORARY SYSTEM
	// FUNCTION (additive).
	Temporary, System bool
}

// CreateFunction is CREATE [TEMPORARY [SYSTEM]] FUNCTION [IF NOT EXISTS]
// name AS 'class' [LANGUAGE JAVA|SCALA|PYTHON] (additive).
type CreateFunction struct {
	Pos         Pos
	Name        ObjectName
	Temporary   bool
	System      bool
	IfNotExists bool
	Class       string
	Language    string // upper case; "" when not written
}

// Set is SET 'key' = 'value'; a bare SET (Key == "") lists the settings.
type Set struct {
	Pos   Pos
	Key   string
	Value string
}

// Reset is RESET ['key'].
type Reset struct {
	Pos Pos
	Key string
}

// Insert is INSERT INTO|OVERWRITE table [(cols)] query.
type Insert struct {
	Pos       Pos
	Table     ObjectName
	Overwrite bool
	Columns   []Ident
	Query     *Query
	// Partition is the static partition PARTITION (col = literal, ...)
	// (additive).
	Partition []*PartitionValue
	// Hints are table hints after the target name (additive).
	Hints []*Hint
}

// PartitionValue is one col = literal of INSERT ... PARTITION (...)
// (additive).
type PartitionValue struct {
	Pos    Pos
	Column Ident
	Value  Expr
}

// StatementSet is EXECUTE STATEMENT SET BEGIN insert; ... END or the older
// BEGIN STATEMENT SET; ... END.
type StatementSet struct {
	Pos     Pos
	Inserts []*Insert
}

// QueryStatement is a bare SELECT (or VALUES, or a WITH query).
type QueryStatement struct {
	Pos   Pos
	Query *Query
}

// Explain is EXPLAIN [PLAN FOR] statement, with optional detail keywords
// (EXPLAIN CHANGELOG_MODE, ESTIMATED_COST, JSON_EXECUTION_PLAN ...).
type Explain struct {
	Pos       Pos
	Details   []string
	Statement Statement
}

// Show is SHOW TABLES | VIEWS | FUNCTIONS | CATALOGS | DATABASES ...
type Show struct {
	Pos  Pos
	What string
	// Name is the object of SHOW CREATE TABLE|VIEW name and SHOW COLUMNS
	// FROM name; nil otherwise (additive).
	Name ObjectName
}

// Describe is DESCRIBE|DESC name.
type Describe struct {
	Pos  Pos
	Name ObjectName
}

func (s *CreateTable) Position() Pos    { return s.Pos }
func (s *CreateView) Position() Pos     { return s.Pos }
func (s *Drop) Position() Pos           { return s.Pos }
func (s *Set) Position() Pos            { return s.Pos }
func (s *Reset) Position() Pos          { return s.Pos }
func (s *Insert) Position() Pos         { return s.Pos }
func (s *StatementSet) Position() Pos   { return s.Pos }
func (s *QueryStatement) Position() Pos { return s.Pos }
func (s *Explain) Position() Pos        { return s.Pos }
func (s *Show) Position() Pos           { return s.Pos }
func (s *Describe) Position() Pos       { return s.Pos }
func (s *CreateFunction) Position() Pos { return s.Pos }

func (*CreateTable) stmt()    {}
func (*CreateView) stmt()     {}
func (*Drop) stmt()           {}
func (*Set) stmt()            {}
func (*Reset) stmt()          {}
func (*Insert) stmt()         {}
func (*StatementSet) stmt()   {}
func (*QueryStatement) stmt() {}
func (*Explain) stmt()        {}
func (*Show) stmt()           {}
func (*Describe) stmt()       {}
func (*CreateFunction) stmt() {}

// ---------------------------------------------------------------- queries

// Query is [WITH ...] body [ORDER BY ...] [LIMIT n] [OFFSET n].
type Query struct {
	Pos     Pos
	With    []*CTE
	Body    QueryBody
	OrderBy []*OrderItem
	Limit   Expr
	Offset  Expr
}

// CTE is one WITH name [(cols)] AS (query).
type CTE struct {
	Pos     Pos
	Name    Ident
	Columns []Ident
	Query   *Query
}

// QueryBody is a SELECT, a set operation, VALUES or a parenthesised query.
type QueryBody interface {
	Node
	body()
}

// Select is one SELECT block.
type Select struct {
	Pos      Pos
	Distinct bool
	Items    []*SelectItem
	From     TableRef // nil for SELECT without FROM
	Where    Expr
	GroupBy  []Expr // may contain *GroupingSets
	Having   Expr
	// Windows is the WINDOW w AS (...) clause (additive).
	Windows []*NamedWindow
	// Hints are query hints: SELECT /*+ BROADCAST(t) */ ... (additive).
	Hints []*Hint
	// Qualify is not Flink syntax; kept nil.
}

// NamedWindow is one w AS (spec) of a WINDOW clause (additive).
type NamedWindow struct {
	Pos  Pos
	Name Ident
	Spec *WindowSpec
}

// SelectItem is expr [AS alias], * or t.*.
type SelectItem struct {
	Pos       Pos
	Expr      Expr // nil for * and t.*
	Alias     *Ident
	Star      bool
	Qualifier ObjectName // for t.*
}

// SetOp is left UNION|INTERSECT|EXCEPT [ALL] right.
type SetOp struct {
	Pos         Pos
	Op          string // "UNION", "INTERSECT", "EXCEPT"
	All         bool
	Left, Right QueryBody
}

// Values is VALUES (row), (row) ...
type Values struct {
	Pos  Pos
	Rows [][]Expr
}

// SubqueryBody is a parenthesised query used as a body, e.g. (SELECT ...)
// UNION ALL (SELECT ...).
type SubqueryBody struct {
	Pos   Pos
	Query *Query
}

func (b *Select) Position() Pos       { return b.Pos }
func (b *SetOp) Position() Pos        { return b.Pos }
func (b *Values) Position() Pos       { return b.Pos }
func (b *SubqueryBody) Position() Pos { return b.Pos }
func (*Select) body()                 {}
func (*SetOp) body()                  {}
func (*Values) body()                 {}
func (*SubqueryBody) body()           {}

// OrderItem is expr [ASC|DESC] [NULLS FIRST|LAST].
type OrderItem struct {
	Pos        Pos
	Expr       Expr
	Desc       bool
	NullsFirst *bool // nil when not written
}

// TableRef is something in a FROM clause.
type TableRef interface {
	Node
	tableRef()
}

// TableName is a named table or view, optionally FOR SYSTEM_TIME AS OF expr,
// optionally with an alias and column aliases.
type TableName struct {
	Pos        Pos
	Name       ObjectName
	SystemTime Expr // FOR SYSTEM_TIME AS OF expr
	Alias      *Ident
	ColAliases []Ident
	Hints      []*Hint // /*+ OPTIONS('k'='v') */
}

// Hint is a table hint such as /*+ OPTIONS('k'='v') */.
type Hint struct {
	Pos     Pos
	Name    string
	Options []*Option // for OPTIONS
	Args    []string  // other hints' arguments
}

// SubqueryRef is (query) [AS] alias [(cols)].
type SubqueryRef struct {
	Pos        Pos
	Query      *Query
	Alias      *Ident
	ColAliases []Ident
}

// TableFunc is TABLE(f(args)) or LATERAL TABLE(f(args)) in FROM, e.g. the
// window TVFs TABLE(TUMBLE(TABLE bid, DESCRIPTOR(ts), INTERVAL '10' SECOND)).
type TableFunc struct {
	Pos        Pos
	Call       *Call
	Lateral    bool
	Alias      *Ident
	ColAliases []Ident
}

// Unnest is UNNEST(expr) [WITH ORDINALITY] [AS] alias [(cols)].
type Unnest struct {
	Pos            Pos
	Exprs          []Expr
	WithOrdinality bool
	Alias          *Ident
	ColAliases     []Ident
}

// JoinKind is the kind of a join.
type JoinKind uint8

const (
	InnerJoin JoinKind = iota
	LeftJoin
	RightJoin
	FullJoin
	CrossJoin // also the comma in FROM a, b
)

func (k JoinKind) String() string {
	return [...]string{"INNER", "LEFT", "RIGHT", "FULL", "CROSS"}[k]
}

// Join is left [kind] JOIN right ON cond | USING (cols).
type Join struct {
	Pos         Pos
	Kind        JoinKind
	Left, Right TableRef
	On          Expr
	Using       []Ident
	Natural     bool
}

func (t *TableName) Position() Pos   { return t.Pos }
func (t *SubqueryRef) Position() Pos { return t.Pos }
func (t *TableFunc) Position() Pos   { return t.Pos }
func (t *Unnest) Position() Pos      { return t.Pos }
func (t *Join) Position() Pos        { return t.Pos }
func (*TableName) tableRef()         {}
func (*SubqueryRef) tableRef()       {}
func (*TableFunc) tableRef()         {}
func (*Unnest) tableRef()            {}
func (*Join) tableRef()              {}

// ---------------------------------------------------------------- types

// TypeName is a SQL type as written.
type TypeName struct {
	Pos  Pos
	Name string // upper case: INT, INTEGER, BIGINT, VARCHAR, STRING, DECIMAL, TIMESTAMP, TIMESTAMP_LTZ, ARRAY, MAP, ROW, MULTISET, INTERVAL, ...
	// Params are the numbers in parentheses: VARCHAR(10), DECIMAL(10, 2), TIMESTAMP(3).
	Params []int
	// WithLocalTimeZone is TIMESTAMP(p) WITH LOCAL TIME ZONE.
	WithLocalTimeZone bool
	Elem              *TypeName // ARRAY<elem>, MULTISET<elem>, MAP value
	Key               *TypeName // MAP key
	Fields            []*RowField
	NotNull           bool
	// IntervalFrom/IntervalTo for INTERVAL DAY TO SECOND and the like.
	IntervalFrom, IntervalTo string
	// For INTERVAL types Params holds the leading unit's precision and
	// IntervalToParams the trailing unit's: INTERVAL DAY(2) TO SECOND(3)
	// (additive).
	IntervalToParams []int
}

// RowField is one field of ROW<name type, ...>.
type RowField struct {
	Pos     Pos
	Name    Ident
	Type    *TypeName
	Comment string
}

// ---------------------------------------------------------------- expressions

// Expr is an expression.
type Expr interface {
	Node
	expr()
}

// ColumnRef is a (possibly qualified or nested) name: a, t.a, t.a.b.
type ColumnRef struct {
	Pos   Pos
	Parts []Ident
}

// NumberLit is a numeric literal as written: 1, 1.5, 1e3, .5.
type NumberLit struct {
	Pos  Pos
	Text string
}

// StringLit is 'text' (quotes removed, ” unescaped).
type StringLit struct {
	Pos   Pos
	Value string
}

// BinaryLit is X'0A1B' (hex digits as written).
type BinaryLit struct {
	Pos Pos
	Hex string
}

// BoolLit is TRUE or FALSE.
type BoolLit struct {
	Pos   Pos
	Value bool
}

// NullLit is NULL.
type NullLit struct {
	Pos Pos
}

// TypedLit is DATE '...', TIME '...', TIMESTAMP '...', TIMESTAMP_LTZ '...'.
type TypedLit struct {
	Pos   Pos
	Type  string // "DATE", "TIME", "TIMESTAMP", "TIMESTAMP_LTZ"
	Value string
}

// IntervalLit is INTERVAL [-]'value' unit [(p)] [TO unit], e.g.
// INTERVAL '10' SECOND, INTERVAL '1 02:03' DAY TO MINUTE.
type IntervalLit struct {
	Pos      Pos
	Negative bool
	Value    string
	From     string // YEAR, MONTH, DAY, HOUR, MINUTE, SECOND (singular, upper case)
	To       string // "" when absent
	// FromPrecision and ToPrecision are the unit precisions as written:
	// INTERVAL '10' SECOND(3), INTERVAL '1 2' DAY(2) TO HOUR; nil when
	// absent (additive).
	FromPrecision, ToPrecision []int
}

// Symbol is a keyword argument of a special form: YEAR in EXTRACT(YEAR FROM
// x), LEADING in TRIM, DAY in CEIL(ts TO DAY), the unit of TIMESTAMPADD.
type Symbol struct {
	Pos  Pos
	Name string // upper case
}

// Unary is -x, +x or NOT x.
type Unary struct {
	Pos Pos
	Op  string // "-", "+", "NOT"
	X   Expr
}

// Binary is l op r for + - * / % || = <> < <= > >= AND OR.
type Binary struct {
	Pos  Pos
	Op   string // "<>" also for "!="
	L, R Expr
}

// IsNull is x IS [NOT] NULL.
type IsNull struct {
	Pos Pos
	X   Expr
	Not bool
}

// IsBool is x IS [NOT] TRUE|FALSE|UNKNOWN.
type IsBool struct {
	Pos   Pos
	X     Expr
	Not   bool
	Value string // "TRUE", "FALSE", "UNKNOWN"
}

// IsDistinctFrom is l IS [NOT] DISTINCT FROM r.
type IsDistinctFrom struct {
	Pos  Pos
	L, R Expr
	Not  bool
}

// Between is x [NOT] BETWEEN [SYMMETRIC] low AND high.
type Between struct {
	Pos       Pos
	X         Expr
	Low, High Expr
	Not       bool
	Symmetric bool
}

// In is x [NOT] IN (list) or x [NOT] IN (query).
type In struct {
	Pos   Pos
	X     Expr
	List  []Expr
	Query *Query
	Not   bool
}

// Like is x [NOT] LIKE|SIMILAR TO pattern [ESCAPE e].
type Like struct {
	Pos     Pos
	X       Expr
	Pattern Expr
	Escape  Expr
	Not     bool
	Similar bool
}

// Exists is EXISTS (query).
type Exists struct {
	Pos   Pos
	Query *Query
}

// Subquery is a scalar subquery (query) in an expression.
type Subquery struct {
	Pos   Pos
	Query *Query
}

// Case is CASE [operand] WHEN ... THEN ... [ELSE ...] END.
type Case struct {
	Pos     Pos
	Operand Expr
	Whens   []*When
	Else    Expr
}

// When is one WHEN cond THEN result.
type When struct {
	Pos    Pos
	Cond   Expr
	Result Expr
}

// Cast is CAST(x AS type) or TRY_CAST(x AS type).
type Cast struct {
	Pos  Pos
	X    Expr
	Type *TypeName
	Try  bool
}

// Call is a function call: f(args), COUNT(*), COUNT(DISTINCT x),
// agg(x) FILTER (WHERE cond), f(x) OVER (...), and the normalised special
// forms listed in the package doc.
type Call struct {
	Pos      Pos
	Name     ObjectName // function name as written; compare case-insensitively
	Args     []Expr
	Distinct bool
	Star     bool // COUNT(*)
	NoParens bool // CURRENT_TIMESTAMP, CURRENT_DATE, LOCALTIMESTAMP, ...
	Filter   Expr // FILTER (WHERE cond)
	Over     *WindowSpec
	// IgnoreNulls is FIRST_VALUE(x) IGNORE NULLS and similar.
	IgnoreNulls bool
}

// WindowSpec is OVER (PARTITION BY ... ORDER BY ... frame) or OVER w.
type WindowSpec struct {
	Pos         Pos
	Name        string // OVER w referring to a WINDOW clause (rare)
	PartitionBy []Expr
	OrderBy     []*OrderItem
	Frame       *Frame
}

// Frame is ROWS|RANGE BETWEEN start AND end.
type Frame struct {
	Pos        Pos
	Rows       bool // ROWS; false is RANGE
	Start, End *FrameBound
}

// FrameBound is UNBOUNDED PRECEDING, n PRECEDING, CURRENT ROW, n FOLLOWING,
// UNBOUNDED FOLLOWING.
type FrameBound struct {
	Pos    Pos
	Kind   string // "UNBOUNDED PRECEDING", "PRECEDING", "CURRENT ROW", "FOLLOWING", "UNBOUNDED FOLLOWING"
	Offset Expr   // for PRECEDING/FOLLOWING
}

// Descriptor is DESCRIPTOR(col, ...) in a table-valued function call.
type Descriptor struct {
	Pos     Pos
	Columns []Ident
}

// TableArg is TABLE name as an argument of a table-valued function.
type TableArg struct {
	Pos  Pos
	Name ObjectName
	// PartitionBy is TABLE t PARTITION BY k (or PARTITION BY (k1, k2)), as
	// in SESSION(TABLE t PARTITION BY k, ...) (additive).
	PartitionBy []Expr
}

// NamedArg is name => value in a function call (e.g. SIZE => INTERVAL ...).
type NamedArg struct {
	Pos   Pos
	Name  Ident
	Value Expr
}

// Subscript is x[index]: array element (1-based) or map value.
type Subscript struct {
	Pos   Pos
	X     Expr
	Index Expr
}

// FieldAccess is (expr).field for a ROW-valued expression that is not a
// plain column path.
type FieldAccess struct {
	Pos   Pos
	X     Expr
	Field Ident
}

// ArrayCtor is ARRAY[e, ...].
type ArrayCtor struct {
	Pos   Pos
	Elems []Expr
}

// MapCtor is MAP[k1, v1, k2, v2, ...].
type MapCtor struct {
	Pos   Pos
	Elems []Expr
}

// RowCtor is ROW(e, ...) or (e1, e2, ...).
type RowCtor struct {
	Pos   Pos
	Elems []Expr
}

// GroupingSets is GROUPING SETS (...), ROLLUP (...) or CUBE (...) in GROUP BY.
type GroupingSets struct {
	Pos  Pos
	Kind string // "GROUPING SETS", "ROLLUP", "CUBE"
	Sets [][]Expr
}

func (e *ColumnRef) Position() Pos      { return e.Pos }
func (e *NumberLit) Position() Pos      { return e.Pos }
func (e *StringLit) Position() Pos      { return e.Pos }
func (e *BinaryLit) Position() Pos      { return e.Pos }
func (e *BoolLit) Position() Pos        { return e.Pos }
func (e *NullLit) Position() Pos        { return e.Pos }
func (e *TypedLit) Position() Pos       { return e.Pos }
func (e *IntervalLit) Position() Pos    { return e.Pos }
func (e *Symbol) Position() Pos         { return e.Pos }
func (e *Unary) Position() Pos          { return e.Pos }
func (e *Binary) Position() Pos         { return e.Pos }
func (e *IsNull) Position() Pos         { return e.Pos }
func (e *IsBool) Position() Pos         { return e.Pos }
func (e *IsDistinctFrom) Position() Pos { return e.Pos }
func (e *Between) Position() Pos        { return e.Pos }
func (e *In) Position() Pos             { return e.Pos }
func (e *Like) Position() Pos           { return e.Pos }
func (e *Exists) Position() Pos         { return e.Pos }
func (e *Subquery) Position() Pos       { return e.Pos }
func (e *Case) Position() Pos           { return e.Pos }
func (e *Cast) Position() Pos           { return e.Pos }
func (e *Call) Position() Pos           { return e.Pos }
func (e *Descriptor) Position() Pos     { return e.Pos }
func (e *TableArg) Position() Pos       { return e.Pos }
func (e *NamedArg) Position() Pos       { return e.Pos }
func (e *Subscript) Position() Pos      { return e.Pos }
func (e *FieldAccess) Position() Pos    { return e.Pos }
func (e *ArrayCtor) Position() Pos      { return e.Pos }
func (e *MapCtor) Position() Pos        { return e.Pos }
func (e *RowCtor) Position() Pos        { return e.Pos }
func (e *GroupingSets) Position() Pos   { return e.Pos }

func (*ColumnRef) expr()      {}
func (*NumberLit) expr()      {}
func (*StringLit) expr()      {}
func (*BinaryLit) expr()      {}
func (*BoolLit) expr()        {}
func (*NullLit) expr()        {}
func (*TypedLit) expr()       {}
func (*IntervalLit) expr()    {}
func (*Symbol) expr()         {}
func (*Unary) expr()          {}
func (*Binary) expr()         {}
func (*IsNull) expr()         {}
func (*IsBool) expr()         {}
func (*IsDistinctFrom) expr() {}
func (*Between) expr()        {}
func (*In) expr()             {}
func (*Like) expr()           {}
func (*Exists) expr()         {}
func (*Subquery) expr()       {}
func (*Case) expr()           {}
func (*Cast) expr()           {}
func (*Call) expr()           {}
func (*Descriptor) expr()     {}
func (*TableArg) expr()       {}
func (*NamedArg) expr()       {}
func (*Subscript) expr()      {}
func (*FieldAccess) expr()    {}
func (*ArrayCtor) expr()      {}
func (*MapCtor) expr()        {}
func (*RowCtor) expr()        {}
func (*GroupingSets) expr()   {}
