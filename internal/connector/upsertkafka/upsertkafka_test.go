package upsertkafka

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/format/json"
	"github.com/sluicehq/sluice/internal/format/raw"
	"github.com/sluicehq/sluice/internal/types"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

var schema = types.Schema{Fields: []types.Field{{Name: "id", Type: types.BigIntType.NotNull()}, {Name: "name", Type: types.StringType}}}

func setup(t *testing.T) (string, *connector.Registry) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "users"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	r := connector.NewRegistry()
	for _, err := range []error{r.Register(New(r)), r.RegisterFormat(json.New()), r.RegisterFormat(raw.New())} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return strings.Join(c.ListenAddrs(), ","), r
}

func ctxFor(t *testing.T, r *connector.Registry, addr string, pk []int, kv ...string) connector.CreateContext {
	with := map[string]string{"connector": "upsert-kafka", "topic": "users", "properties.bootstrap.servers": addr,
		"key.format": "json", "value.format": "json", "scan.bounded.mode": "latest-offset"}
	for i := 0; i+1 < len(kv); i += 2 {
		with[kv[i]] = kv[i+1]
	}
	_, opts, fspec, err := r.Resolve("users", with)
	if err != nil {
		t.Fatal(err)
	}
	return connector.CreateContext{Table: "users", Schema: schema, Options: opts, Format: fspec, PrimaryKey: pk}
}

func write(t *testing.T, s connector.Sink, kinds []types.RowKind, rows ...types.Row) {
	t.Helper()
	w, err := s.Open(context.Background(), 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	b := types.NewBatch(len(rows))
	for i, r := range rows {
		b.Append(kinds[i], r)
	}
	if err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func row(id int64, name string) types.Row {
	return types.Row{types.IntValue(id), types.StringValue(name)}
}

// read reads split sp from position pos (nil: start) to its end, returning
// the printed rows in order and the final position.
func read(t *testing.T, src connector.Source, sp connector.Split, pos []byte, max int) ([]string, []byte) {
	t.Helper()
	r, err := src.(connector.ResumableSource).OpenAt(context.Background(), sp, pos)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []string
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && (max < 0 || len(out) < max) {
		b := types.NewBatch(1)
		err := r.Read(context.Background(), b, 1)
		for i, rw := range b.Rows {
			out = append(out, types.FormatRowPrint(b.Kinds[i], rw, schema))
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	p, _ := r.(connector.CheckpointedReader).Position()
	return out, p
}

func TestRoundTripWithTombstones(t *testing.T) {
	addr, r := setup(t)
	snk, err := New(r).NewSink(ctxFor(t, r, addr, []int{0}))
	if err != nil {
		t.Fatal(err)
	}
	if snk.Accepts() != connector.Upsert {
		t.Fatal("upsert-kafka sinks take upserts")
	}
	I, UB, UA, D := types.Insert, types.UpdateBefore, types.UpdateAfter, types.Delete
	write(t, snk, []types.RowKind{I, I, UB, UA, D, UA, UA},
		row(1, "a"), row(2, "b"), row(1, "a"), row(1, "c"), row(2, "b"), row(1, "c"), row(3, "x"))
	src, err := New(r).NewSource(ctxFor(t, r, addr, []int{0}))
	if err != nil {
		t.Fatal(err)
	}
	if !src.(connector.ChangelogSource).ProducesChangelog() || !New(r).ProducesUpserts(ctxFor(t, r, addr, []int{0})) {
		t.Error("upsert-kafka sources produce an upsert stream")
	}
	splits, err := src.Splits(1)
	if err != nil {
		t.Fatal(err)
	}
	perKey := map[string][]string{} // key → its rows in order
	for _, sp := range splits {
		got, _ := read(t, src, sp, nil, -1)
		for _, g := range got {
			k := g[3:strings.IndexByte(g, ',')]
			perKey[k] = append(perKey[k], g)
		}
	}
	// The upsert stream, as written: +I/+U/+U are +U records (the -U was
	// dropped by the sink), -D a tombstone read back as the key alone.
	// Making a changelog of it is the planner's ChangelogNormalize.
	for k, want := range map[string]string{"1": "+U[1, a] +U[1, c] +U[1, c]", "2": "+U[2, b] -D[2, null]", "3": "+U[3, x]"} {
		if got := strings.Join(perKey[k], " "); got != want {
			t.Errorf("key %s: %s, want %s", k, got, want)
		}
	}
}

// A reader restored at a position reads from there only: it keeps no state
// per key, so there is nothing to rebuild (the normalize's state is in the
// checkpoint). A tombstone of a key it never saw is a -D of that key too.
func TestResumeReadsFromPosition(t *testing.T) {
	addr, r := setup(t)
	// One partition, so the order is known.
	cl, _ := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic("users"), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	defer cl.Close()
	put := func(k, v string) {
		rec := &kgo.Record{Key: []byte(k), Partition: 0}
		if v != "" {
			rec.Value = []byte(v)
		}
		if err := cl.ProduceSync(context.Background(), rec).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	put(`{"id":1}`, `{"id":1,"name":"a"}`)
	put(`{"id":2}`, `{"id":2,"name":"b"}`)
	src, _ := New(r).NewSource(ctxFor(t, r, addr, []int{0}, "scan.bounded.mode", "unbounded"))
	splits, _ := src.Splits(1)
	first, pos := read(t, src, splits[0], nil, 2)
	if strings.Join(first, " ") != "+U[1, a] +U[2, b]" || string(pos) != "offset:2" {
		t.Fatalf("first %v at %s", first, pos)
	}
	put(`{"id":1}`, `{"id":1,"name":"z"}`)
	put(`{"id":2}`, "")
	put(`{"id":9}`, "")
	put(`{"id":3}`, `{"id":3,"name":"c"}`)
	rest, _ := read(t, src, splits[0], pos, 4)
	if got := strings.Join(rest, " "); got != "+U[1, z] -D[2, null] -D[9, null] +U[3, c]" {
		t.Errorf("after resume: %s", got)
	}
}

func TestNeedsPrimaryKey(t *testing.T) {
	addr, r := setup(t)
	_, err := New(r).NewSource(ctxFor(t, r, addr, nil))
	if err == nil || !strings.Contains(err.Error(), "PRIMARY KEY") {
		t.Errorf("no primary key: %v", err)
	}
	_, _, _, err = r.Resolve("users", map[string]string{"connector": "upsert-kafka", "topic": "users",
		"properties.bootstrap.servers": addr, "value.format": "json"})
	if err == nil || !strings.Contains(err.Error(), "key.format") {
		t.Errorf("no key.format: %v", err)
	}
}
