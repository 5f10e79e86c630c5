package filesystem

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/format/canal"
	"github.com/sluicehq/sluice/internal/format/debezium"
	"github.com/sluicehq/sluice/internal/types"
)

func changelogCtx(t *testing.T, with map[string]string, proj []int) connector.CreateContext {
	t.Helper()
	r := registry(t)
	for _, f := range []*connector.Format{debezium.New(), canal.New()} {
		if err := r.RegisterFormat(f); err != nil {
			t.Fatal(err)
		}
	}
	with["connector"] = "filesystem"
	_, opts, fspec, err := r.Resolve("changes", with)
	if err != nil {
		t.Fatal(err)
	}
	return connector.CreateContext{Table: "changes", Schema: schema, Options: opts, Format: fspec, Projection: proj}
}

// A changelog captured in files replays as a changelog.
func TestSourceDebeziumFile(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "changes.json"), strings.Join([]string{
		`{"before":null,"after":{"id":1,"name":"a"},"op":"c"}`,
		`{"before":{"id":1,"name":"a"},"after":{"id":1,"name":"b"},"op":"u"}`,
		`{"before":{"id":1,"name":"b"},"after":null,"op":"d"}`,
		`{"before":null,"after":{"id":2,"name":"c"},"op":"r"}`,
	}, "\n"))
	src, err := New().NewSource(changelogCtx(t, map[string]string{"path": dir, "format": "debezium-json"}, []int{1}))
	if err != nil {
		t.Fatal(err)
	}
	if !src.(connector.ChangelogSource).ProducesChangelog() {
		t.Error("a debezium-json file source must declare a changelog")
	}
	got, _, err := readAll(t, src)
	if err != nil {
		t.Fatal(err)
	}
	if want := "+I[a] -U[a] +U[b] -D[b] +I[c]"; strings.Join(got, " ") != want {
		t.Errorf("got %s want %s", strings.Join(got, " "), want)
	}
}

// A canal event with more rows than a Read may return carries the rest over
// to the next Read; bad records name the line or are skipped.
func TestSourceCanalFile(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "c.json"), strings.Join([]string{
		`{"data":[{"id":"1","name":"a"},{"id":"2","name":"b"},{"id":"3","name":"c"}],"type":"INSERT"}`,
		`{"data":[{"id":"2","name":"B"}],"old":[{"name":"b"}],"type":"UPDATE"}`,
		`{"data":[{"id":"x"}],"type":"INSERT"}`,
		`{"data":[{"id":"3","name":"c"}],"type":"DELETE"}`,
	}, "\n"))
	src, _ := New().NewSource(changelogCtx(t, map[string]string{"path": dir, "format": "canal-json"}, nil))
	got, _, err := readAll(t, src)
	if err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("bad record: %v", err)
	}
	src, _ = New().NewSource(changelogCtx(t, map[string]string{"path": dir, "format": "canal-json", "canal-json.ignore-parse-errors": "true"}, nil))
	got, skipped, err := readAll(t, src)
	if err != nil || skipped != 1 {
		t.Fatalf("err %v skipped %d", err, skipped)
	}
	if want := "+I[1, a] +I[2, b] +I[3, c] -U[2, b] +U[2, B] -D[3, c]"; strings.Join(got, " ") != want {
		t.Errorf("got %s want %s", strings.Join(got, " "), want)
	}
}

// A changelog written as debezium-json reads back as the same changelog.
func TestSinkDebeziumRoundTrip(t *testing.T) {
	dir := t.TempDir()
	ctx := changelogCtx(t, map[string]string{"path": dir, "format": "debezium-json"}, nil)
	snk, err := New().NewSink(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if snk.Accepts() != connector.All {
		t.Fatal("a debezium-json sink takes every row kind")
	}
	w, _ := snk.Open(context.Background(), 0, 1)
	b := types.NewBatch(4)
	b.Append(types.Insert, types.Row{types.IntValue(1), types.StringValue("a")})
	b.Append(types.UpdateBefore, types.Row{types.IntValue(1), types.StringValue("a")})
	b.Append(types.UpdateAfter, types.Row{types.IntValue(1), types.StringValue("b")})
	b.Append(types.Delete, types.Row{types.IntValue(1), types.StringValue("b")})
	if err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	src, _ := New().NewSource(changelogCtx(t, map[string]string{"path": dir, "format": "debezium-json"}, nil))
	got, _, err := readAll(t, src)
	if err != nil {
		t.Fatal(err)
	}
	// Flink's debezium-json writes -U as a delete and +U as a create.
	if want := "+I[1, a] -D[1, a] +I[1, b] -D[1, b]"; strings.Join(got, " ") != want {
		t.Errorf("got %s want %s", strings.Join(got, " "), want)
	}
	_ = os.RemoveAll(dir)
}
