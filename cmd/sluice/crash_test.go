package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// crashScript reads events from Kafka, counts them per key in 1-second
// tumbling windows and writes the counts to Kafka exactly once, with a
// checkpoint every 150 ms.
func crashScript(addr, dir, backend string) string {
	return fmt.Sprintf(`
SET 'state.backend.type' = '%[3]s';
SET 'state.backend.pebble.local-dir' = '%[2]s/pebble';
SET 'parallelism.default' = '2';
SET 'execution.checkpointing.interval' = '150 ms';
SET 'state.checkpoints.dir' = '%[2]s';
SET 'restart-strategy.type' = 'none';
CREATE TABLE src (k STRING, v BIGINT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) WITH (
  'connector' = 'kafka', 'topic' = 'in', 'properties.bootstrap.servers' = '%[1]s',
  'properties.group.id' = 'crash', 'scan.startup.mode' = 'earliest-offset',
  'scan.bounded.mode' = 'latest-offset', 'format' = 'json');
CREATE TABLE dst (k STRING, ws TIMESTAMP(3), c BIGINT, s BIGINT) WITH (
  'connector' = 'kafka', 'topic' = 'out', 'properties.bootstrap.servers' = '%[1]s', 'format' = 'json',
  'sink.delivery-guarantee' = 'exactly-once', 'sink.transactional-id-prefix' = 'crash');
INSERT INTO dst SELECT k, window_start, COUNT(*), SUM(v)
FROM TABLE(TUMBLE(TABLE src, DESCRIPTOR(ts), INTERVAL '1' SECOND))
GROUP BY window_start, window_end, k;
`, addr, dir, backend)
}

// produceEvents writes n events over keys k0..k9, 2 ms of event time
// apart, and returns the expected window counts "k|window start ms|count|sum".
func produceEvents(t *testing.T, addr string, n int) []string {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic("in"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	type agg struct{ c, s int64 }
	want := map[string]*agg{}
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		k := fmt.Sprintf("k%d", i%10)
		ts := base.Add(time.Duration(i) * 2 * time.Millisecond)
		v := int64(i % 97)
		b, _ := json.Marshal(map[string]any{"k": k, "v": v, "ts": ts.Format("2006-01-02 15:04:05.000")})
		cl.Produce(context.Background(), &kgo.Record{Key: []byte(k), Value: b}, func(_ *kgo.Record, err error) {
			if err != nil {
				t.Error(err)
			}
		})
		w := fmt.Sprintf("%s|%s", k, ts.Truncate(time.Second).Format("2006-01-02 15:04:05"))
		if want[w] == nil {
			want[w] = &agg{}
		}
		want[w].c++
		want[w].s += v
	}
	if err := cl.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	var out []string
	for w, a := range want {
		out = append(out, fmt.Sprintf("%s|%d|%d", w, a.c, a.s))
	}
	sort.Strings(out)
	return out
}

// committedResults reads everything committed to 'out'.
func committedResults(t *testing.T, addr string) []string {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics("out"),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.FetchMaxWait(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var out []string
	deadline := time.Now().Add(3 * time.Second)
	idle := 0
	for time.Now().Before(deadline) && idle < 5 {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		fs := cl.PollFetches(ctx)
		cancel()
		n := 0
		fs.EachRecord(func(r *kgo.Record) {
			var m struct {
				K  string `json:"k"`
				Ws string `json:"ws"`
				C  int64  `json:"c"`
				S  int64  `json:"s"`
			}
			if err := json.Unmarshal(r.Value, &m); err != nil {
				t.Fatalf("bad output record %q: %v", r.Value, err)
			}
			out = append(out, fmt.Sprintf("%s|%s|%d|%d", m.K, strings.TrimSuffix(m.Ws, ".000")[:19], m.C, m.S))
			n++
		})
		if n == 0 {
			idle++
		}
	}
	sort.Strings(out)
	return out
}

// committedOffset sums the last stable offsets of 'out': it grows when a
// transaction commits.
func committedOffset(t *testing.T, addr string) int64 {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	offs, err := kadm.NewClient(cl).ListCommittedOffsets(context.Background(), "out")
	if err != nil {
		return 0
	}
	var sum int64
	offs.Each(func(o kadm.ListedOffset) { sum += o.Offset })
	return sum
}

// A job killed with SIGKILL at random points and resumed from its latest
// checkpoint each time delivers every window result exactly once to a
// read_committed consumer, with either state backend.
func TestKillAndResumeIsExactlyOnce(t *testing.T) {
	bin := sluiceBinary(t)
	for _, backend := range []string{"hashmap", "pebble"} {
		t.Run(backend, func(t *testing.T) { killAndResume(t, bin, backend) })
	}
}

func killAndResume(t *testing.T, bin, backend string) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "in", "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	addr := c.ListenAddrs()[0]
	want := produceEvents(t, addr, 400000)

	dir := t.TempDir()
	script := filepath.Join(dir, "job.sql")
	if err := os.WriteFile(script, []byte(crashScript(addr, filepath.Join(dir, "ckpt"), backend)), 0o644); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	kills, killedAfterCommits := 0, 0
	for attempt := 0; ; attempt++ {
		if attempt > 40 {
			t.Fatal("the job never finished")
		}
		cmd := exec.Command(bin, "run", "--resume", script)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		if kills < 5 {
			// Kill only once this run has committed something (so a
			// resumed run must neither repeat nor lose it), at a random
			// point after that: between reads, inside a checkpoint or a
			// commit. Waiting for progress keeps the test independent of
			// the machine's speed.
			before := committedOffset(t, addr)
			progressed := false
			for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) && !progressed; {
				select {
				case err := <-done:
					if err != nil {
						t.Fatalf("run %d failed: %v\n%s", attempt, err, stderr.String())
					}
					t.Logf("run %d finished before its kill", attempt)
					goto finished
				case <-time.After(50 * time.Millisecond):
					progressed = committedOffset(t, addr) > before
				}
			}
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("run %d failed: %v\n%s", attempt, err, stderr.String())
				}
				t.Logf("run %d finished before its kill", attempt)
				goto finished
			case <-time.After(time.Duration(rng.IntN(200)) * time.Millisecond):
				cmd.Process.Signal(syscall.SIGKILL)
				<-done
				kills++
				if progressed {
					killedAfterCommits++
				}
				continue
			}
		} else if err := <-done; err != nil {
			t.Fatalf("final run failed: %v\n%s", err, stderr.String())
		}
		break
	}
finished:
	if killedAfterCommits < 2 {
		t.Fatalf("only %d of %d kills came after committed output: the input is too small for this machine", killedAfterCommits, kills)
	}
	got := committedResults(t, addr)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		have := map[string]int{}
		for _, g := range got {
			have[g]++
		}
		missing, dup := 0, 0
		for _, w := range want {
			if have[w] == 0 {
				missing++
			}
		}
		for _, n := range have {
			if n > 1 {
				dup += n - 1
			}
		}
		t.Fatalf("after %d kills: %d results, want %d (%d missing, %d duplicated)", kills, len(got), len(want), missing, dup)
	}
	t.Logf("%d kills (%d after committed output), %d results exactly once", kills, killedAfterCommits, len(got))
}
