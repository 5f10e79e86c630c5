package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// exampleScript reads an example script and applies the edits a user
// would make (the broker's address) plus those that make it finish in a
// test, failing if one of them no longer matches the example.
func exampleScript(t *testing.T, name string, edits ...string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for i := 0; i+1 < len(edits); i += 2 {
		if !strings.Contains(s, edits[i]) {
			t.Fatalf("examples/%s no longer contains %q: update this test", name, edits[i])
		}
		s = strings.ReplaceAll(s, edits[i], edits[i+1])
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

type exampleClick struct {
	UserID string `json:"user_id"`
	URL    string `json:"url"`
	TS     string `json:"ts"`
}

// The README's Kafka examples work as written against a broker: the
// producer fills 'clicks', and the exactly-once job counts each minute's
// clicks and distinct users per page into 'clicks_per_minute', visible to
// a read_committed consumer, each window once.
func TestKafkaExamples(t *testing.T) {
	bin := sluiceBinary(t)
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "clicks", "clicks_per_minute"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	addr := c.ListenAddrs()[0]
	broker := "'properties.bootstrap.servers' = '" + addr + "'"

	// The producer, bounded to 3,000 clicks written as fast as possible.
	producer := exampleScript(t, "kafka_clicks_producer.sql",
		"'properties.bootstrap.servers' = 'localhost:9092'", broker,
		"'rows-per-second' = '1000'", "'rows-per-second' = '0', 'number-of-rows' = '3000'")
	if out, err := exec.Command(bin, "run", producer).CombinedOutput(); err != nil {
		t.Fatalf("producer example: %v\n%s", err, out)
	}
	clicks := readTopic(t, addr, "clicks", 3000, kgo.ReadUncommitted())
	if len(clicks) != 3000 {
		t.Fatalf("producer example wrote %d clicks, want 3000", len(clicks))
	}
	// Expected counts per (minute, page), from the records themselves.
	type agg struct {
		n     int
		users map[string]bool
	}
	want := map[string]*agg{}
	var last time.Time
	for _, r := range clicks {
		var ck exampleClick
		if err := json.Unmarshal(r, &ck); err != nil {
			t.Fatalf("click %s: %v", r, err)
		}
		ts, err := time.Parse("2006-01-02 15:04:05.999", ck.TS)
		if err != nil {
			t.Fatalf("click %s: %v", r, err)
		}
		if !strings.HasPrefix(ck.UserID, "user-") || !strings.HasPrefix(ck.URL, "/page/") {
			t.Fatalf("click %s: not a generated click", r)
		}
		if ts.After(last) {
			last = ts
		}
		k := ts.Truncate(time.Minute).Format("2006-01-02 15:04:05") + "|" + ck.URL
		if want[k] == nil {
			want[k] = &agg{users: map[string]bool{}}
		}
		want[k].n++
		want[k].users[ck.UserID] = true
	}
	// One click per partition two minutes later moves every partition's
	// watermark past the generated minutes, so their windows close.
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	late := last.Add(2 * time.Minute).Format("2006-01-02 15:04:05.000")
	for p := int32(0); p < 3; p++ {
		v, _ := json.Marshal(exampleClick{"user-0", "/later", late})
		if err := cl.ProduceSync(context.Background(), &kgo.Record{Topic: "clicks", Partition: p, Value: v}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	cl.Close()
	var wantRows []string
	for k, a := range want {
		wantRows = append(wantRows, fmt.Sprintf("%s|%d|%d", k, a.n, len(a.users)))
	}
	sort.Strings(wantRows)

	// The exactly-once job, with its checkpoint directory in the test's.
	job := exampleScript(t, "kafka_exactly_once.sql",
		"'properties.bootstrap.servers' = 'localhost:9092'", broker,
		"'/tmp/sluice-checkpoints/kafka-example'", "'"+filepath.Join(t.TempDir(), "ckpt")+"'",
		"'execution.checkpointing.interval' = '10 s'", "'execution.checkpointing.interval' = '500 ms'")
	cmd := exec.Command(bin, "run", "--resume", job)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	var got []string
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); {
		got = nil
		for _, r := range readTopic(t, addr, "clicks_per_minute", len(wantRows), kgo.ReadCommitted()) {
			var m struct {
				WindowStart string `json:"window_start"`
				URL         string `json:"url"`
				Clicks      int    `json:"clicks"`
				Users       int    `json:"users"`
			}
			if err := json.Unmarshal(r, &m); err != nil {
				t.Fatalf("output %s: %v", r, err)
			}
			got = append(got, fmt.Sprintf("%s|%s|%d|%d", m.WindowStart, m.URL, m.Clicks, m.Users))
		}
		if len(got) >= len(wantRows) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	sort.Strings(got)
	if strings.Join(got, "\n") != strings.Join(wantRows, "\n") {
		t.Fatalf("clicks_per_minute:\n%s\nwant:\n%s\njob stderr:\n%s", strings.Join(got, "\n"), strings.Join(wantRows, "\n"), stderr.String())
	}
}

// readTopic reads a topic's record values from the start until it has
// read want records or the topic stays quiet for a while.
func readTopic(t *testing.T, addr, topic string, want int, iso kgo.IsolationLevel) [][]byte {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(topic),
		kgo.FetchIsolationLevel(iso), kgo.FetchMaxWait(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var out [][]byte
	for idle := 0; idle < 3 && len(out) < want; {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		fs := cl.PollFetches(ctx)
		cancel()
		n := 0
		fs.EachRecord(func(r *kgo.Record) { out = append(out, r.Value); n++ })
		if n == 0 {
			idle++
		}
	}
	return out
}
