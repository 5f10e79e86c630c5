package physical_test

import (
	"errors"
	"flag"
	"fmt"
	"github.com/sluicehq/sluice/internal/testutil/fixture"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/bench/nexmark/queries"
	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/connector/all"
	"github.com/sluicehq/sluice/internal/connector/nexmark"
	"github.com/sluicehq/sluice/internal/engine"
	"github.com/sluicehq/sluice/internal/sql/analyzer"
	"github.com/sluicehq/sluice/internal/sql/ast"
	"github.com/sluicehq/sluice/internal/sql/functions"
	"github.com/sluicehq/sluice/internal/sql/optimizer"
	"github.com/sluicehq/sluice/internal/sql/parser"
	"github.com/sluicehq/sluice/internal/sql/physical"
	"github.com/sluicehq/sluice/internal/sql/plan"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the expected outputs in testdata/*.txt")

// The planner fixtures (format: package fixture) take a script through the
// whole front end: parser, analyzer, optimizer and physical planner.
// Directives:
//
//	setup        the script becomes the file's preamble: every later case
//	             runs it first, in a fresh session (its positions are not
//	             those of the case). Output: nothing, or its error.
//	setup nexmark
//	             the preamble is the nexmark table 'datagen' and its views
//	             person, auction and bid (nexmark.TableDDL, ViewsDDL).
//	analyze      for each statement that runs a job: its output schema and
//	             the logical plan as the analyzer built it (plan.Explain).
//	plan         the same after optimizer.Optimize.
//	explain      physical.Explain of the optimized plans and the job graph;
//	             parallelism 2 unless the script SETs 'parallelism.default'.
//	nexmark <q>  explain of the reference Nexmark query q (the script is
//	             empty), over the 'setup nexmark' preamble.
//
// SHOW, DESCRIBE and SET without a key print their table. EXPLAIN statements
// print physical.Explain. An error stops the case; it is printed as
// "error: " and ast.Error.Render (message with line and column, the
// offending line with a caret, and the hint), or "error: " and the text of
// a non-AST error (physical planning).
//
// TestFixtures below runs them.

func nexmarkPreamble() string {
	return nexmark.TableDDL("datagen", map[string]string{
		"events.num": "1000",
		"base-time":  "1577836800000",
	}) + nexmark.ViewsDDL("datagen")
}

func TestFixtures(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			ff := fixture.Read(t, path)
			preamble := ""
			for _, p := range ff.Parts {
				fx, ok := p.(*fixture.Case)
				if !ok {
					continue
				}
				var got string
				switch {
				case fx.Directive == "setup":
					preamble = fx.Input
					got = run(preamble, "", "setup")
				case fx.Directive == "setup nexmark":
					preamble = nexmarkPreamble()
					got = run(preamble, "", "setup")
				case strings.HasPrefix(fx.Directive, "nexmark "):
					q, err := queries.Query(strings.TrimPrefix(fx.Directive, "nexmark "))
					if err != nil {
						t.Fatalf("%s:%d: %v", path, fx.Line, err)
					}
					got = run(preamble, q, "explain")
				case fx.Directive == "analyze" || fx.Directive == "plan" || fx.Directive == "explain":
					got = run(preamble, fx.Input, fx.Directive)
				default:
					t.Fatalf("%s:%d: unknown directive %q", path, fx.Line, fx.Directive)
				}
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

func registry() *connector.Registry {
	return all.NewRegistry(all.WithOutput(io.Discard, io.Discard))
}

// run executes preamble then script in a fresh session and renders what
// mode asks for.
func run(preamble, script, mode string) string {
	s := analyzer.NewSession(registry(), functions.Builtins())
	var out strings.Builder
	for _, src := range []string{preamble, script} {
		if strings.TrimSpace(src) == "" {
			continue
		}
		stmts, err := parser.Parse(src)
		if err != nil {
			return renderErr(src, err)
		}
		for _, st := range stmts {
			a, err := s.Analyze(st)
			if err != nil {
				return noBlankLines(out.String() + renderErr(src, err))
			}
			if src == preamble && script != "" {
				continue
			}
			switch x := a.(type) {
			case analyzer.Done:
			case *analyzer.Show:
				out.WriteString(renderShow(x))
			case *analyzer.Explain:
				txt, err := explain(s, x.Run)
				if err != nil {
					return noBlankLines(out.String() + "error: " + err.Error())
				}
				out.WriteString(txt)
			case *analyzer.Run:
				txt, err := render(s, x, mode)
				out.WriteString(txt)
				if err != nil {
					return noBlankLines(out.String() + "error: " + err.Error())
				}
			}
		}
	}
	return noBlankLines(out.String())
}

// noBlankLines drops empty lines (a blank line ends a case's output).
func noBlankLines(s string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) != "" {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

func render(s *analyzer.Session, r *analyzer.Run, mode string) (string, error) {
	var b strings.Builder
	switch mode {
	case "analyze", "plan":
		for _, sk := range r.Sinks {
			if mode == "plan" {
				// The optimizer may turn time attributes into plain
				// timestamps (regular joins materialise them); nothing
				// else of the schema may change.
				noAttrs := strings.NewReplacer(" *ROWTIME*", "", " *PROCTIME*", "")
				before := sk.Schema().String()
				sk = optimizer.Optimize(sk)
				if after := sk.Schema().String(); noAttrs.Replace(after) != noAttrs.Replace(before) {
					fmt.Fprintf(&b, "the optimizer changed the schema from %s\n", before)
				}
			}
			fmt.Fprintf(&b, "schema: %s\n", sk.Schema())
			b.WriteString(plan.Explain(sk))
		}
		return b.String(), nil
	case "explain":
		return explain(s, r)
	}
	return "", nil
}

func explain(s *analyzer.Session, r *analyzer.Run) (string, error) {
	par := 2
	if v, ok := s.Config["parallelism.default"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			return "", err
		}
		par = n
	}
	oo, po, err := engine.PlannerOptions(s.Config)
	if err != nil {
		return "", err
	}
	sinks := make([]*plan.Sink, len(r.Sinks))
	for i, sk := range r.Sinks {
		sinks[i] = optimizer.OptimizeWith(sk, oo)
	}
	g, err := physical.Build(sinks, physical.Options{Parallelism: par, Agg: po.Agg, NoSourceReuse: po.NoSourceReuse})
	if err != nil {
		return "", err
	}
	return physical.Explain(sinks, g), nil
}

func renderErr(src string, err error) string {
	var ae *ast.Error
	if errors.As(err, &ae) {
		return "error: " + ae.Render(src)
	}
	return "error: " + err.Error()
}

func renderShow(sh *analyzer.Show) string {
	var b strings.Builder
	b.WriteString(strings.Join(sh.Columns, " | ") + "\n")
	for _, r := range sh.Rows {
		b.WriteString(strings.Join(r, " | ") + "\n")
	}
	return b.String()
}
