package upsertkafka_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/internal/connector/all"
	"github.com/sluicehq/sluice/internal/engine"
	"github.com/sluicehq/sluice/internal/testutil/syncbuf"
)

// End to end through the engine: an upsert-kafka table read into a print
// sink, with the records of one key in both partitions of the topic (the
// per-partition normalisation the reader used to do got that wrong: the
// second partition did not know the key). The planner's ChangelogNormalize,
// keyed on the primary key across partitions, gets it right, and its state
// is what a restored job continues from.

type syncBuffer struct{ syncbuf.Buffer }

func (s *syncBuffer) lines() []string {
	return strings.Fields(strings.ReplaceAll(s.String(), ", ", ","))
}

// record is one record for a partition; an empty value is a tombstone.
type record struct {
	partition int32
	id        int
	name      string
}

// The phases: each is produced once the job has emitted the previous one's
// output, so only the order across partitions within a phase is open.
var phases = [][]record{
	{{0, 1, "a"}, {1, 2, "b"}},
	{{1, 1, "c"}, {0, 2, ""}, {0, 3, "x"}}, // key 1 moves to partition 1, key 2 dies in partition 0
	{{0, 1, "d"}, {1, 3, ""}},              // and back; key 3 dies in partition 1
}

// want is each phase's output per key, in order.
var want = []string{
	"1: +I[1,a] | 2: +I[2,b]",
	"1: -U[1,a] +U[1,c] | 2: -D[2,b] | 3: +I[3,x]",
	"1: -U[1,c] +U[1,d] | 3: -D[3,x]",
}

// perKey renders lines as "id: change change | id: ...", ids sorted.
func perKey(lines []string) string {
	by := map[string][]string{}
	for _, l := range lines {
		id := l[3:strings.IndexByte(l, ',')]
		by[id] = append(by[id], l)
	}
	var parts []string
	for id, ls := range by {
		parts = append(parts, id+": "+strings.Join(ls, " "))
	}
	slices.Sort(parts)
	return strings.Join(parts, " | ")
}

type cluster struct {
	t    *testing.T
	addr string
	cl   *kgo.Client
}

func newCluster(t *testing.T) *cluster {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "users"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	addr := strings.Join(c.ListenAddrs(), ",")
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic("users"), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return &cluster{t, addr, cl}
}

func (c *cluster) produce(recs []record) {
	c.t.Helper()
	for _, r := range recs {
		rec := &kgo.Record{Partition: r.partition, Key: []byte(fmt.Sprintf(`{"id":%d}`, r.id))}
		if r.name != "" {
			rec.Value = []byte(fmt.Sprintf(`{"id":%d,"name":"%s"}`, r.id, r.name))
		}
		if err := c.cl.ProduceSync(context.Background(), rec).FirstErr(); err != nil {
			c.t.Fatal(err)
		}
	}
}

func (c *cluster) script(ckptDir, extra string) string {
	return fmt.Sprintf(`%s
SET 'parallelism.default' = '2';
SET 'execution.checkpointing.interval' = '50 ms';
SET 'state.checkpoints.dir' = '%s';
CREATE TABLE users (id BIGINT, name STRING, PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'upsert-kafka',
  'topic' = 'users', 'properties.bootstrap.servers' = '%s', 'key.format' = 'json', 'value.format' = 'json');
CREATE TABLE res (id BIGINT, name STRING) WITH ('connector' = 'print', 'sink.parallelism' = '1');
INSERT INTO res SELECT id, name FROM users;
`, extra, ckptDir, c.addr)
}

// job is a running script whose print output is collected.
type job struct {
	t      *testing.T
	e      *engine.Engine
	out    *syncBuffer
	seen   int
	cancel context.CancelFunc
	done   chan error
}

func start(t *testing.T, e *engine.Engine, script string) *job {
	out := &syncBuffer{}
	e.Connectors = all.NewRegistry(all.WithOutput(out, out))
	e.Out, e.Err = &bytes.Buffer{}, &bytes.Buffer{}
	ctx, cancel := context.WithCancel(context.Background())
	j := &job{t: t, e: e, out: out, cancel: cancel, done: make(chan error, 1)}
	go func() { j.done <- e.Run(ctx, script) }()
	return j
}

