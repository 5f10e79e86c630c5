package redis

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/types"
)

// Options is the 'redis' connector's option spec followed by the lookup
// options every lookup connector accepts ('format' and its options are
// added by the registry).
var Options = append([]config.Spec{
	{Key: "host", Type: config.String, Default: "127.0.0.1", Description: "Redis server host."},
	{Key: "port", Type: config.Int, Default: "6379", Description: "Redis server port."},
	{Key: "password", Type: config.String, Secret: true, Description: "Password (AUTH) of the Redis server."},
	{Key: "database", Type: config.Int, Default: "0", Description: "Redis logical database number (SELECT)."},
	{Key: "data-type", Type: config.Enum, Values: []string{"string", "hash"}, Default: "string",
		Description: "How a row is stored: 'string' (the key's value is the non-key columns encoded with 'format') or 'hash' (one field per non-key column, as text)."},
	{Key: "key-prefix", Type: config.String,
		Description: "Prefix of every Redis key of the table; the rest of the key is the primary-key values as text, joined with ':'."},
	{Key: "connection.timeout", Type: config.Duration, Default: "5 s",
		Description: "Sluice extension: how long connecting, reading or writing may take before a request fails."},
}, connector.LookupOptions...)

// New returns the 'redis' connector.
func New() *connector.Factory {
	return &connector.Factory{
		Name: "redis",
		Description: "Looks up (lookup joins) and upserts rows kept in Redis, one key per row: key-prefix + primary-key values joined with ':'. " +
			"'data-type' = 'string' stores the non-key columns encoded with 'format'; 'hash' stores one field per non-key column as text ('format' is then unused). " +
			"A lookup is one MGET or one pipeline of HGETALL; 'lookup.cache' = 'FULL' loads the table with SCAN. " +
			"The sink writes +I/+U as SET or DEL+HSET (in one MULTI per batch) and -D as DEL.",
		Options:    Options,
		UsesFormat: true,
		NewLookup: func(ctx connector.LookupContext) (connector.LookupSource, error) {
			return NewLookup(ctx)
		},
		NewSink: func(ctx connector.CreateContext) (connector.Sink, error) {
			return NewSink(ctx)
		},
	}
}

// table is a redis table's validated configuration.
type table struct {
	name     string // the Sluice table, for errors
	addr     string
	password string
	db       int
	hash     bool
	prefix   string
	timeout  time.Duration
	schema   types.Schema
	pk       []int // primary-key columns, in PRIMARY KEY order
	values   []int // the other columns, in schema order
	valueSch types.Schema
	format   *connector.FormatSpec
}

func (t *table) errorf(format string, args ...any) error {
	return fmt.Errorf("redis table '%s': %s", t.name, fmt.Sprintf(format, args...))
}

func newTable(ctx connector.CreateContext) (*table, error) {
	o := ctx.Options
	t := &table{name: ctx.Table, password: o.String("password"), db: int(o.Int("database")),
		hash: strings.EqualFold(o.String("data-type"), "hash"), prefix: o.String("key-prefix"),
		timeout: o.Duration("connection.timeout"), schema: ctx.Schema, format: ctx.Format}
	host, port := strings.TrimSpace(o.String("host")), o.Int("port")
	if host == "" {
		return nil, t.errorf("option 'host' is empty; give the Redis server's host name or address")
	}
	if port < 1 || port > 65535 {
		return nil, t.errorf("option 'port' is %d, not a number from 1 to 65535", port)
	}
	t.addr = net.JoinHostPort(host, strconv.Itoa(int(port)))
	if t.db < 0 {
		return nil, t.errorf("option 'database' is %d; Redis databases are numbered from 0", t.db)
	}
	if t.timeout <= 0 {
		return nil, t.errorf("option 'connection.timeout' must be positive")
	}
	if len(ctx.PrimaryKey) == 0 {
		return nil, t.errorf("needs a PRIMARY KEY (... ) NOT ENFORCED: its columns make the Redis key")
	}
	t.pk = ctx.PrimaryKey
	inPK := map[int]bool{}
	for _, k := range t.pk {
		inPK[k] = true
		f := ctx.Schema.Fields[k]
		if !textual(f.Type) {
			return nil, t.errorf("key column '%s' has type %s, which cannot be rendered in a Redis key; use a string, number, boolean, date or time type", f.Name, f.Type)
		}
	}
	for i, f := range ctx.Schema.Fields {
		if inPK[i] {
			continue
		}
		t.values = append(t.values, i)
		t.valueSch.Fields = append(t.valueSch.Fields, f)
		if t.hash && !textual(f.Type) {
			return nil, t.errorf("column '%s' has type %s, which a hash field cannot hold as text; use 'data-type' = 'string' with a format, or a scalar type", f.Name, f.Type)
		}
	}
	if len(t.values) == 0 {
		return nil, t.errorf("has only key columns; Redis needs at least one value column")
	}
	if !t.hash && t.format == nil {
		return nil, t.errorf("'data-type' = 'string' needs a 'format' for the values (e.g. 'json', or 'raw' for one value column)")
	}
	return t, nil
}

