package task

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/connector"
)

// shardSource makes one split per task, named by index and count (as
// nexmark and datagen do); fixed, when set, lists the same splits at every
// parallelism (as kafka and filesystem do).
type shardSource struct{ fixed []string }

type namedSplit string

func (s namedSplit) ID() string { return string(s) }

func (s *shardSource) Bounded() bool { return true }
func (s *shardSource) Splits(p int) ([]connector.Split, error) {
	var out []connector.Split
	if s.fixed != nil {
		for _, id := range s.fixed {
			out = append(out, namedSplit(id))
		}
		return out, nil
	}
	for k := 0; k < p; k++ {
		out = append(out, namedSplit(fmt.Sprintf("shard:%d/%d", k, p)))
	}
	return out, nil
}
func (s *shardSource) Open(context.Context, connector.Split) (connector.Reader, error) {
	return nil, fmt.Errorf("not read in this test")
}

// restoredJob is a job restoring a checkpoint whose source tasks, at
// parallelism par, saved the given split IDs.
func restoredJob(par int, ids ...string) *Job {
	meta := &Metadata{Version: MetadataVersion, MaxParallelism: 128}
	for i, id := range ids {
		meta.Tasks = append(meta.Tasks, TaskSnapshot{Vertex: "0 src", Subtask: i % par, Parallelism: par,
			Splits: []SplitSnapshot{{Source: "t#0", ID: id, Position: []byte("7")}}})
	}
	return &Job{opts: Options{Restore: &Restore{Dir: "/sp", Meta: meta}}}
}

func splitIDs(splits []connector.Split) string {
	var ids []string
	for _, s := range splits {
		ids = append(ids, s.ID())
	}
	return strings.Join(ids, " ")
}

// Restored at another parallelism, a source whose splits depend on it
// keeps the splits the checkpoint has positions for (dealt round robin to
// the new tasks); one with fixed splits keeps its own list; one whose
// saved splits it lists at neither parallelism is refused.
func TestSourceSplitsAfterRescale(t *testing.T) {
	for _, c := range []struct {
		name  string
		src   *shardSource
		saved []string
		par   int
		want  string // split IDs, or the error's text
	}{
		{"shards at 1", &shardSource{}, []string{"shard:0/2", "shard:1/2"}, 1, "shard:0/2 shard:1/2"},
		{"shards at 3", &shardSource{}, []string{"shard:0/2", "shard:1/2"}, 3, "shard:0/2 shard:1/2"},
		{"shards at 2", &shardSource{}, []string{"shard:0/2", "shard:1/2"}, 2, "shard:0/2 shard:1/2"},
		{"fixed", &shardSource{fixed: []string{"p0", "p1", "p2"}}, []string{"p0", "p1"}, 3, "p0 p1 p2"},
		{"unknown", &shardSource{fixed: []string{"p0"}}, []string{"p0", "gone"}, 3,
			"source 't' cannot be restored at parallelism 3: /sp holds the positions of splits gone"},
	} {
		t.Run(c.name, func(t *testing.T) {
			j := restoredJob(2, c.saved...)
			v := &Vertex{Name: "src", Parallelism: c.par, Source: &SourceSpec{Table: "t", Key: "t#0", Source: c.src}}
			got, err := j.sourceSplits(v)
			if err != nil {
				if !strings.Contains(err.Error(), c.want) {
					t.Fatalf("error %v, want %q", err, c.want)
				}
				return
			}
			if splitIDs(got) != c.want {
				t.Fatalf("splits %q, want %q", splitIDs(got), c.want)
			}
		})
	}
}
