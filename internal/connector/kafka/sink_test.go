package kafka

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/types"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func newSinkT(t testing.TB, d tableDef) connector.Sink {
	t.Helper()
	s, err := New(registry(t)).NewSink(createContext(t, d))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func batchOf(rows ...types.Row) *types.Batch {
	b := types.NewBatch(len(rows))
	for _, r := range rows {
		b.Append(types.Insert, r)
	}
	return b
}

func person(id int64, name string) types.Row {
	return types.Row{types.IntValue(id), types.StringValue(name)}
}

// consumed reads every record of the topic visible at the isolation level,
// as "partition|key|value", sorted.
func consumed(t testing.TB, addr string, committed bool) []string {
	t.Helper()
	opts := []kgo.Opt{kgo.SeedBrokers(addr), kgo.ConsumeTopics("events"), kgo.FetchMaxWait(50 * time.Millisecond)}
	if committed {
		opts = append(opts, kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var out []string
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		fs := cl.PollFetches(ctx)
		cancel()
		if fs.NumRecords() == 0 {
			break
		}
		fs.EachRecord(func(r *kgo.Record) {
			out = append(out, string(rune('0'+r.Partition))+"|"+string(r.Key)+"|"+string(r.Value))
		})
	}
	sort.Strings(out)
	return out
}

func TestSinkKeyAndValueFormats(t *testing.T) {
	addr := cluster(t, "events")
	def := tableDef{with: with(addr, "key.format", "raw", "key.fields", "name", "value.fields-include", "EXCEPT_KEY",
		"sink.partitioner", "fixed", "sink.delivery-guarantee", "none")}
	w, err := newSinkT(t, def).Open(context.Background(), 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(batchOf(person(1, "ann"), person(2, "bob"))); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(consumed(t, addr, false), " "); got != `1|ann|{"id":1} 1|bob|{"id":2}` {
		t.Errorf("records %s", got)
	}
	def.with["scan.bounded.mode"] = "latest-offset"
	src := newSourceT(t, def)
	got, err := readAll(t, src, splitsOf(t, src), -1)
	if err != nil || strings.Join(got, " ") != "+I[1, ann] +I[2, bob]" {
		t.Errorf("read back %v %v", got, err)
	}

	// A prefixed key in json: the key format sees the name without it.
	schema := types.Schema{Fields: []types.Field{{Name: "k_id", Type: types.BigIntType}, {Name: "name", Type: types.StringType}}}
	def = tableDef{schema: schema, with: with(addr, "topic", "other", "key.format", "json", "key.fields", "k_id", "key.fields-prefix", "k_",
		"value.fields-include", "EXCEPT_KEY", "value.format", "json", "format", "", "scan.bounded.mode", "latest-offset")}
	w, _ = newSinkT(t, def).Open(context.Background(), 0, 1)
	_ = w.Write(batchOf(person(7, "eve")))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	src = newSourceT(t, def)
	got, err = readAll(t, src, splitsOf(t, src), -1)
	if err != nil || strings.Join(got, " ") != "+I[7, eve]" {
		t.Errorf("prefixed key read back %v %v", got, err)
	}
}

func TestSinkRejectsUpdates(t *testing.T) {
	addr := cluster(t, "events")
	w, _ := newSinkT(t, tableDef{with: with(addr)}).Open(context.Background(), 0, 1)
	defer w.Close()
	b := types.NewBatch(1)
	b.Append(types.UpdateAfter, person(1, "x"))
	if err := w.Write(b); err == nil || !strings.Contains(err.Error(), "insert-only") {
		t.Errorf("update into json kafka: %v", err)
	}
}

func txnSink(t testing.TB, addr string) connector.Sink {
	return newSinkT(t, tableDef{with: with(addr, "sink.delivery-guarantee", "exactly-once", "sink.transactional-id-prefix", "job7")})
}

func values(recs []string) string {
	var out []string
	for _, r := range recs {
		out = append(out, r[strings.LastIndexByte(r, '|')+1:])
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// Exactly-once: a checkpoint's records are invisible to read_committed
// consumers until Commit; after a crash, Recover commits the restored
// checkpoint's transactions once and aborts the transaction left open.
func TestExactlyOnce(t *testing.T) {
	addr := cluster(t, "events")
	w, err := txnSink(t, addr).Open(context.Background(), 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	tw := w.(connector.TwoPhaseCommitWriter)
	if err := tw.Write(batchOf(person(1, "a"), person(2, "b"))); err != nil {
		t.Fatal(err)
	}
	c1, err := tw.PreCommit(1)
	if err != nil || c1 == nil {
		t.Fatalf("precommit: %s %v", c1, err)
	}
	var rec committable
	if err := json.Unmarshal(c1, &rec); err != nil || rec.TransactionalID != "job7-0-0" || rec.Checkpoint != 1 {
		t.Fatalf("committable %s", c1)
	}
	if got := consumed(t, addr, true); len(got) != 0 {
		t.Fatalf("visible before commit: %v", got)
	}
	if got := consumed(t, addr, false); len(got) != 2 {
		t.Fatalf("read_uncommitted sees %v", got)
	}
	if err := tw.Commit(1, [][]byte{c1}); err != nil {
		t.Fatal(err)
	}
	if got := values(consumed(t, addr, true)); got != `{"id":1,"name":"a"} {"id":2,"name":"b"}` {
		t.Fatalf("after commit: %s", got)
	}
	// Checkpoint 2 is prepared, then the process "dies": checkpoint 2
	// completed but Commit never ran, and record 4 is in an open
	// transaction after it.
	_ = tw.Write(batchOf(person(3, "c")))
	c2, err := tw.PreCommit(2)
	if err != nil {
		t.Fatal(err)
	}
	_ = tw.Write(batchOf(person(4, "d")))
	if err := tw.(*txnWriter).flush(tw.(*txnWriter).clients[2]); err != nil {
		t.Fatal(err)
	}
	c3, err := tw.PreCommit(3)
	if err != nil || c3 == nil {
		t.Fatalf("precommit 3: %v", err)
	}
	_ = tw.Write(batchOf(person(5, "e"))) // open, never prepared
	_ = tw.(*txnWriter).flush(tw.(*txnWriter).clients[3])
	t.Cleanup(func() { // the dead process's connections
		for _, cl := range tw.(*txnWriter).clients {
			if cl != nil {
				cl.Close()
			}
		}
	})

	// Restore from checkpoint 2: its committables are c1 (already
	// committed: a second commit must succeed) and c2. The transactions of
	// checkpoint 3 (prepared, not in the restored checkpoint) and the open
	// one are aborted by fencing.
	w2, err := txnSink(t, addr).Open(context.Background(), 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	tw2 := w2.(connector.TwoPhaseCommitWriter)
	if err := tw2.Recover([][]byte{c1, c2, nil}); err != nil {
		t.Fatal(err)
	}
	want := `{"id":1,"name":"a"} {"id":2,"name":"b"} {"id":3,"name":"c"}`
	if got := values(consumed(t, addr, true)); got != want {
		t.Fatalf("after recover: %s, want %s", got, want)
	}
	// Recover and Commit are idempotent.
	if err := tw2.Recover([][]byte{c1, c2}); err != nil {
		t.Fatal(err)
	}
	if err := tw2.Commit(2, [][]byte{c2}); err != nil {
		t.Fatal(err)
	}
	// The new writer carries on in new transactions.
	_ = tw2.Write(batchOf(person(6, "f")))
	c4, _ := tw2.PreCommit(4)
	if err := tw2.Commit(4, [][]byte{c4}); err != nil {
		t.Fatal(err)
	}
	if err := tw2.Close(); err != nil {
		t.Fatal(err)
	}
	if got := values(consumed(t, addr, true)); got != want+` {"id":6,"name":"f"}` {
		t.Fatalf("after the new writer: %s", got)
	}
	// No transaction is left open: the last stable offsets reached the ends.
	cl, _ := kgo.NewClient(kgo.SeedBrokers(addr))
	defer cl.Close()
	adm := kadm.NewClient(cl)
	lso, _ := adm.ListCommittedOffsets(context.Background(), "events")
	hwm, _ := adm.ListEndOffsets(context.Background(), "events")
	lso.Each(func(o kadm.ListedOffset) {
		if h, _ := hwm.Lookup(o.Topic, o.Partition); h.Offset != o.Offset {
			t.Errorf("partition %d: last stable offset %d, end %d: a transaction is open", o.Partition, o.Offset, h.Offset)
		}
	})
}

// What the broker answers to a second EndTxn(commit) for a committed
// transaction (documented on endTxn): kfake speaks KIP-890 (EndTxn v5,
// which bumps the epoch on commit) and answers a retry one epoch behind
// with NONE; once the id has moved on to another transaction,
// PRODUCER_FENCED.
func TestEndTxnAnswers(t *testing.T) {
	addr := cluster(t, "events")
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic("events"), kgo.TransactionalID("probe"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx := context.Background()
	_ = cl.BeginTransaction()
	if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte("x")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	pid, epoch, _ := cl.ProducerID(ctx)
	if err := cl.EndTransaction(ctx, kgo.TryCommit); err != nil {
		t.Fatal(err)
	}
	code := func() error {
		req := kmsg.NewPtrEndTxnRequest()
		req.TransactionalID, req.ProducerID, req.ProducerEpoch, req.Commit = "probe", pid, epoch, true
		resp, err := req.RequestWith(ctx, cl)
		if err != nil {
			t.Fatal(err)
		}
		return kerr.ErrorForCode(resp.ErrorCode)
	}
	if err := code(); err != nil {
		t.Errorf("second commit right after the first: %v, want NONE", err)
	}
	_ = cl.BeginTransaction()
	_ = cl.ProduceSync(ctx, &kgo.Record{Value: []byte("y")})
	_ = cl.EndTransaction(ctx, kgo.TryCommit)
	if err := code(); !errors.Is(err, kerr.ProducerFenced) {
		t.Errorf("commit of an old transaction after a newer one: %v, want PRODUCER_FENCED", err)
	}
	if err := endTxn(ctx, cl, nil, committable{TransactionalID: "probe", ProducerID: pid, ProducerEpoch: epoch}); err != nil {
		t.Errorf("endTxn takes it as committed: %v", err)
	}
}
