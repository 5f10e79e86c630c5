package kafka

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/connector"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// withDiscoveryBounds sets the bounds of discovery.go for one test.
func withDiscoveryBounds(t *testing.T, n int, d time.Duration) {
	oldN, oldD := discoveryFailLimit, discoveryFailTime
	discoveryFailLimit, discoveryFailTime = n, d
	t.Cleanup(func() { discoveryFailLimit, discoveryFailTime = oldN, oldD })
}

// The streak: fatal kinds fail once seen discoveryFailLimit times in a row
// over discoveryFailTime; other errors are retried and end a streak, as
// does a successful discovery.
func TestDiscoveryFailureBounds(t *testing.T) {
	withDiscoveryBounds(t, 3, 30*time.Second)
	s := &source{t: &table{name: "kafka", ctx: connector.CreateContext{Table: "events"}}}
	now := time.Unix(0, 0)
	s.streak.now = func() time.Time { return now }
	gone := fmt.Errorf("topic 'events': %w", kerr.UnknownTopicOrPartition)
	fatal := func(err error) bool { return errors.Is(s.discoveryFailed(err), connector.ErrDiscoveryFailed) }
	step := func(d time.Duration) { now = now.Add(d) }

	// Three in a row, but within 30 s: retried; the fourth at 30 s fails.
	for i := 0; i < 3; i++ {
		if fatal(gone) {
			t.Fatalf("failure %d within the time bound was fatal", i+1)
		}
		step(10 * time.Second)
	}
	err := s.discoveryFailed(gone)
	if !errors.Is(err, connector.ErrDiscoveryFailed) || !errors.Is(err, kerr.UnknownTopicOrPartition) ||
		!strings.Contains(err.Error(), "4 times in a row over 30s") || !strings.Contains(err.Error(), "recreate it or change the table's 'topic'") {
		t.Fatalf("fourth failure: %v", err)
	}

	// A transient error or a success in between starts the count again.
	s.discovered()
	for i, e := range []error{gone, gone, errors.New("dial tcp: connection refused"), gone, gone} {
		step(time.Minute)
		if fatal(e) {
			t.Fatalf("failure %d after the streak was broken was fatal", i+1)
		}
	}
	step(time.Minute)
	if !fatal(kerr.TopicAuthorizationFailed) {
		t.Error("a third fatal failure in a row (another kind) over minutes was retried")
	}
	// Transient errors alone never fail.
	s.discovered()
	for i := 0; i < 10; i++ {
		step(time.Hour)
		if fatal(kerr.RequestTimedOut) {
			t.Fatal("a timeout was fatal")
		}
	}
}

// discoveringSource starts a cluster with topic "events" (2 partitions)
// and a source on it whose first splits are taken, discovery giving up
// after two failures in a row.
func discoveringSource(t *testing.T) (*kfake.Cluster, connector.DynamicSource) {
	t.Helper()
	withDiscoveryBounds(t, 2, 0)
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "events"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	src := newSourceT(t, tableDef{with: with(strings.Join(c.ListenAddrs(), ","))})
	splitsOf(t, src)
	return c, src.(connector.DynamicSource)
}

// A topic deleted while the job runs: discovery reports it, and gives up
// after the bounds with an error naming the topic.
func TestDiscoveryTopicDeleted(t *testing.T) {
	c, ds := discoveringSource(t)
	cl, _ := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	defer cl.Close()
	if _, err := kadm.NewClient(cl).DeleteTopics(context.Background(), "events"); err != nil {
		t.Fatal(err)
	}
	_, err := ds.NewSplits(context.Background())
	if err == nil || errors.Is(err, connector.ErrDiscoveryFailed) || !errors.Is(err, kerr.UnknownTopicOrPartition) {
		t.Fatalf("first discovery after the deletion: %v", err)
	}
	_, err = ds.NewSplits(context.Background())
	if !errors.Is(err, connector.ErrDiscoveryFailed) || !strings.Contains(err.Error(), "topic 'events'") {
		t.Fatalf("second discovery after the deletion: %v", err)
	}
}

// Metadata answering TOPIC_AUTHORIZATION_FAILED (ACLs changed under the
// job) is fatal too, after the bounds.
func TestDiscoveryNotAuthorised(t *testing.T) {
	c, ds := discoveringSource(t)
	c.ControlKey(kmsg.Metadata.Int16(), func(r kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		req := r.(*kmsg.MetadataRequest)
		if len(req.Topics) == 0 {
			return nil, nil, false // the client's own broker discovery
		}
		resp := req.ResponseKind().(*kmsg.MetadataResponse)
		for _, tp := range req.Topics {
			rt := kmsg.NewMetadataResponseTopic()
			rt.Topic = tp.Topic
			rt.ErrorCode = kerr.TopicAuthorizationFailed.Code
			resp.Topics = append(resp.Topics, rt)
		}
		return resp, nil, true
	})
	_, err := ds.NewSplits(context.Background())
	if errors.Is(err, connector.ErrDiscoveryFailed) || !errors.Is(err, kerr.TopicAuthorizationFailed) {
		t.Fatalf("first denied discovery: %v", err)
	}
	_, err = ds.NewSplits(context.Background())
	if !errors.Is(err, connector.ErrDiscoveryFailed) || !strings.Contains(err.Error(), "grant DESCRIBE and READ") {
		t.Fatalf("second denied discovery: %v", err)
	}
}
