package jdbc

import (
	"database/sql"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// dialect is what differs between the databases the connector speaks to.
type dialect interface {
	name() string
	defaultPort() string
	// quote quotes an identifier.
	quote(id string) string
	// placeholder is the i-th (0-based) bind parameter.
	placeholder(i int) string
	// maxParams is the most bind parameters one statement may have.
	maxParams() int
	// foldStrings reports whether the database compares strings ignoring
	// case and trailing spaces by default (MySQL's _ci collations).
	foldStrings() bool
	open(s *settings) (*sql.DB, error)
}

type postgres struct{}

func (postgres) name() string        { return "PostgreSQL" }
func (postgres) defaultPort() string { return "5432" }
func (postgres) quote(id string) string {
	return `"` + strings.ReplaceAll(id, `"`, `""`) + `"`
}
func (postgres) placeholder(i int) string { return "$" + strconv.Itoa(i+1) }
func (postgres) maxParams() int           { return 65535 }
func (postgres) foldStrings() bool        { return false }

func (postgres) open(s *settings) (*sql.DB, error) {
	u := url.URL{Scheme: "postgres", Host: net.JoinHostPort(s.host, s.port), Path: "/" + s.database, RawQuery: s.params.Encode()}
	cfg, err := pgx.ParseConfig(u.String())
	if err != nil {
		return nil, s.errorf("option 'url': %v", err)
	}
	cfg.User, cfg.Password = s.user, s.pass
	if cfg.User == "" {
		cfg.User = "postgres"
	}
	cfg.ConnectTimeout = s.timeout
	return stdlib.OpenDB(*cfg), nil
}

type mysqlDialect struct{}

func (mysqlDialect) name() string        { return "MySQL" }
func (mysqlDialect) defaultPort() string { return "3306" }
func (mysqlDialect) quote(id string) string {
	return "`" + strings.ReplaceAll(id, "`", "``") + "`"
}
func (mysqlDialect) placeholder(int) string { return "?" }
func (mysqlDialect) maxParams() int         { return 65535 }
func (mysqlDialect) foldStrings() bool      { return true }

func (mysqlDialect) open(s *settings) (*sql.DB, error) {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd = s.user, s.pass
	if cfg.User == "" {
		cfg.User = "root"
	}
	cfg.Net, cfg.Addr, cfg.DBName = "tcp", net.JoinHostPort(s.host, s.port), s.database
	cfg.ParseTime, cfg.Loc = true, time.UTC
	cfg.Timeout = s.timeout
	cfg.Params = map[string]string{"time_zone": "'+00:00'"}
	c, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, s.errorf("option 'url': %v", err)
	}
	return sql.OpenDB(c), nil
}

// selectSQL is SELECT <cols> FROM <table>, and with nkeys > 0 a WHERE
// clause matching nkeys keys of the given columns.
func selectSQL(d dialect, cols []string, table string, keyCols []string, nkeys int) string {
	var b strings.Builder
	b.WriteString("SELECT ")
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(d.quote(c))
	}
	b.WriteString(" FROM ")
	b.WriteString(table)
	if nkeys == 0 {
		return b.String()
	}
	b.WriteString(" WHERE ")
	multi := len(keyCols) > 1
	if multi {
		b.WriteByte('(')
	}
	for i, c := range keyCols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(d.quote(c))
	}
	if multi {
		b.WriteByte(')')
	}
	b.WriteString(" IN (")
	p := 0
	for k := 0; k < nkeys; k++ {
		if k > 0 {
			b.WriteString(", ")
		}
		if multi {
			b.WriteByte('(')
		}
		for i := range keyCols {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(d.placeholder(p))
			p++
		}
		if multi {
			b.WriteByte(')')
		}
	}
	b.WriteByte(')')
	return b.String()
}

// connError describes a failure to reach the database.
func connError(s *settings, err error) error {
	return fmt.Errorf("jdbc table '%s': cannot query %s: %w; check that the database is running and reachable there, and the 'url', 'username' and 'password' options",
		s.table, s.where(), err)
}
