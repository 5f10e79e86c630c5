package parser

import (
	"errors"
	"flag"
	"github.com/sluicehq/sluice/internal/bench/nexmark/queries"
	"github.com/sluicehq/sluice/internal/connector/nexmark"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/sql/ast"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the expected outputs in testdata/*.txt")

// A fixture file is a sequence of cases separated by blank lines; lines
// starting with '#' between cases are comments. A case is:
//
//	parse | expr | parse-file <path under testdata>
//	<input lines, for parse and expr>
//	----
//	<expected output lines, up to a blank line or the end of the file>
//
// The output is Dump / DumpExpr of the result, or "error: " followed by the
// *ast.Error text.
type fixture struct {
	directive string
	line      int
	input     string
	want      string
}

// fixtureFile keeps comments verbatim so -rewrite can reproduce them.
type fixtureFile struct {
	parts []any // string (verbatim line) or *fixture
}

func readFixtures(t *testing.T, path string) *fixtureFile {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	ff := &fixtureFile{}
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			ff.parts = append(ff.parts, l)
			continue
		}
		fx := &fixture{directive: l, line: i + 1}
		var in []string
		for i++; i < len(lines) && lines[i] != "----"; i++ {
			in = append(in, lines[i])
		}
		if i >= len(lines) {
			t.Fatalf("%s:%d: case has no ---- separator", path, fx.line)
		}
		var out []string
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != ""; i++ {
			out = append(out, lines[i])
		}
		i-- // let the blank line be recorded as a verbatim part
		fx.input, fx.want = strings.Join(in, "\n"), strings.Join(out, "\n")
		ff.parts = append(ff.parts, fx)
	}
	return ff
}

func (ff *fixtureFile) String() string {
	var b strings.Builder
	for _, p := range ff.parts {
		switch p := p.(type) {
		case string:
			b.WriteString(p + "\n")
		case *fixture:
			b.WriteString(p.directive + "\n")
			if p.input != "" {
				b.WriteString(p.input + "\n")
			}
			b.WriteString("----\n")
			if p.want != "" {
				b.WriteString(p.want + "\n")
			}
		}
	}
	return b.String()
}

// nexmarkVars stands in for the placeholders the Nexmark runner substitutes.
var nexmarkVars = strings.NewReplacer("${NEXMARK_TABLE}", "datagen")

func runFixture(t *testing.T, fx *fixture) string {
	switch {
	case fx.directive == "parse":
		return renderParse(Parse(fx.input))
	case fx.directive == "expr":
		e, err := ParseExpr(fx.input)
		if err != nil {
			return renderErr(err)
		}
		return DumpExpr(e)
	case strings.HasPrefix(fx.directive, "parse-nexmark "):
		return renderParse(Parse(nexmarkScript(t, strings.TrimPrefix(fx.directive, "parse-nexmark "))))
	}
	t.Fatalf("line %d: unknown directive %q", fx.line, fx.directive)
	return ""
}

func renderParse(stmts []ast.Statement, err error) string {
	if err != nil {
		return renderErr(err)
	}
	return strings.TrimRight(Dump(stmts), "\n")
}

func renderErr(err error) string {
	var pe *ast.Error
	if !errors.As(err, &pe) {
		return "non-ast error: " + err.Error()
	}
	return "error: " + pe.Error()
}

func TestFixtures(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			ff := readFixtures(t, path)
			for _, p := range ff.parts {
				fx, ok := p.(*fixture)
				if !ok {
					continue
				}
				got := runFixture(t, fx)
				if *rewrite {
					fx.want = got
					continue
				}
				if got != fx.want {
					t.Errorf("%s:%d: %s\n%s\n--- got:\n%s\n--- want:\n%s", path, fx.line, fx.directive, fx.input, got, fx.want)
				}
			}
			if *rewrite {
				if err := os.WriteFile(path, []byte(ff.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// TestErrorPositions checks that every error case points inside the input.
func TestErrorPositions(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.txt")
	for _, path := range files {
		for _, p := range readFixtures(t, path).parts {
			fx, ok := p.(*fixture)
			if !ok || fx.directive != "parse" {
				continue
			}
			checkErr(t, fx.input)
		}
	}
}

// checkErr asserts the Parse contract on src: statements, or an *ast.Error
// whose position lies within the input (or just after its end).
func checkErr(t *testing.T, src string) {
	stmts, err := Parse(src)
	if err == nil {
		_ = Dump(stmts)
		return
	}
	var pe *ast.Error
	if !errors.As(err, &pe) {
		t.Fatalf("Parse(%q) returned %T, want *ast.Error", src, err)
	}
	lines := strings.Split(src, "\n")
	if pe.Pos.Line < 1 || pe.Pos.Line > len(lines) || pe.Pos.Col < 1 || pe.Pos.Col > len(lines[pe.Pos.Line-1])+1 {
		t.Fatalf("Parse(%q): error position %d:%d outside the input: %v", src, pe.Pos.Line, pe.Pos.Col, pe)
	}
	if pe.Msg == "" {
		t.Fatalf("Parse(%q): empty error message", src)
	}
}

func TestRender(t *testing.T) {
	src := "SELECT a\nFROM t WHERE"
	_, err := Parse(src)
	var pe *ast.Error
	if !errors.As(err, &pe) {
		t.Fatalf("want *ast.Error, got %v", err)
	}
	got := pe.Render(src)
	want := "line 2, column 13: unexpected end of input; expected an expression\n" +
		"   2 | FROM t WHERE\n" +
		"     |             ^"
	if got != want {
		t.Fatalf("Render:\n%s\nwant:\n%s", got, want)
	}
}

// nexmarkScript is the Nexmark DDL ("ddl": the table and its views) or a
// query, as the benchmark runs them.
func nexmarkScript(tb testing.TB, name string) string {
	if name == "ddl" {
		return nexmark.TableDDL("datagen", nil) + nexmark.ViewsDDL("datagen")
	}
	q, err := queries.Query(name)
	if err != nil {
		tb.Fatal(err)
	}
	return nexmarkVars.Replace(q)
}

func nexmarkScripts(tb testing.TB) []string {
	out := []string{nexmarkScript(tb, "ddl")}
	for _, n := range queries.Names() {
		out = append(out, nexmarkScript(tb, n))
	}
	return out
}

func BenchmarkParseNexmark(b *testing.B) {
	scripts := nexmarkScripts(b)
	size := 0
	for _, s := range scripts {
		size += len(s)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range scripts {
			if _, err := Parse(s); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.txt")
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		for _, chunk := range strings.Split(string(data), "\n----\n") {
			f.Add(chunk)
		}
	}
	for _, s := range nexmarkScripts(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		checkErr(t, src)
		if e, err := ParseExpr(src); err == nil {
			_ = DumpExpr(e)
		}
	})
}
