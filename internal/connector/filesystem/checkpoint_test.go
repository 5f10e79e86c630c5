package filesystem

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/types"
)

// Stopping anywhere (after any number of rows, reading in small batches)
// and resuming at the reported position yields exactly the rest of the
// file, for plain and changelog formats.
func TestResumeAtPosition(t *testing.T) {
	dir := t.TempDir()
	var plain, cdc strings.Builder
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&plain, "{\"id\":%d,\"name\":\"x%d\"}\n", i, i)
		if i%3 == 0 { // an update: two rows from one line
			fmt.Fprintf(&cdc, "{\"before\":{\"id\":%d,\"name\":\"o\"},\"after\":{\"id\":%d,\"name\":\"n\"},\"op\":\"u\"}\n", i, i)
		} else {
			fmt.Fprintf(&cdc, "{\"before\":null,\"after\":{\"id\":%d,\"name\":\"c\"},\"op\":\"c\"}\n", i)
		}
	}
	for _, c := range []struct{ format, data string }{{"json", plain.String()}, {"debezium-json", cdc.String()}} {
		path := filepath.Join(dir, c.format+".json")
		if err := os.WriteFile(path, []byte(c.data), 0o644); err != nil {
			t.Fatal(err)
		}
		src, err := New().NewSource(changelogCtx(t, map[string]string{"path": path, "format": c.format}, nil))
		if err != nil {
			t.Fatal(err)
		}
		splits, err := src.Splits(1)
		if err != nil {
			t.Fatal(err)
		}
		read := func(r connector.Reader, max, limit int) []string {
			var out []string
			for len(out) < limit {
				b := types.NewBatch(max)
				err := r.Read(context.Background(), b, min(max, limit-len(out)))
				for i, row := range b.Rows {
					out = append(out, b.Kinds[i].String()+fmt.Sprint(row[0].Int())+row[1].Str())
				}
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			return out
		}
		whole, _ := src.Open(context.Background(), splits[0])
		want := read(whole, 7, 1000)
		for stop := 0; stop <= len(want); stop += 5 {
			r1, _ := src.Open(context.Background(), splits[0])
			head := read(r1, 3, stop)
			pos, err := r1.(connector.CheckpointedReader).Position()
			if err != nil {
				t.Fatal(err)
			}
			r2, err := src.(connector.ResumableSource).OpenAt(context.Background(), splits[0], pos)
			if err != nil {
				t.Fatal(err)
			}
			got := append(head, read(r2, 4, 1000)...)
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Fatalf("%s, stopped after %d rows: resumed stream differs\n got  %v\n want %v", c.format, stop, got, want)
			}
		}
	}
}
