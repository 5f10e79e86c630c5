package parser

import (
	"errors"
	"flag"
	"github.com/sluicehq/sluice/internal/bench/nexmark/queries"
	"github.com/sluicehq/sluice/internal/connector/nexmark"
	"github.com/sluicehq/sluice/internal/testutil/fixture"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/sql/ast"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the expected outputs in testdata/*.txt")

// nexmarkVars stands in for the placeholders the Nexmark runner substitutes.
var nexmarkVars = strings.NewReplacer("${NEXMARK_TABLE}", "datagen")

// runFixture runs one case of testdata/*.txt (format: package fixture).
// Directives:
//
//	parse                  the input is a script
//	expr                   the input is one expression
//	parse-nexmark <name>   a Nexmark query of the benchmark, or "ddl"
//
// The output is Dump / DumpExpr of the result, or "error: " followed by the
// *ast.Error text.
func runFixture(t *testing.T, fx *fixture.Case) string {
	switch {
	case fx.Directive == "parse":
		return renderParse(Parse(fx.Input))
	case fx.Directive == "expr":
		e, err := ParseExpr(fx.Input)
		if err != nil {
			return renderErr(err)
		}
		return DumpExpr(e)
	case strings.HasPrefix(fx.Directive, "parse-nexmark "):
		return renderParse(Parse(nexmarkScript(t, strings.TrimPrefix(fx.Directive, "parse-nexmark "))))
	}
	t.Fatalf("line %d: unknown directive %q", fx.Line, fx.Directive)
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
			ff := fixture.Read(t, path)
			for _, p := range ff.Parts {
				fx, ok := p.(*fixture.Case)
				if !ok {
					continue
				}
				got := runFixture(t, fx)
				if *rewrite {
					fx.Want = got
					continue
				}
				if got != fx.Want {
					t.Errorf("%s:%d: %s\n%s\n--- got:\n%s\n--- want:\n%s", path, fx.Line, fx.Directive, fx.Input, got, fx.Want)
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
		for _, p := range fixture.Read(t, path).Parts {
			fx, ok := p.(*fixture.Case)
			if !ok || fx.Directive != "parse" {
				continue
			}
			checkErr(t, fx.Input)
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
