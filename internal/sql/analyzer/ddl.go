package analyzer

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sluicehq/sluice/internal/hint"
	"github.com/sluicehq/sluice/internal/sql/ast"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

func (s *Session) createTable(st *ast.CreateTable) (Action, error) {
	key := objectKey(st.Name)
	if s.exists(key) {
		if st.IfNotExists {
			return Done{}, nil
		}
		return nil, ast.Errorf(st.Pos, "a table or view named '%s' already exists", key)
	}
	if st.Query != nil {
		return nil, ast.Errorf(st.Pos, "CREATE TABLE ... AS SELECT is not supported yet; declare the table and use INSERT INTO")
	}
	if st.Like != nil {
		return nil, ast.Errorf(st.Pos, "CREATE TABLE ... LIKE is not supported yet")
	}
	t := &plan.Table{Name: key, Options: map[string]string{}}
	seen := map[string]bool{}
	// Physical columns first, so computed columns can refer to them.
	var phys []types.Field
	for _, c := range st.Columns {
		if seen[c.Name.Name] {
			return nil, ast.Errorf(c.Pos, "column '%s' is declared twice", c.Name.Name)
		}
		seen[c.Name.Name] = true
		if c.Computed != nil || c.Metadata != nil {
			continue
		}
		ty, err := convertType(c.Type)
		if err != nil {
			return nil, err
		}
		phys = append(phys, types.Field{Name: c.Name.Name, Type: ty})
	}
	physScope := newScope()
	physScope.add("", types.Schema{Fields: phys}, 0)
	pi := 0
	for _, c := range st.Columns {
		switch {
		case c.Metadata != nil:
			col, err := s.metadataColumn(st, c)
			if err != nil {
				return nil, err
			}
			t.Columns = append(t.Columns, col)
		case c.Computed != nil:
			e, err := s.newExprBuilder(physScope).build(c.Computed)
			if err != nil {
				return nil, err
			}
			t.Columns = append(t.Columns, plan.Column{Name: c.Name.Name, Type: e.Type(), Computed: e})
		default:
			t.Columns = append(t.Columns, plan.Column{Name: c.Name.Name, Type: phys[pi].Type})
			pi++
		}
		if c.PrimaryKey {
			t.PrimaryKey = append(t.PrimaryKey, len(t.Columns)-1)
		}
	}
	if err := s.tablePrimaryKey(st, t); err != nil {
		return nil, err
	}
	if err := s.tableWatermark(st, t); err != nil {
		return nil, err
	}
	for _, o := range st.Options {
		if _, dup := t.Options[o.Key]; dup {
			return nil, ast.Errorf(o.Pos, "option '%s' is given twice", o.Key)
		}
		t.Options[o.Key] = o.Value
	}
	f, opts, fs, err := s.connectors.Resolve(key, t.Options)
	if err != nil {
		return nil, &ast.Error{Pos: optionPos(st, err.Error()), Msg: err.Error()}
	}
	t.Connector = f
	t.Resolved.Table = key
	t.Resolved.Schema = t.PhysicalSchema()
	t.Resolved.Options = opts
	t.Resolved.Format = fs
	for _, k := range t.PrimaryKey {
		t.Resolved.PrimaryKey = append(t.Resolved.PrimaryKey, physicalIndex(t, k))
	}
	s.tables[key] = t
	return Done{}, nil
}

// optionPos points an option error at the option it names: the first
// option other than 'connector' whose key the message quotes, else the
// 'connector' option, else the statement.
func optionPos(st *ast.CreateTable, msg string) ast.Pos {
	var conn *ast.Option
	for _, o := range st.Options {
		if o.Key == "connector" {
			conn = o
			continue
		}
		if strings.Contains(msg, "'"+o.Key+"'") {
			return o.Pos
		}
	}
	if conn != nil {
		return conn.Pos
	}
	return st.Pos
}

