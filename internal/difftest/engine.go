package difftest

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/internal/connector/all"
	"github.com/sluicehq/sluice/internal/engine"
)

// RunEngine writes the case's data (one file per table) under dir, runs its
// script at the given parallelism and returns the script and the print
// sink's output.
func RunEngine(ctx context.Context, c *Case, dir string, parallelism int) (script, out string, err error) {
	write := func(name string, rows [][]Value) (string, error) {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(DataJSON(rows)), 0o644); err != nil {
			return "", fmt.Errorf("writing the case's data: %w", err)
		}
		return path, nil
	}
	if c.Join != nil {
		paths := make([]string, len(c.Tables))
		for i, rows := range c.Tables {
			if paths[i], err = write(fmt.Sprintf("t%d.json", i+1), rows); err != nil {
				return "", "", err
			}
		}
		script = JoinScript(c.Join, paths, parallelism)
	} else {
		path, err := write("data.json", c.Rows)
		if err != nil {
			return "", "", err
		}
		script = Script(c.Query, path, parallelism)
	}
	var stdout, stderr bytes.Buffer
	e := &engine.Engine{
		Connectors: all.NewRegistry(all.WithOutput(&stdout, &stderr)),
		Out:        &stdout,
		Err:        &stderr,
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := e.Run(ctx, script); err != nil {
		return script, stdout.String(), err
	}
	if ctx.Err() != nil {
		return script, stdout.String(), fmt.Errorf("engine: %w", ctx.Err())
	}
	return script, stdout.String(), nil
}

// ApplyChangelog reads print lines ("+I[a, 1]") and applies them to a
// multiset, returning the final table. A retraction of a row that is not
// there is an error. DOUBLE cells (by ts) are normalized as Format does.
func ApplyChangelog(out string, ts []Type) (Table, error) {
	count := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		if len(line) < 4 || line[2] != '[' || !strings.HasSuffix(line, "]") {
			return nil, fmt.Errorf("unexpected output line %q", line)
		}
		kind, body := line[:2], line[3:len(line)-1]
		row, err := normalize(body, ts)
		if err != nil {
			return nil, fmt.Errorf("line %q: %w", line, err)
		}
		switch kind {
		case "+I", "+U":
			count[row]++
		case "-U", "-D":
			if count[row] == 0 {
				return nil, fmt.Errorf("%s of a row not in the table: %q", kind, line)
			}
			count[row]--
		default:
			return nil, fmt.Errorf("unknown row kind in %q", line)
		}
	}
	var t Table
	for r, n := range count {
		for range n {
			t = append(t, r)
		}
	}
	sort.Strings(t)
	return t, nil
}

func normalize(body string, ts []Type) (string, error) {
	cells := strings.Split(body, ", ")
	if len(ts) == 1 {
		cells = []string{body}
	}
	if len(cells) != len(ts) {
		return "", fmt.Errorf("%d cells, want %d", len(cells), len(ts))
	}
	for i, t := range ts {
		if t.K != KDouble || cells[i] == "null" {
			continue
		}
		f, err := strconv.ParseFloat(cells[i], 64)
		if err != nil {
			if cells[i] == "Infinity" || cells[i] == "-Infinity" || cells[i] == "NaN" {
				f, _ = strconv.ParseFloat(strings.TrimSuffix(cells[i], "inity"), 64)
				if math.IsNaN(f) || math.IsInf(f, 0) {
					cells[i] = fmt.Sprint(f)
					continue
				}
			}
			return "", err
		}
		cells[i] = roundDouble(f)
	}
	return strings.Join(cells, ", "), nil
}
