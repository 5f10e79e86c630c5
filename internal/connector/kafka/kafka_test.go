package kafka

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/format/debezium"
	"github.com/sluicehq/sluice/internal/format/json"
	"github.com/sluicehq/sluice/internal/format/raw"
	"github.com/sluicehq/sluice/internal/types"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// cluster starts an in-process Kafka with the given topics (3 partitions
// each) and returns its bootstrap address.
func cluster(t testing.TB, topics ...string) string {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, topics...), kfake.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return strings.Join(c.ListenAddrs(), ",")
}

func registry(t testing.TB) *connector.Registry {
	t.Helper()
	r := connector.NewRegistry()
	for _, err := range []error{r.Register(New(r)), r.RegisterFormat(json.New()), r.RegisterFormat(raw.New()), r.RegisterFormat(debezium.New())} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return r
}

var people = types.Schema{Fields: []types.Field{{Name: "id", Type: types.BigIntType}, {Name: "name", Type: types.StringType}}}

type tableDef struct {
	schema   types.Schema
	with     map[string]string
	proj     []int
	metadata []string
	pk       []int
}

func createContext(t testing.TB, d tableDef) connector.CreateContext {
	t.Helper()
	if d.schema.Len() == 0 {
		d.schema = people
	}
	_, opts, fspec, err := registry(t).Resolve("events", d.with)
	if err != nil {
		t.Fatal(err)
	}
	return connector.CreateContext{Table: "events", Schema: d.schema, Options: opts, Format: fspec,
		Projection: d.proj, Metadata: d.metadata, PrimaryKey: d.pk}
}

func with(addr string, kv ...string) map[string]string {
	m := map[string]string{"connector": "kafka", "topic": "events", "properties.bootstrap.servers": addr,
		"format": "json", "scan.startup.mode": "earliest-offset"}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			delete(m, kv[i])
		} else {
			m[kv[i]] = kv[i+1]
		}
	}
	return m
}

func newSourceT(t testing.TB, d tableDef) connector.Source {
	t.Helper()
	src, err := New(registry(t)).NewSource(createContext(t, d))
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// produce writes records synchronously.
func produce(t testing.TB, addr string, recs ...*kgo.Record) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic("events"), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

func rec(partition int32, value string) *kgo.Record {
	return &kgo.Record{Partition: partition, Value: []byte(value)}
}

// people(n) makes n json records spread over the 3 partitions: id i goes
// to partition i%3.
func peopleRecs(from, n int) []*kgo.Record {
	var out []*kgo.Record
	for i := from; i < from+n; i++ {
		out = append(out, rec(int32(i%3), fmt.Sprintf(`{"id":%d,"name":"p%d"}`, i, i)))
	}
	return out
}

// readAll opens every split and reads them interleaved, as a task does,
// until all end (bounded) or want rows arrived (want >= 0) or the time is
// up. Rows are printed, sorted.
func readAll(t testing.TB, src connector.Source, splits []connector.Split, want int) ([]string, error) {
	t.Helper()
	var readers []connector.Reader
	for _, sp := range splits {
		r, err := src.Open(context.Background(), sp)
		if err != nil {
			t.Fatal(err)
		}
		readers = append(readers, r)
	}
	defer func() {
		for _, r := range readers {
			_ = r.Close()
		}
	}()
	return drain(t, readers, want, outSchema(src))
}

// outSchema is the schema of the rows src emits: projected columns, then
// metadata.
func outSchema(src connector.Source) types.Schema {
	s, ok := src.(*source)
	if !ok {
		return types.Schema{}
	}
	out := s.t.ctx.ProjectedSchema()
	for _, m := range s.t.ctx.Metadata {
		out.Fields = append(out.Fields, types.Field{Name: m, Type: Metadata[m]})
	}
	return out
}

func drain(t testing.TB, readers []connector.Reader, want int, schemas ...types.Schema) ([]string, error) {
	t.Helper()
	var schema types.Schema
	if len(schemas) > 0 {
		schema = schemas[0]
	}
	var out []string
	done := make([]bool, len(readers))
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		active := 0
		for i, r := range readers {
			if done[i] {
				continue
			}
			active++
			b := types.NewBatch(16)
			err := r.Read(context.Background(), b, 16)
			for j, row := range b.Rows {
				out = append(out, types.FormatRowPrint(b.Kinds[j], row, schema))
			}
			if errors.Is(err, io.EOF) {
				done[i] = true
			} else if err != nil {
				return out, err
			}
		}
		if active == 0 || want >= 0 && len(out) >= want {
			sort.Strings(out)
			return out, nil
		}
	}
	t.Fatalf("timed out with %d rows: %v", len(out), out)
	return nil, nil
}

