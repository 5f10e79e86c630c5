package connector

import (
	"context"

	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/types"
)

// LookupContext is what a connector is given to build a lookup source: the
// table's definition, and the physical columns (indexes into Schema) a
// lookup join matches on.
type LookupContext struct {
	CreateContext
	Keys []int
}

// LookupSource is the lookup side of a table (a dimension table a lookup
// join queries by key at processing time). One lookup operator instance
// uses it from one goroutine at a time unless it says otherwise; Lookup may
// be called again before an earlier call returned only by the asynchronous
// lookup runner, which the implementation allows by being safe for
// concurrent use.
type LookupSource interface {
	// Lookup returns, for each key (the values of the LookupContext.Keys
	// columns, in that order; keys are distinct), the matching rows of the
	// table's whole physical schema, nil when there is none. One call is
	// one request to the store where the store allows it (Redis MGET or a
	// pipeline, SQL WHERE ... IN (...)).
	Lookup(ctx context.Context, keys []types.Row) ([][]types.Row, error)
	Close() error
}

// LookupScanner is implemented by lookup sources that can load their whole
// table, for 'lookup.cache' = 'FULL'. Scan calls fn with every row of the
// table (whole physical schema); fn may be called concurrently only if the
// scanner documents it. The caller keeps the rows of its shard (InShard),
// so each parallel lookup instance holds only its part of the table.
type LookupScanner interface {
	Scan(ctx context.Context, fn func(types.Row) error) error
}

// InShard reports whether a row whose lookup key columns are keys belongs to
// lookup instance shard of shards: the instance the stream side's hash
// exchange on the same key sends it to.
func InShard(row types.Row, keys []int, shard, shards int, buf []byte) (bool, []byte) {
	buf = types.AppendKey(buf[:0], row, keys)
	g := state.KeyGroup(buf, state.DefaultMaxParallelism)
	return state.SubtaskFor(state.DefaultMaxParallelism, shards, g) == shard, buf
}
