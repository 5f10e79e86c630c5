package datagen

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/hint"
	"github.com/sluicehq/sluice/internal/types"
)

// New returns the 'datagen' connector.
func New() *connector.Factory {
	return &connector.Factory{
		Name:        "datagen",
		Description: "Generates random or sequential rows, with Flink's datagen options.",
		Options:     Options,
		NewSource:   newSource,
	}
}

var (
	_ connector.Source = (*source)(nil)
	_ connector.Split  = split{}
	_ connector.Reader = (*reader)(nil)
)

// column is one emitted column: random, or a sequence.
type column struct {
	random gen
	seq    *sequence
}

type source struct {
	table   string
	cols    []column   // emitted columns, in projection order
	seqs    []sequence // every sequence field, emitted or not (they bound the splits)
	numRows int64      // < 0: unbounded
	rate    int64      // rows per second over all splits; <= 0: unpaced
	seed    uint64
	seeded  bool
}

func newSource(ctx connector.CreateContext) (connector.Source, error) {
	o := ctx.Options
	s := &source{table: ctx.Table, numRows: -1, rate: o.Int("rows-per-second")}
	if o.Has("number-of-rows") {
		if s.numRows = o.Int("number-of-rows"); s.numRows < 0 {
			return nil, fmt.Errorf("datagen table '%s': 'number-of-rows' must not be negative", ctx.Table)
		}
	}
	if o.Has("seed") {
		s.seed, s.seeded = uint64(o.Int("seed")), true
	}
	if err := checkFieldNames(ctx.Table, ctx.Schema, o.All()); err != nil {
		return nil, err
	}
	all := make([]column, len(ctx.Schema.Fields))
	for i, f := range ctx.Schema.Fields {
		fo := fieldOpts{o: o, path: f.Name}
		var err error
		if strings.EqualFold(fo.str("kind"), "sequence") && fo.has("kind") {
			var seq sequence
			seq, err = newSequence(f.Type, fo)
			all[i].seq = &seq
			if err == nil {
				s.seqs = append(s.seqs, seq)
			}
		} else {
			all[i].random, err = newRandom(f.Type, fo)
		}
		if err != nil {
			return nil, fmt.Errorf("datagen table '%s': %w", ctx.Table, err)
		}
	}
	if ctx.Projection == nil {
		s.cols = all
	} else {
		for _, p := range ctx.Projection {
			s.cols = append(s.cols, all[p])
		}
	}
	return s, nil
}

// checkFieldNames rejects 'fields.<name>.*' options naming no column.
func checkFieldNames(table string, schema types.Schema, raw map[string]string) error {
	var paths []string
	var walk func(prefix string, t types.Type)
	walk = func(prefix string, t types.Type) {
		paths = append(paths, prefix)
		switch t.ID {
		case types.RowType:
			for _, f := range t.Fields {
				walk(prefix+"."+f.Name, f.Type)
			}
		case types.Array, types.Multiset:
			walk(prefix+".element", *t.Elem)
		case types.Map:
			walk(prefix+".key", *t.Key)
			walk(prefix+".value", *t.Elem)
		}
	}
	for _, f := range schema.Fields {
		walk(f.Name, f.Type)
	}
	known := map[string]bool{}
	for _, p := range paths {
		known[p] = true
	}
	var bad []string
	for k := range raw {
		if !strings.HasPrefix(k, "fields.") {
			continue
		}
		i := strings.LastIndexByte(k, '.')
		if name := k[len("fields."):i]; !known[name] {
			bad = append(bad, fmt.Sprintf("option '%s' names no field '%s'%s", k, name, hint.DidYouMean(name, paths)))
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return fmt.Errorf("datagen table '%s': %s", table, strings.Join(bad, "; "))
	}
	return nil
}

// Bounded is true when 'number-of-rows' is set or a field is a sequence.
func (s *source) Bounded() bool { return s.numRows >= 0 || len(s.seqs) > 0 }

type split struct{ index, count int64 }

func (sp split) ID() string { return fmt.Sprintf("datagen:%d/%d", sp.index, sp.count) }

func (s *source) Splits(parallelism int) ([]connector.Split, error) {
	parallelism = max(parallelism, 1)
	out := make([]connector.Split, parallelism)
	for k := range out {
		out[k] = split{index: int64(k), count: int64(parallelism)}
	}
	return out, nil
}

// share divides total over p splits, the first ones taking the remainder.
func share(total, k, p int64) int64 {
	n := total / p
	if k < total%p {
		n++
	}
	return n
}

func (s *source) Open(_ context.Context, spl connector.Split) (connector.Reader, error) {
	sp, ok := spl.(split)
	if !ok {
		return nil, fmt.Errorf("datagen table '%s': split %s is not a datagen split", s.table, spl.ID())
	}
	r := &reader{src: s, limit: -1}
	if s.numRows >= 0 {
		r.limit = share(s.numRows, sp.index, sp.count)
	}
	r.seqFrom = make([]int64, len(s.cols))
	for _, q := range s.seqs {
		_, n := q.part(sp.index, sp.count)
		if r.limit < 0 || n < r.limit {
			r.limit = n
		}
	}
	for i, c := range s.cols {
		if c.seq != nil {
			r.seqFrom[i], _ = c.seq.part(sp.index, sp.count)
		}
	}
	if s.rate > 0 {
		r.rate = max(share(s.rate, sp.index, sp.count), 1)
	}
	seed := rand.Uint64()
	if s.seeded {
		seed = s.seed + uint64(sp.index)
	}
	r.ctx.r = rand.New(rand.NewPCG(seed, seed^0x9E3779B97F4A7C15))
	return r, nil
}

type reader struct {
	src     *source
	ctx     genCtx
	limit   int64   // rows of this split; < 0 unbounded
	seqFrom []int64 // first sequence value of each emitted sequence column
	rate    int64   // rows per second of this split; 0 unpaced
	start   time.Time
}

const maxWait = 50 * time.Millisecond

func (r *reader) Read(ctx context.Context, b *types.Batch, max int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if r.limit >= 0 && r.ctx.row >= r.limit {
		return io.EOF
	}
	now := time.Now()
	n := int64(max)
	if r.rate > 0 {
		if r.start.IsZero() {
			r.start = now
		}
		due := int64(now.Sub(r.start).Seconds()*float64(r.rate)) + 1
		if n = min(n, due-r.ctx.row); n <= 0 {
			wait := time.Duration(float64(r.ctx.row+1-due+1) / float64(r.rate) * float64(time.Second))
			t := time.NewTimer(min(wait, maxWait))
			defer t.Stop()
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-t.C:
			}
			return nil
		}
	}
	if r.limit >= 0 {
		n = min(n, r.limit-r.ctx.row)
	}
	r.ctx.now = now
	for i := int64(0); i < n; i++ {
		row := b.Alloc(len(r.src.cols))
		for j, c := range r.src.cols {
			if c.seq != nil {
				row[j] = c.seq.value(r.seqFrom[j] + r.ctx.row)
			} else {
				row[j] = c.random.next(&r.ctx)
			}
		}
		b.Append(types.Insert, row)
		r.ctx.row++
	}
	if r.limit >= 0 && r.ctx.row >= r.limit {
		return io.EOF
	}
	return nil
}

func (r *reader) Close() error { return nil }