func splitsOf(t testing.TB, src connector.Source) []connector.Split {
	t.Helper()
	sp, err := src.Splits(1)
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

func TestBoundedReadWithMetadata(t *testing.T) {
	addr := cluster(t, "events")
	recs := peopleRecs(0, 9)
	recs[0].Headers = []kgo.RecordHeader{{Key: "h", Value: []byte("v")}}
	recs[0].Timestamp = time.UnixMilli(1_600_000_000_123)
	produce(t, addr, recs...)
	src := newSourceT(t, tableDef{with: with(addr, "scan.bounded.mode", "latest-offset"), proj: []int{1},
		metadata: []string{"topic", "partition", "offset", "timestamp", "headers", "leader-epoch", "timestamp-type"}})
	if !src.Bounded() {
		t.Fatal("a bounded mode makes a bounded source")
	}
	splits := splitsOf(t, src)
	ids := []string{}
	for _, sp := range splits {
		ids = append(ids, sp.ID())
	}
	if strings.Join(ids, ",") != "events:0,events:1,events:2" {
		t.Fatalf("split ids %v", ids)
	}
	produce(t, addr, peopleRecs(9, 3)...) // after the bound: not read
	got, err := readAll(t, src, splits, -1)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 9 {
		t.Fatalf("read %d rows, want 9: %v", len(got), got)
	}
	if got[0] != "+I[p0, events, 0, 0, 2020-09-13T12:26:40.123Z, {h=[118]}, 0, CreateTime]" {
		t.Errorf("first row %s", got[0])
	}
	if !strings.Contains(got[8], "p8, events, 2, 2,") {
		t.Errorf("last row %s", got[8])
	}
}

func TestStartupModes(t *testing.T) {
	addr := cluster(t, "events")
	old := time.UnixMilli(1_000_000)
	recs := peopleRecs(0, 6)
	for _, r := range recs {
		r.Timestamp = old
	}
	produce(t, addr, recs...)
	later := peopleRecs(6, 6)
	for _, r := range later {
		r.Timestamp = old.Add(time.Hour)
	}
	produce(t, addr, later...)
	// Commit offsets 3 for partition 0 in group g.
	cl, _ := kgo.NewClient(kgo.SeedBrokers(addr))
	defer cl.Close()
	var offs kadm.Offsets
	offs.AddOffset("events", 0, 3, -1)
	if _, err := kadm.NewClient(cl).CommitOffsets(context.Background(), "g", offs); err != nil {
		t.Fatal(err)
	}
	count := func(kv ...string) int {
		t.Helper()
		src := newSourceT(t, tableDef{with: with(addr, append(kv, "scan.bounded.mode", "latest-offset")...)})
		got, err := readAll(t, src, splitsOf(t, src), -1)
		if err != nil {
			t.Fatal(err)
		}
		return len(got)
	}
	for _, tc := range []struct {
		kv   []string
		want int
	}{
		{[]string{"scan.startup.mode", "earliest-offset"}, 12},
		{[]string{"scan.startup.mode", "latest-offset"}, 0},
		{[]string{"scan.startup.mode", "specific-offsets", "scan.startup.specific-offsets", "partition:0,offset:3;partition:1,offset:4"}, 1 + 0 + 4},
		{[]string{"scan.startup.mode", "timestamp", "scan.startup.timestamp-millis", fmt.Sprint(old.Add(time.Minute).UnixMilli())}, 6},
		{[]string{"scan.startup.mode", "group-offsets", "properties.group.id", "g", "properties.auto.offset.reset", "latest"}, 1},
		{[]string{"scan.startup.mode", "group-offsets", "properties.group.id", "g", "properties.auto.offset.reset", "earliest"}, 1 + 4 + 4},
	} {
		if got := count(tc.kv...); got != tc.want {
			t.Errorf("%v: read %d rows, want %d", tc.kv, got, tc.want)
		}
	}
	// group-offsets without a fallback and without a commit fails, naming the partition.
	src := newSourceT(t, tableDef{with: with(addr, "scan.startup.mode", "group-offsets", "properties.group.id", "g")})
	if _, err := src.Splits(1); err == nil || !strings.Contains(err.Error(), "no committed offset for topic 'events' partition 1") {
		t.Errorf("missing committed offset: %v", err)
	}
}

func TestBoundedModes(t *testing.T) {
	addr := cluster(t, "events")
	recs := peopleRecs(0, 12)
	for i, r := range recs {
		r.Timestamp = time.UnixMilli(int64(1_000_000 + i*1000))
	}
	produce(t, addr, recs...)
	for _, tc := range []struct {
		kv   []string
		want int
	}{
		{[]string{"scan.bounded.mode", "specific-offsets", "scan.bounded.specific-offsets", "partition:0,offset:2;partition:2,offset:4"}, 2 + 0 + 4},
		{[]string{"scan.bounded.mode", "timestamp", "scan.bounded.timestamp-millis", "1006000"}, 6},
	} {
		src := newSourceT(t, tableDef{with: with(addr, tc.kv...)})
		got, err := readAll(t, src, splitsOf(t, src), -1)
		if err != nil || len(got) != tc.want {
			t.Errorf("%v: read %d rows (%v), want %d", tc.kv, len(got), err, tc.want)
		}
	}
}

// An unbounded reader with nothing to read returns no rows within about
// 50 ms; a position resumes exactly after the last row read.
func TestIdleAndResume(t *testing.T) {
	addr := cluster(t, "events")
	src := newSourceT(t, tableDef{with: with(addr)})
	splits := splitsOf(t, src)
	r, err := src.Open(context.Background(), splits[0])
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	b := types.NewBatch(8)
	if err := r.Read(context.Background(), b, 8); err != nil || b.Len() != 0 {
		t.Fatalf("idle read: %v, %d rows", err, b.Len())
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("idle read took %v", d)
	}
	produce(t, addr, peopleRecs(0, 30)...) // 10 per partition
	var first []string
	for len(first) < 4 {
		b.Reset()
		if err := r.Read(context.Background(), b, 4-len(first)); err != nil {
			t.Fatal(err)
		}
		for _, row := range b.Rows {
			first = append(first, types.FormatRowPrint(types.Insert, row, types.Schema{}))
		}
	}
	pos, _ := r.(connector.CheckpointedReader).Position()
	if string(pos) != "offset:4" {
		t.Errorf("position %q", pos)
	}
	_ = r.Close()
	r2, err := src.(connector.ResumableSource).OpenAt(context.Background(), splits[0], pos)
	if err != nil {
		t.Fatal(err)
	}
	rest, err := drain(t, []connector.Reader{r2}, 6)
	_ = r2.Close()
	if err != nil {
		t.Fatal(err)
	}
	if first[0] != "+I[0, p0]" || first[3] != "+I[9, p9]" || len(rest) != 6 || rest[0] != "+I[12, p12]" {
		t.Errorf("first %v rest %v", first, rest)
	}
}

func TestDiscoverNewPartitions(t *testing.T) {
	addr := cluster(t, "events")
	src := newSourceT(t, tableDef{with: with(addr, "scan.startup.mode", "latest-offset")})
	ds := src.(connector.DynamicSource)
	splits := splitsOf(t, src)
	if fresh, err := ds.NewSplits(context.Background()); err != nil || len(fresh) != 0 {
		t.Fatalf("no new partitions yet: %v %v", fresh, err)
	}
	cl, _ := kgo.NewClient(kgo.SeedBrokers(addr))
	defer cl.Close()
	if _, err := kadm.NewClient(cl).CreatePartitions(context.Background(), 2, "events"); err != nil {
		t.Fatal(err)
	}
	produce(t, addr, rec(3, `{"id":3}`), rec(4, `{"id":4}`)) // before discovery: read from earliest
	fresh, err := ds.NewSplits(context.Background())
	if err != nil || len(fresh) != 2 || fresh[0].ID() != "events:3" {
		t.Fatalf("new splits %v %v", fresh, err)
	}
	got, err := readAll(t, src, append(splits, fresh...), 2)
	if err != nil || strings.Join(got, " ") != "+I[3, null] +I[4, null]" {
		t.Errorf("got %v %v", got, err)
	}
}

func TestBadRecords(t *testing.T) {
	addr := cluster(t, "events")
	produce(t, addr, rec(1, `{"id":1}`), rec(1, `{"id":"x"}`), rec(1, `{"id":3}`))
	src := newSourceT(t, tableDef{with: with(addr, "scan.bounded.mode", "latest-offset")})
	_, err := readAll(t, src, splitsOf(t, src), -1)
	var bad *connector.BadRecordError
	if !errors.As(err, &bad) || bad.Location != "topic events partition 1" || bad.Offset != "offset 1" ||
		!strings.Contains(err.Error(), "json.ignore-parse-errors") {
		t.Fatalf("bad record error: %v", err)
	}
	src = newSourceT(t, tableDef{with: with(addr, "scan.bounded.mode", "latest-offset", "json.ignore-parse-errors", "true")})
	splits := splitsOf(t, src)
	r, _ := src.Open(context.Background(), splits[1])
	got, err := drain(t, []connector.Reader{r}, -1)
	if err != nil || len(got) != 2 || r.(connector.SkipCounter).Skipped() != 1 {
		t.Errorf("ignore-parse-errors: %v %v skipped %d", got, err, r.(connector.SkipCounter).Skipped())
	}
	_ = r.Close()
}

func TestOptionErrors(t *testing.T) {
	addr := "localhost:1"
	for _, tc := range []struct {
		with map[string]string
		want string
	}{
		{with(addr, "scan.startup.mode", ""), "needs 'properties.group.id'"},
		{with(addr, "scan.startup.mode", "specific-offsets", "scan.startup.specific-offsets", "p0o42"), "partition:<n>,offset:<n>"},
		{with(addr, "key.fields", "nope", "key.format", "raw"), "'key.fields' names 'nope'"},
		{with(addr, "key.fields", "id"), "'key.fields' needs 'key.format'"},
		{with(addr, "key.fields", "id", "key.format", "json", "key.fields-prefix", "k_"), "needs 'value.fields-include' = 'EXCEPT_KEY'"},
		{with(addr, "key.fields", "id", "key.format", "json", "key.json.ignore-parse-eror", "true"), "did you mean 'ignore-parse-errors'"},
		{with(addr, "properties.security.protocol", "SASL_SSL"), "PLAINTEXT only"},
		{with(addr, "topic", "", "topic-pattern", "("), "topic-pattern"},
	} {
		_, opts, fspec, err := registry(t).Resolve("events", tc.with)
		if err == nil {
			_, err = New(registry(t)).NewSource(connector.CreateContext{Table: "events", Schema: people, Options: opts, Format: fspec})
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want %q", tc.with, err, tc.want)
		}
	}
	_, opts, fspec, _ := registry(t).Resolve("events", with(addr, "sink.delivery-guarantee", "exactly-once"))
	if _, err := New(registry(t)).NewSink(connector.CreateContext{Table: "events", Schema: people, Options: opts, Format: fspec}); err == nil ||
		!strings.Contains(err.Error(), "sink.transactional-id-prefix") {
		t.Errorf("exactly-once without prefix: %v", err)
	}
}

// A reader's lag is the records between its position and the partition's
// high watermark.
func TestLag(t *testing.T) {
	addr := cluster(t, "events")
	produce(t, addr, peopleRecs(0, 30)...) // 10 per partition
	src := newSourceT(t, tableDef{with: with(addr)})
	splits := splitsOf(t, src)
	r, err := src.Open(context.Background(), splits[0])
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	read := 0
	for read < 4 {
		b := types.NewBatch(4)
		if err := r.Read(context.Background(), b, 4-read); err != nil {
			t.Fatal(err)
		}
		read += b.Len()
	}
	if lag := r.(connector.LagReporter).Lag(); lag != 6 {
		t.Fatalf("lag after 4 of 10 records = %d, want 6", lag)
	}
}
