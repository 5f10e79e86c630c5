package all

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var rewrite = flag.Bool("rewrite", false, "rewrite docs/connectors.md from the option specs")

// docs/connectors.md is generated from the registry; it must not drift.
func TestConnectorDocsUpToDate(t *testing.T) {
	path := filepath.Join("..", "..", "..", "docs", "connectors.md")
	want := NewRegistry().Markdown()
	if *rewrite {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/connector/all -rewrite)", err)
	}
	if string(got) != want {
		t.Fatalf("docs/connectors.md is stale: run go test ./internal/connector/all -rewrite")
	}
}
