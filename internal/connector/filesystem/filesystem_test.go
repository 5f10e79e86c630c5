package filesystem

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/format/csv"
	"github.com/sluicehq/sluice/internal/format/json"
	"github.com/sluicehq/sluice/internal/types"
)

var schema = types.Schema{Fields: []types.Field{
	{Name: "id", Type: types.BigIntType},
	{Name: "name", Type: types.StringType},
}}

func registry(t *testing.T) *connector.Registry {
	t.Helper()
	r := connector.NewRegistry()
	for _, err := range []error{r.Register(New()), r.RegisterFormat(json.New()), r.RegisterFormat(csv.New())} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return r
}

func createCtx(t *testing.T, with map[string]string, proj []int) connector.CreateContext {
	t.Helper()
	with["connector"] = "filesystem"
	_, opts, fspec, err := registry(t).Resolve("files", with)
	if err != nil {
		t.Fatal(err)
	}
	return connector.CreateContext{Table: "files", Schema: schema, Options: opts, Format: fspec, Projection: proj}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// readAll reads every split; it returns the printed rows and the first error.
func readAll(t *testing.T, src connector.Source) ([]string, int64, error) {
	t.Helper()
	splits, err := src.Splits(2)
	if err != nil {
		return nil, 0, err
	}
	var out []string
	var skipped int64
	for _, sp := range splits {
		r, err := src.Open(context.Background(), sp)
		if err != nil {
			return nil, 0, err
		}
		for {
			b := types.NewBatch(2)
			err := r.Read(context.Background(), b, 2)
			for i, row := range b.Rows {
				out = append(out, types.FormatRowPrint(b.Kinds[i], row, types.Schema{}))
			}
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return out, 0, err
			}
		}
		skipped += r.(connector.SkipCounter).Skipped()
		_ = r.Close()
	}
	return out, skipped, nil
}

func TestSourceDirectory(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "b.json"), `{"id": 2, "name": "b"}`+"\n\n"+`{"id": 3}`+"\r\n")
	write(t, filepath.Join(dir, "a.json"), `{"id": 1, "name": "a"}`)
	write(t, filepath.Join(dir, "sub", "c.json"), `{"id": 4, "name": "c"}`+"\n")
	write(t, filepath.Join(dir, ".hidden"), "junk\n")
	write(t, filepath.Join(dir, "_SUCCESS"), "")
	write(t, filepath.Join(dir, ".tmp", "x.json"), "junk\n")
	src, err := New().NewSource(createCtx(t, map[string]string{"path": "file://" + dir, "format": "json"}, nil))
	if err != nil {
		t.Fatal(err)
	}
	if !src.Bounded() {
		t.Error("filesystem source is bounded")
	}
	splits, _ := src.Splits(1)
	var ids []string
	for _, s := range splits {
		ids = append(ids, filepath.Base(strings.TrimPrefix(s.ID(), "file:")))
	}
	if strings.Join(ids, ",") != "a.json,b.json,c.json" {
		t.Fatalf("splits %v", ids)
	}
	rows, _, err := readAll(t, src)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rows, " "); got != "+I[1, a] +I[2, b] +I[3, null] +I[4, c]" {
		t.Fatalf("rows %s", got)
	}
	// Projection: only name.
	src, _ = New().NewSource(createCtx(t, map[string]string{"path": dir, "format": "json"}, []int{1}))
	rows, _, _ = readAll(t, src)
	if got := strings.Join(rows, " "); got != "+I[a] +I[b] +I[null] +I[c]" {
		t.Fatalf("projected rows %s", got)
	}
}

func TestBadRecords(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "in.csv")
	write(t, file, "1,a\nx,b\n3,c\n")
	src, _ := New().NewSource(createCtx(t, map[string]string{"path": file, "format": "csv"}, nil))
	_, _, err := readAll(t, src)
	var bad *connector.BadRecordError
	if !errors.As(err, &bad) || bad.Offset != "line 2" || bad.Location != file || bad.Source != "files" ||
		!strings.Contains(err.Error(), "field 'id': expected BIGINT") {
		t.Fatalf("got %v", err)
	}
	src, _ = New().NewSource(createCtx(t, map[string]string{"path": file, "format": "csv", "csv.ignore-parse-errors": "true"}, nil))
	rows, skipped, err := readAll(t, src)
	if err != nil || len(rows) != 2 || skipped != 1 {
		t.Fatalf("rows %v skipped %d err %v", rows, skipped, err)
	}
}

func TestLongLines(t *testing.T) {
	dir := t.TempDir()
	long := strings.Repeat("x", 3<<20)
	write(t, filepath.Join(dir, "in.csv"), "1,"+long+"\n2,y")
	src, _ := New().NewSource(createCtx(t, map[string]string{"path": dir, "format": "csv"}, nil))
	rows, _, err := readAll(t, src)
	if err != nil || len(rows) != 2 || len(rows[0]) != len(long)+7 || rows[1] != "+I[2, y]" {
		t.Fatalf("%d rows, err %v", len(rows), err)
	}
}

func TestMonitorIntervalUnsupported(t *testing.T) {
	_, err := New().NewSource(createCtx(t, map[string]string{"path": "/x", "format": "csv", "source.monitor-interval": "10 s"}, nil))
	if err == nil || !strings.Contains(err.Error(), "not supported yet") {
		t.Fatalf("got %v", err)
	}
}

func TestSink(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	ctx := createCtx(t, map[string]string{"path": dir, "format": "csv", "sink.rolling-policy.file-size": "8b"}, nil)
	s, err := New().NewSink(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.Accepts() != connector.AppendOnly {
		t.Error("filesystem sink is append-only")
	}
	w, err := s.Open(context.Background(), 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	b := types.NewBatch(3)
	b.Append(types.Insert, types.Row{types.IntValue(1), types.StringValue("a,b")})
	b.Append(types.Insert, types.Row{types.IntValue(2), types.StringValue("c")})
	b.Append(types.Insert, types.Row{types.IntValue(3), {}})
	if err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 2 || !strings.HasPrefix(names[0], "part-") || !strings.HasSuffix(names[0], "-1-0") || !strings.HasSuffix(names[1], "-1-1") {
		t.Fatalf("files %v", names)
	}
	src, _ := New().NewSource(createCtx(t, map[string]string{"path": dir, "format": "csv"}, nil))
	rows, _, err := readAll(t, src)
	if err != nil || strings.Join(rows, " ") != "+I[1, a,b] +I[2, c] +I[3, ]" {
		t.Fatalf("read back %v %v", rows, err)
	}
	bad := types.NewBatch(1)
	bad.Append(types.Delete, types.Row{types.IntValue(1), {}})
	w2, _ := s.Open(context.Background(), 0, 2)
	if err := w2.Write(bad); err == nil {
		t.Error("a -D row was accepted")
	}
}
