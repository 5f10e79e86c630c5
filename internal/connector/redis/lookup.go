package redis

import (
	"context"
	"strings"
	"sync"

	goredis "github.com/redis/go-redis/v9"
	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/types"
)

// Source is a redis table's lookup source. It is safe for concurrent use.
type Source struct {
	t        *table
	keyPos   []int // keyPos[j]: where PRIMARY KEY column j is in a lookup key
	c        *goredis.Client
	decoders sync.Pool // connector.Decoder of the value columns ('string')
}

var (
	_ connector.LookupSource  = (*Source)(nil)
	_ connector.LookupScanner = (*Source)(nil)
)

// NewLookup validates a redis table's options and returns its lookup
// source. The lookup key columns must be the table's primary key. It does
// not connect: the first Lookup or Scan does.
func NewLookup(ctx connector.LookupContext) (*Source, error) {
	t, err := newTable(ctx.CreateContext)
	if err != nil {
		return nil, err
	}
	src := &Source{t: t, keyPos: make([]int, len(t.pk))}
	if len(ctx.Keys) != len(t.pk) {
		return nil, t.errorf("a lookup must match exactly the PRIMARY KEY columns (%s), it matches %s", t.colNames(t.pk), t.colNames(ctx.Keys))
	}
	for j, c := range t.pk {
		src.keyPos[j] = -1
		for i, k := range ctx.Keys {
			if k == c {
				src.keyPos[j] = i
			}
		}
		if src.keyPos[j] < 0 {
			return nil, t.errorf("a lookup must match exactly the PRIMARY KEY columns (%s), it matches %s", t.colNames(t.pk), t.colNames(ctx.Keys))
		}
	}
	if !t.hash {
		d, err := t.format.NewDecoder(t.valueSch)
		if err != nil {
			return nil, t.errorf("format '%s' of the value columns: %v", t.format.Format.Name, err)
		}
		src.decoders.Put(d)
		src.decoders.New = func() any {
			d, _ := t.format.NewDecoder(t.valueSch) // succeeded above
			return d
		}
	}
	src.c = t.client()
	return src, nil
}

func (t *table) colNames(cols []int) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		if c >= 0 && c < t.schema.Len() {
			names[i] = t.schema.Fields[c].Name
		}
	}
	return strings.Join(names, ", ")
}

// Lookup returns the row of each key (at most one: the key is the primary
// key), with one MGET or one pipeline of HGETALL.
func (src *Source) Lookup(ctx context.Context, keys []types.Row) ([][]types.Row, error) {
	t := src.t
	out := make([][]types.Row, len(keys))
	rkeys := make([]string, 0, len(keys))
	which := make([]int, 0, len(keys))
	var buf []byte
	for i, k := range keys {
		if len(k) != len(src.keyPos) {
			return nil, t.errorf("a lookup key has %d values, the lookup has %d key columns", len(k), len(src.keyPos))
		}
		if k.HasNull() {
			continue
		}
		buf = t.appendKey(buf[:0], func(j int) types.Value { return k[src.keyPos[j]] })
		rkeys = append(rkeys, string(buf))
		which = append(which, i)
	}
	if len(rkeys) == 0 {
		return out, nil
	}
	fill := func(n int, row types.Row) {
		k := keys[which[n]]
		for j, c := range t.pk {
			row[c] = k[src.keyPos[j]] // scalar: strings are immutable
		}
		out[which[n]] = []types.Row{row}
	}
	if t.hash {
		return out, src.hashes(ctx, rkeys, fill)
	}
	return out, src.strings(ctx, rkeys, fill)
}

// strings fetches string keys with one MGET and calls fill with each found
// key's row (value columns set).
func (src *Source) strings(ctx context.Context, rkeys []string, fill func(n int, row types.Row)) error {
	vals, err := src.c.MGet(ctx, rkeys...).Result()
	if err != nil {
		return src.t.redisError("MGET", err)
	}
	dec := src.decoders.Get().(connector.Decoder)
	defer src.decoders.Put(dec)
	vrow := make(types.Row, len(src.t.values))
	for n, v := range vals {
		s, ok := v.(string)
		if !ok {
			continue // missing, or not a string
		}
		clear(vrow)
		if err := dec.Decode([]byte(s), vrow); err != nil {
			if dec.IgnoreParseErrors() {
				continue
			}
			return &connector.BadRecordError{Source: src.t.name, Format: src.t.format.Format.Name,
				Location: "redis " + src.t.addr, Offset: "key '" + rkeys[n] + "'", Reason: err}
		}
		row := make(types.Row, src.t.schema.Len())
		for i, c := range src.t.values {
			row[c] = vrow[i]
			if row[c].K == types.KindRow {
				row[c] = types.CopyRowValue(row[c]) // may be carved from the decoder's arena
			}
		}
		fill(n, row)
	}
	return nil
}

// hashes fetches hash keys with one pipeline of HGETALL.
func (src *Source) hashes(ctx context.Context, rkeys []string, fill func(n int, row types.Row)) error {
	pipe := src.c.Pipeline()
	cmds := make([]*goredis.MapStringStringCmd, len(rkeys))
	for n, k := range rkeys {
		cmds[n] = pipe.HGetAll(ctx, k)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return src.t.redisError("HGETALL", err)
	}
	for n, cmd := range cmds {
		m := cmd.Val()
		if len(m) == 0 {
			continue
		}
		row := make(types.Row, src.t.schema.Len())
		for _, c := range src.t.values {
			f := src.t.schema.Fields[c]
			s, ok := m[f.Name]
			if !ok {
				continue // NULL
			}
			v, err := parseText(s, f.Type)
			if err != nil {
				return src.t.errorf("field '%s' of hash '%s': %v", f.Name, rkeys[n], err)
			}
			row[c] = v
		}
		fill(n, row)
	}
	return nil
}

// Scan calls fn with every row of the table (each key once), from the
// calling goroutine: SCAN pages of up to 1000 keys, each fetched with one
// MGET or pipeline.
func (src *Source) Scan(ctx context.Context, fn func(types.Row) error) error {
	t := src.t
	match := globEscape(t.prefix) + "*"
	typ := "string"
	if t.hash {
		typ = "hash"
	}
	seen := map[string]bool{}
	var cursor uint64
	for {
		page, next, err := src.c.ScanType(ctx, cursor, match, 1000, typ).Result()
		if err != nil {
			return t.redisError("SCAN", err)
		}
		fresh := page[:0]
		for _, k := range page {
			if !seen[k] {
				seen[k] = true
				fresh = append(fresh, k)
			}
		}
		if len(fresh) > 0 {
			var ferr error
			fill := func(n int, row types.Row) {
				if ferr != nil {
					return
				}
				if ferr = t.parseKey(fresh[n], row); ferr == nil {
					ferr = fn(row)
				}
			}
			if t.hash {
				err = src.hashes(ctx, fresh, fill)
			} else {
				err = src.strings(ctx, fresh, fill)
			}
			if err != nil {
				return err
			}
			if ferr != nil {
				return ferr
			}
		}
		if cursor = next; cursor == 0 {
			return nil
		}
	}
}

// Close closes the connection pool.
func (src *Source) Close() error { return src.c.Close() }

// globEscape escapes the glob characters of SCAN MATCH.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '*', '?', '[', ']', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
