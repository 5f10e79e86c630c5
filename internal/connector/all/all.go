package all

import (
	"io"

	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/connector/blackhole"
	"github.com/sluicehq/sluice/internal/connector/datagen"
	"github.com/sluicehq/sluice/internal/connector/filesystem"
	"github.com/sluicehq/sluice/internal/connector/jdbc"
	"github.com/sluicehq/sluice/internal/connector/kafka"
	"github.com/sluicehq/sluice/internal/connector/nexmark"
	"github.com/sluicehq/sluice/internal/connector/print"
	"github.com/sluicehq/sluice/internal/connector/redis"
	"github.com/sluicehq/sluice/internal/connector/upsertkafka"
	"github.com/sluicehq/sluice/internal/format/canal"
	"github.com/sluicehq/sluice/internal/format/csv"
	"github.com/sluicehq/sluice/internal/format/debezium"
	"github.com/sluicehq/sluice/internal/format/json"
	"github.com/sluicehq/sluice/internal/format/raw"
)

// Option configures NewRegistry.
type Option func(*settings)

type settings struct {
	stdout, stderr io.Writer
}

// WithOutput makes the print connector write to stdout and stderr instead of
// the process's (nil keeps the default).
func WithOutput(stdout, stderr io.Writer) Option {
	return func(s *settings) { s.stdout, s.stderr = stdout, stderr }
}

// Registry returns a fresh registry with every built-in connector and format.
func Registry() *connector.Registry { return NewRegistry() }

// NewRegistry returns a fresh registry with every built-in connector and
// format, configured by opts.
func NewRegistry(opts ...Option) *connector.Registry {
	var s settings
	for _, o := range opts {
		o(&s)
	}
	r := connector.NewRegistry()
	for _, f := range []*connector.Factory{
		blackhole.New(),
		datagen.New(),
		filesystem.New(),
		jdbc.New(),
		kafka.New(r), // the registry resolves 'key.format'
		nexmark.New(),
		print.New(s.stdout, s.stderr),
		redis.New(),
		upsertkafka.New(r),
	} {
		if err := r.Register(f); err != nil {
			panic(err) // built-in names are distinct; a duplicate is a programming error
		}
	}
	for _, f := range []*connector.Format{json.New(), csv.New(), raw.New(), debezium.New(), canal.New()} {
		if err := r.RegisterFormat(f); err != nil {
			panic(err)
		}
	}
	return r
}
