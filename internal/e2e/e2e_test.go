package e2e

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/connector/all"
	"github.com/sluicehq/sluice/internal/engine"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the expect/error sections of testdata/*.txt from the actual output (check every change by hand)")

// parallelisms every case runs at; results must agree.
var parallelisms = []int{1, 2}

// caseTimeout bounds one run of one case.
const caseTimeout = 20 * time.Second

func TestE2E(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txt"), func(t *testing.T) {
			runFile(t, path, false)
		})
	}
}

// TestKnownBugs runs testdata/known_bugs/*.txt and requires every case to
// still fail: the expectations there are the right answers, so a fix makes
// the test fail until its case moves to the topic file it belongs in.
func TestKnownBugs(t *testing.T) {
	files, err := filepath.Glob("testdata/known_bugs/*.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txt"), func(t *testing.T) {
			runFile(t, path, true)
		})
	}
}

func runFile(t *testing.T, path string, knownBugs bool) {
	f, err := parseFixture(path)
	if err != nil {
		t.Fatal(err)
	}
	got := map[*fixtureCase][]string{}
	for _, c := range f.cases {
		t.Run(subtestName(c.name), func(t *testing.T) {
			if knownBugs && c.knownBug == "" {
				t.Fatalf("%s:%d: a case in known_bugs needs a '# known-bug:' line", path, c.line)
			}
			if !knownBugs && c.knownBug != "" {
				t.Fatalf("%s:%d: '# known-bug:' cases belong in testdata/known_bugs", path, c.line)
			}
			var first []string
			mismatch := ""
			for _, p := range parallelisms {
				out := runCase(t, c, p)
				if first == nil {
					first = out
				} else if !compare(c.mode, first, out) && mismatch == "" {
					mismatch = fmt.Sprintf("parallelism %d and %d disagree:\n--- p=%d\n%s\n--- p=%d\n%s",
						parallelisms[0], p, parallelisms[0], strings.Join(first, "\n"), p, strings.Join(out, "\n"))
				}
				if !compare(c.mode, c.want, out) && mismatch == "" {
					mismatch = fmt.Sprintf("parallelism %d:\n--- want\n%s\n--- got\n%s",
						p, strings.Join(c.want, "\n"), strings.Join(out, "\n"))
				}
			}
			switch {
			case knownBugs && mismatch == "":
				t.Errorf("%s:%d: known bug %q no longer reproduces: move the case to its topic file and remove the known-bug line", path, c.line, c.knownBug)
			case knownBugs:
				t.Logf("%s:%d: still fails as expected (%s)", path, c.line, c.knownBug)
			case mismatch != "" && *rewrite:
				got[c] = first
			case mismatch != "":
				t.Errorf("%s:%d: %s", path, c.line, mismatch)
			}
		})
	}
	if *rewrite && !knownBugs && len(got) > 0 {
		if err := os.WriteFile(path, []byte(f.format(got)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func subtestName(s string) string { return strings.ReplaceAll(s, " ", "_") }

// subtaskPrefix matches the print sink's "N> " or "identifier:N> " prefix
// of a parallel sink; the subtask number is dropped.
var subtaskPrefix = regexp.MustCompile(`^(?:([^\s>]+):)?\d+> `)

func stripSubtask(l string) string {
	m := subtaskPrefix.FindStringSubmatch(l)
	switch {
	case m == nil:
		return l
	case m[1] != "":
		return m[1] + "> " + l[len(m[0]):]
	}
	return l[len(m[0]):]
}

// runCase runs c's scripts at parallelism p and returns what it printed (or
// its error).
func runCase(t *testing.T, c *fixtureCase, p int) []string {
	dir := t.TempDir()
	vars := map[string]string{"dir": dir}
	for _, f := range c.files {
		path := filepath.Join(dir, f.name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		text := strings.Join(f.lines, "\n")
		if text != "" {
			text += "\n"
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		vars[f.name] = path
	}
	var out, errOut bytes.Buffer
	var runErr error
	for _, script := range c.scripts {
		script = substitute(script, vars, dir)
		e := &engine.Engine{
			Connectors: all.NewRegistry(all.WithOutput(&out, &errOut)),
			Out:        &out,
			Err:        &errOut,
		}
		ctx, cancel := context.WithTimeout(context.Background(), caseTimeout)
		prefix := fmt.Sprintf("SET 'parallelism.default' = '%d';\n", p)
		runErr = e.Run(ctx, prefix+script)
		timedOut := ctx.Err() != nil
		cancel()
		if timedOut {
			t.Fatalf("case %q at parallelism %d did not finish within %v", c.name, p, caseTimeout)
		}
		if runErr != nil {
			runErr = unshift(runErr, script)
			break
		}
	}
	norm := func(s string) string { return strings.ReplaceAll(s, dir, "${dir}") }
	if c.mode == "error" {
		if runErr == nil {
			return []string{"<no error>"}
		}
		return strings.Split(norm(runErr.Error()), "\n")
	}
	if runErr != nil {
		return []string{"<error> " + norm(runErr.Error())}
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(out.String(), "\n"), "\n") {
		if l == "" {
			continue
		}
		lines = append(lines, norm(stripSubtask(l)))
	}
	if c.mode == "final" {
		lines = fold(lines)
	}
	for _, d := range c.dumps {
		lines = append(lines, "-- "+d)
		lines = append(lines, dumpDir(t, filepath.Join(dir, d))...)
	}
	return lines
}

// substitute replaces ${name} by the path of a fixture file (or ${dir}).
func substitute(s string, vars map[string]string, dir string) string {
	return regexp.MustCompile(`\$\{([^}]+)\}`).ReplaceAllStringFunc(s, func(m string) string {
		name := m[2 : len(m)-1]
		if v, ok := vars[name]; ok {
			return v
		}
		return filepath.Join(dir, name) // a path the script will create
	})
}

// scriptErr renders errors with a position against the fixture's script:
// the harness's SET line is taken off the line number.
type scriptErr struct{ text string }

func (e scriptErr) Error() string { return e.text }

func unshift(err error, script string) error {
	var se *engine.ScriptError
	if !errors.As(err, &se) {
		return err
	}
	ae := *se.Err
	ae.Pos.Line--
	return scriptErr{text: ae.Render(script)}
}

// dumpDir lists the sorted lines of every file under dir.
func dumpDir(t *testing.T, dir string) []string {
	var lines []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, l := range strings.Split(string(data), "\n") {
			if l != "" {
				lines = append(lines, l)
			}
		}
		return nil
	})
	if err != nil {
		return []string{"<dump error> " + err.Error()}
	}
	sort.Strings(lines)
	return lines
}
