package difftest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/connector/all"
	"github.com/sluicehq/sluice/internal/engine"
)

// TestRegressions runs the minimal reproducers in testdata/regressions at
// parallelism 1 and 2. Each file has "-- data" (the source file, $DATA in
// the script), "-- script" and "-- want" (the final table, one row per line
// in print format, after applying the changelog); "#" lines describe the
// bug. Cells are compared as text, so keep DOUBLE out of these.
func TestRegressions(t *testing.T) {
	files, err := filepath.Glob("testdata/regressions/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no regression files: %v", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txt"), func(t *testing.T) {
			sec := readSections(t, f)
			dir := t.TempDir()
			data := filepath.Join(dir, "data.json")
			if err := os.WriteFile(data, []byte(sec["data"]), 0o644); err != nil {
				t.Fatal(err)
			}
			want := lines(sec["want"])
			sort.Strings(want)
			for _, p := range []int{1, 2} {
				script := fmt.Sprintf("SET 'parallelism.default' = '%d';\n", p) + strings.ReplaceAll(sec["script"], "$DATA", data)
				out, err := runScript(script)
				if err != nil {
					t.Fatalf("parallelism %d: %v\n%s", p, err, out)
				}
				got, err := applyText(out)
				if err != nil {
					t.Fatalf("parallelism %d: %v", p, err)
				}
				if strings.Join(got, "\n") != strings.Join(want, "\n") {
					t.Errorf("parallelism %d:\n--- engine output\n%s--- got\n%s\n--- want\n%s", p, out, strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
			}
		})
	}
}

func readSections(t *testing.T, path string) map[string]string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sec := map[string]string{}
	cur := ""
	for _, l := range strings.SplitAfter(string(b), "\n") {
		switch {
		case strings.HasPrefix(l, "-- "):
			cur = strings.TrimSpace(l[3:])
		case strings.HasPrefix(l, "#") || cur == "":
		default:
			sec[cur] += l
		}
	}
	for _, k := range []string{"data", "script", "want"} {
		if _, ok := sec[k]; !ok {
			t.Fatalf("%s: no '-- %s' section", path, k)
		}
	}
	return sec
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func runScript(script string) (string, error) {
	var stdout, stderr bytes.Buffer
	e := &engine.Engine{Connectors: all.NewRegistry(all.WithOutput(&stdout, &stderr)), Out: &stdout, Err: &stderr}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := e.Run(ctx, script)
	return stdout.String(), err
}

// applyText applies a changelog whose cells are compared as text.
func applyText(out string) ([]string, error) {
	n := map[string]int{}
	for _, l := range lines(out) {
		if len(l) < 4 || l[2] != '[' || !strings.HasSuffix(l, "]") {
			return nil, fmt.Errorf("unexpected line %q", l)
		}
		row := l[3 : len(l)-1]
		if l[0] == '+' {
			n[row]++
		} else if n[row]--; n[row] < 0 {
			return nil, fmt.Errorf("retraction of a row not in the table: %q", l)
		}
	}
	var rows []string
	for r, c := range n {
		for ; c > 0; c-- {
			rows = append(rows, r)
		}
	}
	sort.Strings(rows)
	return rows, nil
}
