package task

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/connector"
)

// discoSource is a blocking memSource whose split discovery fails: its
// n-th call (from 1) returns errs[n-1], and nothing once errs is used up.
type discoSource struct {
	memSource
	mu    sync.Mutex
	calls int
	errs  []error
	done  chan struct{} // closed when errs is used up
}

func (s *discoSource) DiscoveryInterval() time.Duration { return time.Millisecond }
func (s *discoSource) NewSplits(context.Context) ([]connector.Split, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.calls > len(s.errs) {
		if s.calls == len(s.errs)+1 {
			close(s.done)
		}
		return nil, nil
	}
	return nil, s.errs[s.calls-1]
}

func discoveryJob(src *discoSource) *Graph {
	g := &Graph{}
	s := sourceVertex(g, 1, src)
	s.Source.Key = "t#0"
	sink := &Vertex{ID: 2, Name: "Sink", Parallelism: 1, Schema: intSchema, Sink: &SinkSpec{Table: "out", Sink: nopSink{}}}
	g.Vertices = append(g.Vertices, sink)
	connectTo(g, sink, Forward, s)
	return g
}

type nopSink struct{}

func (nopSink) Accepts() connector.ChangelogMode                         { return connector.AppendOnly }
func (nopSink) Open(context.Context, int, int) (connector.Writer, error) { return failWriter{}, nil }

// Failed discoveries are reported through Options.Warn and counted per
// source while the job runs on; an error wrapping ErrDiscoveryFailed fails
// the job with it.
func TestDiscoveryFailuresAreReportedAndCounted(t *testing.T) {
	transient := errors.New("broker away")
	src := &discoSource{memSource: memSource{rows: [][]int64{nil}, block: true},
		errs: []error{transient, transient}, done: make(chan struct{})}
	var mu sync.Mutex
	var warnings []string
	j := NewJob(discoveryJob(src), Options{Warn: func(m string) {
		mu.Lock()
		defer mu.Unlock()
		warnings = append(warnings, m)
	}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- j.Run(ctx) }()
	select {
	case <-src.done:
	case err := <-done:
		t.Fatalf("the job ended: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("discovery was not retried")
	}
	cancel()
	<-done
	if got := fmt.Sprint(j.DiscoveryFailures()); got != "[{t#0 2}]" {
		t.Errorf("failures %s, want [{t#0 2}]", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(warnings) != 2 || !strings.Contains(warnings[1], "source 't': broker away (2 failed discoveries; next in 1ms)") {
		t.Errorf("warnings: %q", warnings)
	}
}

func TestFatalDiscoveryErrorFailsTheJob(t *testing.T) {
	gone := fmt.Errorf("%w: topic 'x' does not exist", connector.ErrDiscoveryFailed)
	src := &discoSource{memSource: memSource{rows: [][]int64{nil}, block: true},
		errs: []error{errors.New("broker away"), gone}, done: make(chan struct{})}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	j := NewJob(discoveryJob(src), Options{Warn: func(string) {}})
	err := j.Run(ctx)
	if !errors.Is(err, connector.ErrDiscoveryFailed) || !strings.Contains(err.Error(), "source 't': split discovery failed: topic 'x' does not exist") {
		t.Fatalf("job ended with %v, want the discovery error", err)
	}
	if got := fmt.Sprint(j.DiscoveryFailures()); got != "[{t#0 2}]" {
		t.Errorf("failures %s, want [{t#0 2}]", got)
	}
}