// metadataColumn resolves c TYPE METADATA [FROM 'key'] [VIRTUAL] against the
// connector's declared metadata.
func (s *Session) metadataColumn(st *ast.CreateTable, c *ast.ColumnDef) (plan.Column, error) {
	name := optionValue(st.Options, "connector")
	f, err := s.connectors.Connector(name)
	if err != nil {
		return plan.Column{}, ast.Errorf(c.Pos, "metadata column '%s': %v", c.Name.Name, err)
	}
	key := c.Metadata.From
	if key == "" {
		key = c.Name.Name
	}
	want, ok := f.Metadata[key]
	if !ok {
		keys := make([]string, 0, len(f.Metadata))
		for k := range f.Metadata {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		e := ast.Errorf(c.Pos, "connector '%s' has no metadata key '%s'", name, key)
		if len(keys) == 0 {
			e.Hint = "this connector provides no metadata columns"
		} else {
			e.Hint = "metadata keys: " + strings.Join(keys, ", ") + strings.TrimPrefix(hint.DidYouMean(key, keys), ";")
		}
		return plan.Column{}, e
	}
	ty, err := convertType(c.Type)
	if err != nil {
		return plan.Column{}, err
	}
	if !ty.EqualIgnoringNull(want) {
		return plan.Column{}, ast.Errorf(c.Type.Pos, "metadata key '%s' of connector '%s' is %s; declare the column with that type (got %s)", key, name, want.WithNullable(true), ty)
	}
	return plan.Column{Name: c.Name.Name, Type: ty, Metadata: key, Virtual: c.Metadata.Virtual}, nil
}

func optionValue(opts []*ast.Option, key string) string {
	for _, o := range opts {
		if o.Key == key {
			return o.Value
		}
	}
	return ""
}

func physicalIndex(t *plan.Table, col int) int {
	n := 0
	for i := 0; i < col; i++ {
		if t.Columns[i].IsPhysical() {
			n++
		}
	}
	return n
}

func columnIndex(t *plan.Table, id ast.Ident) (int, error) {
	for i, c := range t.Columns {
		if c.Name == id.Name {
			return i, nil
		}
	}
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = c.Name
	}
	e := ast.Errorf(id.Pos, "unknown column '%s' in table '%s'", id.Name, t.Name)
	e.Hint = strings.TrimPrefix(hint.DidYouMean(id.Name, names), "; ")
	if e.Hint == "" {
		e.Hint = "columns: " + strings.Join(names, ", ")
	}
	return 0, e
}

func (s *Session) tablePrimaryKey(st *ast.CreateTable, t *plan.Table) error {
	if st.PrimaryKey == nil {
		return nil
	}
	if len(t.PrimaryKey) > 0 {
		return ast.Errorf(st.PrimaryKey.Pos, "a table can have only one primary key")
	}
	if !st.PrimaryKey.NotEnforced {
		return ast.Errorf(st.PrimaryKey.Pos, "Flink doesn't support ENFORCED mode for PRIMARY KEY constraint; write PRIMARY KEY (...) NOT ENFORCED")
	}
	for _, id := range st.PrimaryKey.Columns {
		i, err := columnIndex(t, id)
		if err != nil {
			return err
		}
		if t.Columns[i].Computed != nil {
			return ast.Errorf(id.Pos, "primary key column '%s' must be a physical column", id.Name)
		}
		t.Columns[i].Type = t.Columns[i].Type.NotNull()
		t.PrimaryKey = append(t.PrimaryKey, i)
	}
	return nil
}

func (s *Session) tableWatermark(st *ast.CreateTable, t *plan.Table) error {
	w := st.Watermark
	if w == nil {
		return nil
	}
	col, err := columnIndex(t, w.Column)
	if err != nil {
		return err
	}
	ct := t.Columns[col].Type
	if !ct.IsTimestamp() || ct.Precision > 3 {
		return ast.Errorf(w.Column.Pos, "invalid data type of time field for watermark definition: column '%s' is %s; the field must be of type TIMESTAMP(p) or TIMESTAMP_LTZ(p) with p from 0 to 3", w.Column.Name, ct)
	}
	// The watermark expression sees every column (physical and computed).
	full := newScope()
	full.add("", t.Schema(), 0)
	e, err := s.newExprBuilder(full).build(w.Expr)
	if err != nil {
		return err
	}
	if !e.Type().IsTimestamp() {
		return ast.Errorf(w.Expr.Position(), "the watermark expression must return TIMESTAMP(p) or TIMESTAMP_LTZ(p), but returns %s", e.Type())
	}
	t.Columns[col].Type = ct.WithTimeAttr(types.RowTime)
	t.Watermark = &plan.WatermarkSpec{Column: col, Expr: e, Text: "`" + w.Column.Name + "` - ..."}
	t.Watermark.Text = e.String()
	return nil
}

// convertType maps a written type to a types.Type.
func convertType(tn *ast.TypeName) (types.Type, error) {
	t, err := convertTypeNullable(tn)
	if err != nil {
		return t, err
	}
	if tn.NotNull {
		t = t.NotNull()
	}
	return t, nil
}