func (t *table) client() *goredis.Client {
	return goredis.NewClient(&goredis.Options{
		Addr: t.addr, Password: t.password, DB: t.db,
		DialTimeout: t.timeout, ReadTimeout: t.timeout, WriteTimeout: t.timeout,
		MaxRetries: -1, DialerRetries: 1, // the lookup join retries ('lookup.max-retries')
	})
}

// redisError tells an error reply of the server from a failure to reach it.
func (t *table) redisError(what string, err error) error {
	var reply goredis.Error
	if errors.As(err, &reply) {
		return fmt.Errorf("redis table '%s': %s at %s (database %d) failed: %w", t.name, what, t.addr, t.db, err)
	}
	return fmt.Errorf("redis table '%s': cannot reach Redis at %s (database %d) for %s: %w; check that redis-server is running there and the 'host', 'port' and 'password' options",
		t.name, t.addr, t.db, what, err)
}

// textual reports whether values of type t have a text form in keys and
// hash fields.
func textual(t types.Type) bool {
	switch t.ID {
	case types.Boolean, types.TinyInt, types.SmallInt, types.Int, types.BigInt, types.Float, types.Double,
		types.Decimal, types.Char, types.VarChar, types.Binary, types.VarBinary,
		types.Date, types.Time, types.Timestamp, types.TimestampLTZ:
		return true
	}
	return false
}

// appendText renders a non-NULL value as the text of a key part or field.
func appendText(dst []byte, v types.Value, t types.Type) []byte {
	switch t.ID {
	case types.Boolean:
		return strconv.AppendBool(dst, v.Bool())
	case types.Char, types.VarChar, types.Binary, types.VarBinary:
		return append(dst, v.S...)
	}
	return types.AppendSQL(dst, v, t)
}

// parseText parses the text form of a value of type t.
func parseText(s string, t types.Type) (types.Value, error) {
	switch t.ID {
	case types.Boolean:
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true", "1":
			return types.BoolValue(true), nil
		case "false", "0":
			return types.BoolValue(false), nil
		}
		return types.Value{}, fmt.Errorf("'%s' is not a BOOLEAN (true or false)", s)
	case types.TinyInt, types.SmallInt, types.Int, types.BigInt:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		lo, hi := types.IntRange(t.ID)
		if err != nil || n < lo || n > hi {
			return types.Value{}, fmt.Errorf("'%s' is not a %s", s, t)
		}
		return types.IntValue(n), nil
	case types.Float, types.Double:
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return types.Value{}, fmt.Errorf("'%s' is not a %s", s, t)
		}
		return types.FloatValue(f), nil
	case types.Decimal:
		return types.ParseDecimal(strings.TrimSpace(s), t.Precision, t.Scale)
	case types.Char, types.VarChar:
		return types.StringValue(s), nil
	case types.Binary, types.VarBinary:
		return types.Value{K: types.KindBytes, S: s}, nil
	case types.Date:
		d, err := types.ParseDate(s)
		return types.IntValue(d), err
	case types.Time:
		n, err := types.ParseTime(s)
		return types.IntValue(n), err
	case types.Timestamp, types.TimestampLTZ:
		n, err := types.ParseTimestamp(s)
		return types.IntValue(n), err
	}
	return types.Value{}, fmt.Errorf("type %s has no text form", t)
}

// appendKey renders the Redis key of a row whose primary-key values are
// vals (in PRIMARY KEY order).
func (t *table) appendKey(dst []byte, vals func(j int) types.Value) []byte {
	dst = append(dst, t.prefix...)
	for j, c := range t.pk {
		if j > 0 {
			dst = append(dst, ':')
		}
		dst = appendText(dst, vals(j), t.schema.Fields[c].Type)
	}
	return dst
}

// parseKey fills row's key columns from a Redis key. With several key
// columns the ':' separators are found by trying the splits in order until
// every part parses as its column's type.
func (t *table) parseKey(key string, row types.Row) error {
	rest, ok := strings.CutPrefix(key, t.prefix)
	if !ok {
		return t.errorf("key '%s' does not start with 'key-prefix' '%s'", key, t.prefix)
	}
	parts := strings.Split(rest, ":")
	if !t.assign(parts, 0, row) {
		names := make([]string, len(t.pk))
		for j, c := range t.pk {
			names[j] = t.schema.Fields[c].Name + " " + t.schema.Fields[c].Type.String()
		}
		return t.errorf("key '%s' under 'key-prefix' '%s' is not the key columns (%s) joined with ':'; keep other keys under another prefix",
			key, t.prefix, strings.Join(names, ", "))
	}
	return nil
}

func (t *table) assign(parts []string, j int, row types.Row) bool {
	c := t.pk[j]
	typ := t.schema.Fields[c].Type
	last := j == len(t.pk)-1
	for n := 1; n <= len(parts)-(len(t.pk)-1-j); n++ {
		if last && n < len(parts) {
			continue
		}
		v, err := parseText(strings.Join(parts[:n], ":"), typ)
		if err != nil {
			continue
		}
		row[c] = v
		if last || t.assign(parts[n:], j+1, row) {
			return true
		}
	}
	return false
}
