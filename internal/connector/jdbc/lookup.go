package jdbc

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/types"
)

// Source is a jdbc table's lookup source. It is safe for concurrent use.
type Source struct {
	s        *settings
	schema   types.Schema
	cols     []string
	keys     []int // lookup key columns, indexes into schema
	keyNames []string
	fold     bool // match string keys ignoring case and trailing spaces
	table    string
	maxKeys  int // keys per statement: the parameter limit, a power of two
	db       *sql.DB
	checked  atomic.Bool // the database column types were checked

	mu    sync.Mutex
	stmts map[int]*sql.Stmt // by number of keys
}

var (
	_ connector.LookupSource  = (*Source)(nil)
	_ connector.LookupScanner = (*Source)(nil)
)

// NewLookup validates a jdbc table's options and columns and returns its
// lookup source. It does not connect: the first Lookup or Scan does.
func NewLookup(ctx connector.LookupContext) (*Source, error) {
	s, err := parseSettings(ctx.CreateContext)
	if err != nil {
		return nil, err
	}
	src := &Source{s: s, schema: ctx.Schema, cols: ctx.Schema.Names(), keys: ctx.Keys,
		table: s.quotedTable(), stmts: map[int]*sql.Stmt{}}
	for _, f := range ctx.Schema.Fields {
		if !supported(f.Type) {
			return nil, s.errorf("column '%s' has type %s, which the jdbc connector cannot read; use BOOLEAN, TINYINT..BIGINT, FLOAT, DOUBLE, DECIMAL, CHAR, VARCHAR/STRING, BINARY, BYTES, DATE, TIME, TIMESTAMP or TIMESTAMP_LTZ",
				f.Name, f.Type)
		}
	}
	if len(ctx.Keys) == 0 {
		return nil, s.errorf("a lookup needs at least one key column (the join's equality condition on the table's columns)")
	}
	for _, k := range ctx.Keys {
		if k < 0 || k >= ctx.Schema.Len() {
			return nil, s.errorf("lookup key column %d is not a column of the table (it has %d)", k, ctx.Schema.Len())
		}
		src.keyNames = append(src.keyNames, src.cols[k])
		if ctx.Schema.Fields[k].Type.IsString() && s.dialect.foldStrings() {
			src.fold = true
		}
	}
	src.maxKeys = 1
	for src.maxKeys*2*len(ctx.Keys) <= s.dialect.maxParams() {
		src.maxKeys *= 2
	}
	db, err := s.dialect.open(s)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(s.maxOpen)
	db.SetMaxIdleConns(s.maxOpen)
	src.db = db
	return src, nil
}

// padded is the number of keys a statement for n keys has: the next power
// of two up to 1024, the next multiple of 1024 above, at most maxKeys.
func (src *Source) padded(n int) int {
	p := 1
	if n > 1024 {
		p = (n + 1023) / 1024 * 1024
	} else {
		for p < n {
			p *= 2
		}
	}
	return min(p, src.maxKeys)
}