func param(tn *ast.TypeName, i, def int) int {
	if i < len(tn.Params) {
		return tn.Params[i]
	}
	return def
}

func convertTypeNullable(tn *ast.TypeName) (types.Type, error) {
	bad := func(format string, args ...any) (types.Type, error) {
		return types.Type{}, ast.Errorf(tn.Pos, format, args...)
	}
	switch tn.Name {
	case "BOOLEAN":
		return types.BooleanType, nil
	case "TINYINT":
		return types.TinyIntType, nil
	case "SMALLINT":
		return types.SmallIntType, nil
	case "INT":
		return types.IntType, nil
	case "BIGINT":
		return types.BigIntType, nil
	case "FLOAT":
		return types.FloatType, nil
	case "DOUBLE":
		return types.DoubleType, nil
	case "DECIMAL":
		p, s := param(tn, 0, 10), param(tn, 1, 0)
		if p < 1 || p > 38 {
			return bad("DECIMAL precision must be between 1 and 38, got %d", p)
		}
		if s < 0 || s > p {
			return bad("DECIMAL scale must be between 0 and the precision %d, got %d", p, s)
		}
		return types.DecimalType(p, s), nil
	case "CHAR":
		return types.CharType(param(tn, 0, 1)), nil
	case "VARCHAR":
		// Without a length, VARCHAR is STRING in Flink SQL (its type
		// system's default precision for VARCHAR is Integer.MAX_VALUE); the
		// length 1 default is the Table API's, and would truncate.
		return types.VarCharType(param(tn, 0, types.MaxLength)), nil
	case "STRING":
		return types.StringType, nil
	case "BINARY":
		return types.Type{ID: types.Binary, Nullable: true, Precision: param(tn, 0, 1)}, nil
	case "VARBINARY":
		return types.Type{ID: types.VarBinary, Nullable: true, Precision: param(tn, 0, types.MaxLength)}, nil
	case "BYTES":
		return types.BytesType, nil
	case "DATE":
		return types.DateType, nil
	case "TIME":
		p := param(tn, 0, 0)
		if p < 0 || p > 9 {
			return bad("TIME precision must be between 0 and 9, got %d", p)
		}
		return types.TimeType(p), nil
	case "TIMESTAMP", "TIMESTAMP_LTZ":
		p := param(tn, 0, 6)
		if p < 0 || p > 9 {
			return bad("%s precision must be between 0 and 9, got %d", tn.Name, p)
		}
		if tn.Name == "TIMESTAMP_LTZ" || tn.WithLocalTimeZone {
			return types.TimestampLTZType(p), nil
		}
		return types.TimestampType(p), nil
	case "INTERVAL":
		switch tn.IntervalFrom {
		case "YEAR", "MONTH":
			return types.IntervalYM, nil
		}
		return types.IntervalDT, nil
	case "ARRAY", "MULTISET":
		if tn.Elem == nil {
			return bad("%s needs an element type, e.g. %s<INT>", tn.Name, tn.Name)
		}
		e, err := convertType(tn.Elem)
		if err != nil {
			return e, err
		}
		if tn.Name == "MULTISET" {
			return types.Type{ID: types.Multiset, Nullable: true, Elem: &e}, nil
		}
		return types.ArrayType(e), nil
	case "MAP":
		if tn.Key == nil || tn.Elem == nil {
			return bad("MAP needs key and value types, e.g. MAP<STRING, INT>")
		}
		k, err := convertType(tn.Key)
		if err != nil {
			return k, err
		}
		v, err := convertType(tn.Elem)
		if err != nil {
			return v, err
		}
		return types.MapType(k, v), nil
	case "ROW":
		fs := make([]types.Field, len(tn.Fields))
		for i, f := range tn.Fields {
			ft, err := convertType(f.Type)
			if err != nil {
				return ft, err
			}
			fs[i] = types.Field{Name: f.Name.Name, Type: ft}
		}
		return types.RowOf(fs...), nil
	}
	return bad("unknown type %s; supported: BOOLEAN, TINYINT, SMALLINT, INT, BIGINT, FLOAT, DOUBLE, DECIMAL(p, s), CHAR(n), VARCHAR(n), STRING, BINARY(n), VARBINARY(n), BYTES, DATE, TIME(p), TIMESTAMP(p), TIMESTAMP_LTZ(p), INTERVAL, ARRAY<T>, MAP<K, V>, MULTISET<T>, ROW<...>", tn.Name)
}

var _ = fmt.Sprintf
