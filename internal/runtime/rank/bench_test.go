package rank

import (
	"math/rand/v2"
	"testing"

	"github.com/sluicehq/sluice/internal/runtime/optest"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

// benchRank feeds rows over 1000 partitions with random values and
// increasing rowtimes, in batches of 1024; one op is one input row.
func benchRank(b *testing.B, x *plan.Rank) {
	rk, err := New(x)
	if err != nil {
		b.Fatal(err)
	}
	op := optest.OpenBench(b, rk)
	const batch = 1024
	keys := make([]types.Value, 1000)
	for i := range keys {
		keys[i] = types.StringValue(string(rune('a'+i%26)) + string(rune('a'+i/26)))
	}
	id := types.StringValue("id")
	rnd := rand.New(rand.NewPCG(1, 2))
	bt := types.NewBatch(batch)
	b.ReportAllocs()
	b.ResetTimer()
	ts := int64(0)
	for i := 0; i < b.N; i += batch {
		bt.Reset()
		for j := 0; j < batch; j++ {
			row := bt.Alloc(7)
			row[cK], row[cID], row[cV] = keys[(i+j)*7%len(keys)], id, types.IntValue(rnd.Int64N(1_000_000))
			row[cTS], row[cPT], row[cWS], row[cWE] = types.IntValue(ts), types.IntValue(ts), types.IntValue(0), types.IntValue(0)
			bt.Append(types.Insert, row)
			ts += ms
		}
		if err := op.Process(0, bt); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTopNAppendOnly: top 10 by v DESC per partition, no rank column.
func BenchmarkTopNAppendOnly(b *testing.B) {
	benchRank(b, rankNode(plan.AppendOnly, byVDesc, 1, 10, false))
}

// BenchmarkTopNAppendOnlyWithRank: the same with the rank column.
func BenchmarkTopNAppendOnlyWithRank(b *testing.B) {
	benchRank(b, rankNode(plan.AppendOnly, byVDesc, 1, 10, true))
}

// BenchmarkDedupKeepFirst: keep the first row per partition by rowtime.
func BenchmarkDedupKeepFirst(b *testing.B) { benchRank(b, dedupNode(cTS, false, false)) }

// BenchmarkChangelogNormalize: an upsert stream over 10,000 keys (1 in 8
// rows a tombstone, 1 in 4 values unchanged), heap backend; one op is one
// input row.
func BenchmarkChangelogNormalize(b *testing.B) {
	cn, err := NewChangelogNormalize([]int{0}, 3)
	if err != nil {
		b.Fatal(err)
	}
	op := optest.OpenBench(b, cn)
	const batch = 1024
	keys := make([]types.Value, 10_000)
	for i := range keys {
		keys[i] = types.StringValue("key-" + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676)))
	}
	names := []types.Value{types.StringValue("a"), types.StringValue("b"), types.StringValue("c"), types.StringValue("d")}
	rnd := rand.New(rand.NewPCG(1, 2))
	bt := types.NewBatch(batch)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += batch {
		bt.Reset()
		for j := 0; j < batch; j++ {
			row := bt.Alloc(3)
			row[0] = keys[rnd.IntN(len(keys))]
			if rnd.IntN(8) == 0 {
				row[1], row[2] = types.NullValue(), types.NullValue()
				bt.Append(types.Delete, row)
				continue
			}
			row[1], row[2] = names[rnd.IntN(len(names))], types.IntValue(1)
			bt.Append(types.UpdateAfter, row)
		}
		if err := op.Process(0, bt); err != nil {
			b.Fatal(err)
		}
	}
}
