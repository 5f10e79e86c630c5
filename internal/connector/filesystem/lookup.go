package filesystem

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/types"
)

var (
	_ connector.LookupSource  = (*lookupSource)(nil)
	_ connector.LookupScanner = (*lookupSource)(nil)
)

// lookupSource is a filesystem table used as the dimension table of a
// lookup join. As Flink's filesystem lookup, it cannot fetch rows by key:
// the lookup join loads every file into a FULL cache (the factory declares
// LookupFullCacheOnly) and reloads it on the 'lookup.full-cache.*'
// schedule. It is safe for concurrent use: each Scan opens its own readers.
type lookupSource struct {
	src *source
}

func newLookup(ctx connector.LookupContext) (connector.LookupSource, error) {
	cc := ctx.CreateContext
	if cc.Format != nil && cc.Format.Format.Changelog {
		return nil, fmt.Errorf("filesystem table '%s' cannot be a lookup table: its format '%s' is a changelog; use an insert-only format such as csv or json",
			cc.Table, cc.Format.Format.Name)
	}
	// A lookup row is the whole physical schema, whatever the query reads.
	cc.Projection, cc.Metadata = nil, nil
	s, err := newSource(cc)
	if err != nil {
		return nil, err
	}
	return &lookupSource{src: s.(*source)}, nil
}

// Scan reads every file of the table, in path order, calling fn with each
// row (valid only during the call). A file that cannot be read or decoded
// fails the scan, so a reload never swaps in a partial table.
func (l *lookupSource) Scan(ctx context.Context, fn func(types.Row) error) error {
	splits, err := l.src.Splits(1)
	if err != nil {
		return err
	}
	b := types.NewBatch(1024)
	for _, sp := range splits {
		r, err := l.src.Open(ctx, sp)
		if err != nil {
			return err
		}
		for {
			b.Reset()
			rerr := r.Read(ctx, b, 1024)
			for _, row := range b.Rows {
				if err := fn(row); err != nil {
					r.Close()
					return err
				}
			}
			if errors.Is(rerr, io.EOF) {
				break
			}
			if rerr != nil {
				r.Close()
				return rerr
			}
		}
		if err := r.Close(); err != nil {
			return fmt.Errorf("filesystem table '%s': %w", l.src.ctx.Table, err)
		}
	}
	return nil
}

// Lookup is not supported: the lookup join keeps a filesystem table in a
// FULL cache and never asks it for single keys.
func (l *lookupSource) Lookup(context.Context, []types.Row) ([][]types.Row, error) {
	return nil, fmt.Errorf("filesystem table '%s' cannot be looked up by key; it is loaded whole into a FULL cache ('lookup.cache' = 'FULL', the default for filesystem tables)", l.src.ctx.Table)
}

func (l *lookupSource) Close() error { return nil }