// next waits for n more output lines and returns them.
func (j *job) next(n int) []string {
	j.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		l := j.out.lines()
		if len(l) >= j.seen+n {
			got := l[j.seen : j.seen+n]
			j.seen += n
			return got
		}
		select {
		case err := <-j.done:
			j.t.Fatalf("the job ended (%v) after %d lines, waiting for %d: %v", err, len(l), j.seen+n, l)
		default:
		}
		if time.Now().After(deadline) {
			j.t.Fatalf("%d lines after 20 s, waiting for %d: %v", len(l), j.seen+n, l)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (j *job) stop() {
	j.t.Helper()
	j.cancel()
	if err := <-j.done; err != nil {
		j.t.Fatalf("run: %v", err)
	}
	if extra := j.out.lines()[j.seen:]; len(extra) > 0 {
		j.t.Errorf("unexpected output: %v", extra)
	}
}

func counts() []int {
	n := make([]int, len(want))
	for i, w := range want {
		n[i] = strings.Count(w, "[")
	}
	return n
}

func TestEngineKeyAcrossPartitions(t *testing.T) {
	c := newCluster(t)
	j := start(t, &engine.Engine{}, c.script(t.TempDir(), ""))
	for i, p := range phases {
		c.produce(p)
		if got := perKey(j.next(counts()[i])); got != want[i] {
			t.Errorf("phase %d: %s\nwant      %s", i, got, want[i])
		}
	}
	j.stop()
}

// Stopped with a savepoint after the second phase, restored after the
// third was produced: the restored job emits what an uninterrupted run
// emits for it (TestEngineKeyAcrossPartitions), -U and -D with the rows the
// first run saw, which only the normalize's restored state knows.
func TestEngineRestoreMidStream(t *testing.T) {
	for _, backend := range []string{"heap", "pebble"} {
		t.Run(backend, func(t *testing.T) {
			extra := ""
			if backend == "pebble" {
				extra = "SET 'state.backend.type' = 'pebble';\nSET 'state.backend.pebble.local-dir' = '" + t.TempDir() + "';"
			}
			c := newCluster(t)
			dir, sp := t.TempDir(), filepath.Join(t.TempDir(), "sp")
			j := start(t, &engine.Engine{}, c.script(dir, extra))
			for i, p := range phases[:2] {
				c.produce(p)
				if got := perKey(j.next(counts()[i])); got != want[i] {
					t.Fatalf("phase %d: %s\nwant      %s", i, got, want[i])
				}
			}
			if err := j.e.Savepoint(context.Background(), sp); err != nil {
				t.Fatal(err)
			}
			j.stop()
			c.produce(phases[2])
			j2 := start(t, &engine.Engine{FromSavepoint: sp}, c.script(dir, extra))
			if got := perKey(j2.next(counts()[2])); got != want[2] {
				t.Errorf("after restore: %s\nwant          %s", got, want[2])
			}
			j2.stop()
		})
	}
}

// An event-time temporal join against an upsert-kafka versioned table whose
// version time is the record's timestamp: the planner leaves the normalize
// out (normalize.go in package physical), so a tombstone ends the key at its
// own time. USD is 1.0 from t=1 s (partition 0), 2.0 from t=3 s (partition
// 1), deleted at t=5 s (partition 0): orders at 2 s, 4 s and 6 s see 1.0,
// 2.0 and nothing. (A normalize would turn the tombstone into a -D of the
// 2.0 row at 3 s, and the order at 4 s would see 1.0.)
func TestEngineTemporalJoinOnUpsertKafka(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "rates"), kfake.SeedTopics(1, "orders"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	addr := strings.Join(c.ListenAddrs(), ",")
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	put := func(topic string, p int32, ms int64, key, value string) {
		rec := &kgo.Record{Topic: topic, Partition: p, Timestamp: time.UnixMilli(ms), Key: []byte(key)}
		if value != "" {
			rec.Value = []byte(value)
		}
		if err := cl.ProduceSync(context.Background(), rec).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	put("rates", 0, 1000, `{"cur":"USD"}`, `{"cur":"USD","rate":1.0}`)
	put("rates", 1, 3000, `{"cur":"USD"}`, `{"cur":"USD","rate":2.0}`)
	put("rates", 0, 5000, `{"cur":"USD"}`, "")
	for i, ms := range []int64{2000, 4000, 6000} {
		put("orders", 0, ms, "", fmt.Sprintf(`{"id":%d,"cur":"USD"}`, i+1))
	}
	out := &syncBuffer{}
	e := &engine.Engine{Connectors: all.NewRegistry(all.WithOutput(out, out)), Out: &bytes.Buffer{}, Err: &bytes.Buffer{}}
	script := fmt.Sprintf(`
SET 'parallelism.default' = '2';
CREATE TABLE rates (cur STRING, rate DOUBLE, ts TIMESTAMP_LTZ(3) METADATA FROM 'timestamp',
  PRIMARY KEY (cur) NOT ENFORCED, WATERMARK FOR ts AS ts) WITH ('connector' = 'upsert-kafka', 'topic' = 'rates',
  'properties.bootstrap.servers' = '%[1]s', 'key.format' = 'json', 'value.format' = 'json', 'scan.bounded.mode' = 'latest-offset');
CREATE TABLE orders (id BIGINT, cur STRING, ts TIMESTAMP_LTZ(3) METADATA FROM 'timestamp', WATERMARK FOR ts AS ts)
  WITH ('connector' = 'kafka', 'topic' = 'orders', 'properties.bootstrap.servers' = '%[1]s', 'format' = 'json',
  'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset');
CREATE TABLE res (id BIGINT, rate DOUBLE) WITH ('connector' = 'print', 'sink.parallelism' = '1');
INSERT INTO res SELECT o.id, r.rate FROM orders AS o JOIN rates FOR SYSTEM_TIME AS OF o.ts AS r ON o.cur = r.cur;
`, addr)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.Run(ctx, script); err != nil {
		t.Fatal(err)
	}
	got := out.lines()
	slices.Sort(got)
	if strings.Join(got, " ") != "+I[1,1.0] +I[2,2.0]" {
		t.Errorf("joined: %v, want +I[1,1.0] +I[2,2.0]", got)
	}
}
