package jdbc

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/connector"
)

// Options is the 'jdbc' connector's option spec (Flink's keys) followed by
// the lookup options every lookup connector accepts.
var Options = append([]config.Spec{
	{Key: "url", Type: config.String, Required: true,
		Description: "JDBC URL of the database: 'jdbc:postgresql://host[:port]/db', 'jdbc:mysql://host[:port]/db' or 'jdbc:mariadb://host[:port]/db'. PostgreSQL URL parameters (e.g. 'sslmode') are passed to the driver; MySQL ones are ignored."},
	{Key: "table-name", Type: config.String, Required: true,
		Description: "Name of the table in the database, optionally schema-qualified ('public.users'); each part is quoted, so it must match the database's spelling (PostgreSQL folds unquoted names to lower case)."},
	{Key: "driver", Type: config.String,
		Description: "Accepted for compatibility with Flink and ignored: the driver follows from the URL."},
	{Key: "username", Type: config.String, Description: "Database user."},
	{Key: "password", Type: config.String, Secret: true, Description: "Password of the database user."},
	{Key: "connection.max-retry-timeout", Type: config.Duration, Default: "60 s",
		Description: "How long opening a connection may take before the lookup fails (the lookup join then retries it per 'lookup.max-retries')."},
	{Key: "connection.max-open", Type: config.Int, Default: "8",
		Description: "Sluice extension: the most connections one lookup source keeps open (concurrent lookups share them)."},
}, connector.LookupOptions...)

// New returns the 'jdbc' connector.
func New() *connector.Factory {
	return &connector.Factory{
		Name: "jdbc",
		Description: "Looks up rows of a PostgreSQL, MySQL or MariaDB table by key for lookup joins " +
			"(FOR SYSTEM_TIME AS OF a processing-time attribute), with Flink's JDBC options. " +
			"Each batch of keys is one SELECT ... WHERE (keys) IN (...) with bind parameters; 'lookup.cache' = 'FULL' loads the table with one streamed SELECT. " +
			"Column types map as: BOOLEAN ↔ boolean/tinyint(1), TINYINT..BIGINT ↔ integer types, FLOAT/DOUBLE ↔ real/double, DECIMAL ↔ numeric/decimal, " +
			"CHAR/VARCHAR/STRING ↔ text types, BINARY/BYTES ↔ bytea/blob, DATE ↔ date, TIME ↔ time, TIMESTAMP ↔ timestamp/datetime, TIMESTAMP_LTZ ↔ timestamptz/timestamp.",
		Options:   Options,
		NewLookup: func(ctx connector.LookupContext) (connector.LookupSource, error) { return NewLookup(ctx) },
	}
}

// settings is a jdbc table's validated configuration.
type settings struct {
	table      string // the Sluice table, for errors
	dialect    dialect
	host, port string
	database   string
	params     url.Values
	user, pass string
	dbTable    string // 'table-name' as given
	timeout    time.Duration
	maxOpen    int
}

func (s *settings) errorf(format string, args ...any) error {
	return fmt.Errorf("jdbc table '%s': %s", s.table, fmt.Sprintf(format, args...))
}

// where names the database for connection errors.
func (s *settings) where() string {
	return fmt.Sprintf("%s at %s (database '%s')", s.dialect.name(), net.JoinHostPort(s.host, s.port), s.database)
}

func parseSettings(ctx connector.CreateContext) (*settings, error) {
	o := ctx.Options
	s := &settings{table: ctx.Table, user: o.String("username"), pass: o.String("password"),
		dbTable: strings.TrimSpace(o.String("table-name")), timeout: o.Duration("connection.max-retry-timeout"),
		maxOpen: int(o.Int("connection.max-open"))}
	raw := strings.TrimSpace(o.String("url"))
	rest, ok := strings.CutPrefix(raw, "jdbc:")
	scheme, after, ok2 := strings.Cut(rest, "://")
	if !ok || !ok2 {
		return nil, s.errorf("option 'url' is '%s', not a JDBC URL like 'jdbc:postgresql://host:5432/db' or 'jdbc:mysql://host:3306/db'", raw)
	}
	switch strings.ToLower(scheme) {
	case "postgresql":
		s.dialect = postgres{}
	case "mysql", "mariadb":
		s.dialect = mysqlDialect{}
	default:
		return nil, s.errorf("option 'url': database '%s' is not supported; use jdbc:postgresql://, jdbc:mysql:// or jdbc:mariadb://", scheme)
	}
	u, err := url.Parse("x://" + after)
	if err != nil {
		return nil, s.errorf("option 'url' is '%s': %v", raw, err)
	}
	s.host, s.port = u.Hostname(), u.Port()
	if s.host == "" {
		s.host = "localhost"
	}
	if s.port == "" {
		s.port = s.dialect.defaultPort()
	} else if n, err := strconv.Atoi(s.port); err != nil || n <= 0 || n > 65535 {
		return nil, s.errorf("option 'url' has port '%s', not a number from 1 to 65535", s.port)
	}
	s.database = strings.TrimPrefix(u.Path, "/")
	if s.database == "" || strings.Contains(s.database, "/") {
		return nil, s.errorf("option 'url' is '%s': it must name one database after the host, e.g. '.../mydb'", raw)
	}
	s.params = u.Query()
	if s.user == "" {
		s.user = s.params.Get("user")
	}
	if s.pass == "" {
		s.pass = s.params.Get("password")
	}
	s.params.Del("user")
	s.params.Del("password")
	if u.User != nil {
		return nil, s.errorf("option 'url' must not hold credentials; use 'username' and 'password'")
	}
	if s.dbTable == "" {
		return nil, s.errorf("option 'table-name' is empty; give the database table to look up")
	}
	for _, part := range strings.Split(s.dbTable, ".") {
		if part == "" {
			return nil, s.errorf("option 'table-name' is '%s', not a table name or schema.table", s.dbTable)
		}
	}
	if s.timeout < time.Second {
		return nil, s.errorf("option 'connection.max-retry-timeout' is %s; it must be at least 1 s", s.timeout)
	}
	if s.maxOpen < 1 {
		return nil, s.errorf("option 'connection.max-open' is %d; it must be at least 1", s.maxOpen)
	}
	return s, nil
}

// quotedTable is 'table-name' with each dotted part quoted.
func (s *settings) quotedTable() string {
	parts := strings.Split(s.dbTable, ".")
	for i, p := range parts {
		parts[i] = s.dialect.quote(p)
	}
	return strings.Join(parts, ".")
}
