package kafka

import (
	"context"
	"errors"
	"fmt"
	"io"
	"syscall"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/connector/blackhole"
	"github.com/sluicehq/sluice/internal/types"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Benchmarks against kfake, in-process: kfake's own work (serving fetches)
// runs on the same cores as the client, so records/s per CPU-second counts
// both. BenchmarkKfakeCeiling measures kfake with a bare kgo consumer that
// does not decode, the ceiling the connector cannot exceed here; the
// connector's own cost is the difference. Run:
//
//	go test ./internal/connector/kafka -run '^$' -bench . -benchtime 3x

const benchRecords = 200_000

var benchSchema = types.Schema{Fields: []types.Field{
	{Name: "id", Type: types.BigIntType}, {Name: "name", Type: types.StringType},
	{Name: "price", Type: types.DoubleType}, {Name: "ts", Type: types.TimestampType(3)},
}}

func benchCluster(b *testing.B) string {
	addr := cluster(b, "events")
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic("events"), kgo.ProducerLinger(5*time.Millisecond))
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	ctx := context.Background()
	for i := 0; i < benchRecords; i++ {
		v := fmt.Sprintf(`{"id":%d,"name":"item-%d","price":%d.25,"ts":"2024-01-02 03:04:05.%03d"}`, i, i%1000, i%500, i%1000)
		cl.Produce(ctx, &kgo.Record{Key: []byte(fmt.Sprint(i % 97)), Value: []byte(v)}, nil)
	}
	if err := cl.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	return addr
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func report(b *testing.B, records int, wall, cpu time.Duration) {
	b.ReportMetric(float64(records)/wall.Seconds(), "records/s")
	b.ReportMetric(float64(records)/cpu.Seconds(), "records/cpu-s")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkSourceJSONToBlackhole reads the topic with the kafka source
// (json values, three partitions read interleaved by one task) into the
// blackhole sink.
func BenchmarkSourceJSONToBlackhole(b *testing.B) {
	addr := benchCluster(b)
	reg := registry(b)
	_, opts, fspec, err := reg.Resolve("events", with(addr, "scan.bounded.mode", "latest-offset"))
	if err != nil {
		b.Fatal(err)
	}
	bh, _ := blackhole.New().NewSink(connector.CreateContext{})
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	total := 0
	for n := 0; n < b.N; n++ {
		src, err := New(reg).NewSource(connector.CreateContext{Table: "events", Schema: benchSchema, Options: opts, Format: fspec})
		if err != nil {
			b.Fatal(err)
		}
		splits, err := src.Splits(1)
		if err != nil {
			b.Fatal(err)
		}
		var readers []connector.Reader
		for _, sp := range splits {
			r, err := src.Open(context.Background(), sp)
			if err != nil {
				b.Fatal(err)
			}
			readers = append(readers, r)
		}
		w, _ := bh.Open(context.Background(), 0, 1)
		batch := types.NewBatch(1024)
		for live := len(readers); live > 0; {
			live = 0
			for i, r := range readers {
				if r == nil {
					continue
				}
				live++
				batch.Reset()
				err := r.Read(context.Background(), batch, 1024)
				total += batch.Len()
				if err := w.Write(batch); err != nil {
					b.Fatal(err)
				}
				if errors.Is(err, io.EOF) {
					_ = r.Close()
					readers[i] = nil
				} else if err != nil {
					b.Fatal(err)
				}
			}
		}
		_ = w.Close()
	}
	if total != benchRecords*b.N {
		b.Fatalf("read %d records, want %d", total, benchRecords*b.N)
	}
	report(b, total, time.Since(start), cpuTime()-cpu0)
}

// BenchmarkKfakeCeiling consumes the same topic with a bare kgo client,
// touching each record but decoding nothing.
func BenchmarkKfakeCeiling(b *testing.B) {
	addr := benchCluster(b)
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	total := 0
	for n := 0; n < b.N; n++ {
		cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics("events"))
		if err != nil {
			b.Fatal(err)
		}
		got, bytes := 0, 0
		for got < benchRecords {
			fs := cl.PollRecords(context.Background(), 4096)
			fs.EachRecord(func(r *kgo.Record) { bytes += len(r.Value); got++ })
		}
		cl.Close()
		total += got
	}
	report(b, total, time.Since(start), cpuTime()-cpu0)
}