// Lookup returns the rows of each key: one SELECT per chunk of at most
// maxKeys keys. A key with a NULL column matches nothing.
func (src *Source) Lookup(ctx context.Context, keys []types.Row) ([][]types.Row, error) {
	out := make([][]types.Row, len(keys))
	index := make(map[string][]int, len(keys))
	distinct := make([]int, 0, len(keys)) // one key index per distinct (folded) key
	var buf []byte
	for i, k := range keys {
		if len(k) != len(src.keys) {
			return nil, src.s.errorf("a lookup key has %d values, the lookup has %d key columns", len(k), len(src.keys))
		}
		if k.HasNull() {
			continue
		}
		buf = src.keyBytes(buf[:0], k, nil)
		if _, seen := index[string(buf)]; !seen {
			distinct = append(distinct, i)
		}
		index[string(buf)] = append(index[string(buf)], i)
	}
	for start := 0; start < len(distinct); start += src.maxKeys {
		chunk := distinct[start:min(start+src.maxKeys, len(distinct))]
		n := src.padded(len(chunk))
		args := make([]any, 0, n*len(src.keys))
		for i := 0; i < n; i++ {
			k := keys[chunk[min(i, len(chunk)-1)]]
			for j, c := range src.keys {
				args = append(args, toArg(k[j], src.schema.Fields[c].Type))
			}
		}
		stmt, err := src.stmt(ctx, n)
		if err != nil {
			return nil, err
		}
		rows, err := stmt.QueryContext(ctx, args...)
		if err != nil {
			return nil, src.queryError(err)
		}
		err = src.read(rows, func(row types.Row) error {
			buf = src.keyBytes(buf[:0], row, src.keys)
			for n, i := range index[string(buf)] {
				if n > 0 {
					row = row.Clone()
				}
				out[i] = append(out[i], row)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Scan calls fn with every row of the table, from one streamed SELECT, in
// the calling goroutine.
func (src *Source) Scan(ctx context.Context, fn func(types.Row) error) error {
	rows, err := src.db.QueryContext(ctx, selectSQL(src.s.dialect, src.cols, src.table, nil, 0))
	if err != nil {
		return src.queryError(err)
	}
	return src.read(rows, fn)
}

// Close closes the connection pool.
func (src *Source) Close() error {
	src.mu.Lock()
	for _, st := range src.stmts {
		st.Close()
	}
	src.stmts = nil
	src.mu.Unlock()
	return src.db.Close()
}

// keyBytes encodes a key (cols == nil: the row is the key; otherwise the
// row's cols), folding strings when the database compares them so.
func (src *Source) keyBytes(dst []byte, row types.Row, cols []int) []byte {
	for j := range src.keys {
		v := row[j]
		if cols != nil {
			v = row[cols[j]]
		}
		if src.fold && v.K == types.KindString {
			v = types.StringValue(strings.ToLower(strings.TrimRight(v.S, " ")))
		}
		dst = types.AppendValueKey(dst, v)
	}
	return dst
}

// stmt returns the prepared statement for n keys.
func (src *Source) stmt(ctx context.Context, n int) (*sql.Stmt, error) {
	src.mu.Lock()
	defer src.mu.Unlock()
	if src.stmts == nil {
		return nil, src.s.errorf("lookup after Close")
	}
	if st, ok := src.stmts[n]; ok {
		return st, nil
	}
	st, err := src.db.PrepareContext(ctx, selectSQL(src.s.dialect, src.cols, src.table, src.keyNames, n))
	if err != nil {
		return nil, src.queryError(err)
	}
	src.stmts[n] = st
	return st, nil
}

// queryError tells an error the database returned (a missing table or
// column, no permission) from a failure to reach it.
func (src *Source) queryError(err error) error {
	var pg *pgconn.PgError
	var my *mysql.MySQLError
	if errors.As(err, &pg) || errors.As(err, &my) {
		return fmt.Errorf("jdbc table '%s': query on %s failed: %w; check 'table-name' ('%s') and that the database table has the columns %s",
			src.s.table, src.s.where(), err, src.s.dbTable, strings.Join(src.cols, ", "))
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return connError(src.s, err)
}

// read converts the result rows and passes them to fn, then closes rows.
func (src *Source) read(rows *sql.Rows, fn func(types.Row) error) (err error) {
	defer func() {
		if cerr := rows.Close(); err == nil && cerr != nil {
			err = src.queryError(cerr)
		}
	}()
	if !src.checked.Load() {
		if err := src.checkColumns(rows); err != nil {
			return err
		}
	}
	ncols := len(src.cols)
	dest := make([]any, ncols)
	ptrs := make([]any, ncols)
	for i := range dest {
		ptrs[i] = &dest[i]
	}
	var slab []types.Value
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return src.queryError(err)
		}
		if len(slab) < ncols {
			slab = make([]types.Value, 64*ncols)
		}
		row := types.Row(slab[:ncols:ncols])
		slab = slab[ncols:]
		for i, f := range src.schema.Fields {
			v, err := toValue(dest[i], f.Type)
			if err == nil && v.IsNull() && !f.Type.Nullable {
				err = fmt.Errorf("NULL in a column declared NOT NULL")
			}
			if err != nil {
				return src.s.errorf("column '%s' (database table '%s'): %v", f.Name, src.s.dbTable, err)
			}
			row[i] = v
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return src.queryError(err)
	}
	return nil
}

// checkColumns compares the result's database column types with the
// declared ones.
func (src *Source) checkColumns(rows *sql.Rows) error {
	cts, err := rows.ColumnTypes()
	if err != nil {
		return src.queryError(err)
	}
	if len(cts) != len(src.cols) {
		return src.s.errorf("the query returned %d columns, not %d", len(cts), len(src.cols))
	}
	for i, ct := range cts {
		f := src.schema.Fields[i]
		db := ct.DatabaseTypeName()
		if db != "" && !compatible(f.Type, db) {
			return src.s.errorf("column '%s' is %s in database table '%s' and does not convert to the declared %s; declare it as %s",
				f.Name, db, src.s.dbTable, f.Type, suggest(db))
		}
	}
	src.checked.Store(true)
	return nil
}
