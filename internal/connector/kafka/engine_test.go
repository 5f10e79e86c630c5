package kafka_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/connector/all"
	"github.com/sluicehq/sluice/internal/connector/kafka"
	"github.com/sluicehq/sluice/internal/engine"
	"github.com/sluicehq/sluice/internal/testutil/syncbuf"
)

type syncBuffer struct{ syncbuf.Buffer }

// A job reading a topic that is deleted while it runs fails, after the
// discovery bounds, with an error naming the table, the topic and what to
// do; each failed discovery before that is a warning, and the failures are
// counted in the job's stats (the metric).
func TestEngineFailsWhenTheTopicIsDeleted(t *testing.T) {
	defer kafka.SetDiscoveryBounds(5, 0)()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "events"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	addr := strings.Join(c.ListenAddrs(), ",")
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic("events"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.ProduceSync(context.Background(), &kgo.Record{Value: []byte(`{"id":1}`)}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	out, errOut := &syncBuffer{}, &syncBuffer{}
	e := &engine.Engine{Connectors: all.NewRegistry(all.WithOutput(out, out)), Out: &bytes.Buffer{}, Err: errOut}
	script := fmt.Sprintf(`
CREATE TABLE events (id BIGINT) WITH ('connector' = 'kafka', 'topic' = 'events', 'properties.bootstrap.servers' = '%s',
  'format' = 'json', 'scan.startup.mode' = 'earliest-offset', 'scan.topic-partition-discovery.interval' = '20 ms');
CREATE TABLE res (id BIGINT) WITH ('connector' = 'print');
INSERT INTO res SELECT id FROM events;
`, addr)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx, script) }()
	for !strings.Contains(out.String(), "+I[1]") {
		select {
		case err := <-done:
			t.Fatalf("the job ended before reading: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	if _, err := kadm.NewClient(cl).DeleteTopics(context.Background(), "events"); err != nil {
		t.Fatal(err)
	}
	// The failures are counted while the job retries (4 × 20 ms).
	counted := false
	for !counted {
		for _, j := range e.JobStats() {
			for _, d := range j.DiscoveryFailures {
				counted = counted || d.Source == "events#0" && d.Count > 0
			}
		}
		select {
		case err = <-done:
			t.Fatalf("the job ended (%v) before its discovery failures were seen in its stats", err)
		case <-time.After(2 * time.Millisecond):
		}
	}
	err = <-done
	if !errors.Is(err, connector.ErrDiscoveryFailed) {
		t.Fatalf("job ended with %v, want a discovery failure", err)
	}
	for _, want := range []string{"source 'events'", "topic 'events'", "UNKNOWN_TOPIC_OR_PARTITION", "5 times in a row", "recreate it or change the table's 'topic'"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error lacks %q: %v", want, err)
		}
	}
	warn := errOut.String()
	if n := strings.Count(warn, "warning: job 0: source 'events': partition discovery: kafka table 'events': topic 'events': UNKNOWN_TOPIC_OR_PARTITION"); n != 4 {
		t.Errorf("%d warnings for the four retried failures, want 4:\n%s", n, warn)
	}
}
