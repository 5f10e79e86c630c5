package connector

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/hint"
)

// Registry holds connectors and formats by name. It rejects duplicates, and a
// lookup miss lists what exists.
type Registry struct {
	connectors map[string]*Factory
	formats    map[string]*Format
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{connectors: map[string]*Factory{}, formats: map[string]*Format{}}
}

// Register adds a connector.
func (r *Registry) Register(f *Factory) error {
	if f.Name == "" {
		return fmt.Errorf("connector registry: a connector has no name")
	}
	if _, dup := r.connectors[f.Name]; dup {
		return fmt.Errorf("connector registry: connector '%s' is registered twice", f.Name)
	}
	r.connectors[f.Name] = f
	return nil
}

// RegisterFormat adds a format.
func (r *Registry) RegisterFormat(f *Format) error {
	if f.Name == "" {
		return fmt.Errorf("connector registry: a format has no name")
	}
	if _, dup := r.formats[f.Name]; dup {
		return fmt.Errorf("connector registry: format '%s' is registered twice", f.Name)
	}
	r.formats[f.Name] = f
	return nil
}

// Connector finds a connector by name.
func (r *Registry) Connector(name string) (*Factory, error) {
	if f, ok := r.connectors[name]; ok {
		return f, nil
	}
	names := r.ConnectorNames()
	return nil, fmt.Errorf("%w '%s'%s; available connectors: %s", ErrUnknownConnector, name,
		hint.DidYouMean(name, names), strings.Join(names, ", "))
}

// Format finds a format by name.
func (r *Registry) Format(name string) (*Format, error) {
	if f, ok := r.formats[name]; ok {
		return f, nil
	}
	names := r.FormatNames()
	return nil, fmt.Errorf("unknown format '%s'%s; available formats: %s", name,
		hint.DidYouMean(name, names), strings.Join(names, ", "))
}

// ConnectorNames lists the registered connectors, sorted.
func (r *Registry) ConnectorNames() []string {
	out := make([]string, 0, len(r.connectors))
	for n := range r.connectors {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// FormatNames lists the registered formats, sorted.
func (r *Registry) FormatNames() []string {
	out := make([]string, 0, len(r.formats))
	for n := range r.formats {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Resolve validates a table's WITH options: it finds the connector named by
// 'connector', and for connectors that use a format, the format named by
// 'format' (or 'value.format') with its prefixed options.
func (r *Registry) Resolve(table string, with map[string]string) (*Factory, *config.Options, *FormatSpec, error) {
	name, ok := with["connector"]
	if !ok {
		return nil, nil, nil, fmt.Errorf("table '%s' has no 'connector' option; available connectors: %s",
			table, strings.Join(r.ConnectorNames(), ", "))
	}
	f, err := r.Connector(name)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("table '%s': %w", table, err)
	}
	specs := append([]config.Spec{{Key: "connector", Type: config.String, Required: true, Description: "connector name"}}, f.Options...)
	var fspec *FormatSpec
	rest := with
	if f.UsesFormat {
		fname := with["format"]
		if fname == "" {
			fname = with["value.format"]
		}
		if fname == "" {
			return nil, nil, nil, fmt.Errorf("table '%s': connector '%s' needs a 'format' option; available formats: %s",
				table, name, strings.Join(r.FormatNames(), ", "))
		}
		fm, err := r.Format(fname)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("table '%s': %w", table, err)
		}
		specs = append(specs, config.Spec{Key: "format", Type: config.String, Description: "format of the records", Aliases: []string{"value.format"}})
		prefix := fname + "."
		fraw := map[string]string{}
		rest = map[string]string{}
		for k, v := range with {
			if strings.HasPrefix(k, prefix) {
				fraw[strings.TrimPrefix(k, prefix)] = v
			} else {
				rest[k] = v
			}
		}
		fopts, err := config.Validate(fmt.Sprintf("format '%s' of table '%s' (options take the prefix '%s')", fname, table, prefix), fm.Options, fraw)
		if err != nil {
			return nil, nil, nil, err
		}
		fspec = &FormatSpec{Format: fm, Options: fopts}
	}
	opts, err := config.Validate(fmt.Sprintf("connector '%s' of table '%s'", name, table), specs, rest)
	if err != nil {
		return nil, nil, nil, err
	}
	return f, opts, fspec, nil
}
