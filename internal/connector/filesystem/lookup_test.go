package filesystem

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/types"
)

func scanAll(t *testing.T, l connector.LookupSource) ([]string, error) {
	t.Helper()
	sc, ok := l.(connector.LookupScanner)
	if !ok {
		t.Fatal("a filesystem lookup source must be a LookupScanner")
	}
	var out []string
	err := sc.Scan(context.Background(), func(r types.Row) error {
		out = append(out, types.FormatRowPrint(types.Insert, r, types.Schema{}))
		return nil
	})
	return out, err
}

// A lookup source scans every file of the table, whole rows whatever the
// projection, and reads the files again on each scan (a reload sees new
// content). Lookup by key fails with a message naming the FULL cache.
func TestLookupScan(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "b.csv"), "3,c\n\n4,d\n")
	write(t, filepath.Join(dir, "a.csv"), "1,a\n2,b\n")
	write(t, filepath.Join(dir, "_SUCCESS"), "")
	f := New()
	if !f.LookupFullCacheOnly {
		t.Error("the filesystem connector must declare LookupFullCacheOnly")
	}
	cc := createCtx(t, map[string]string{"path": dir, "format": "csv",
		"lookup.full-cache.periodic-reload.interval": "10 min"}, []int{1})
	l, err := f.NewLookup(connector.LookupContext{CreateContext: cc, Keys: []int{0}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	rows, err := scanAll(t, l)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rows, " "); got != "+I[1, a] +I[2, b] +I[3, c] +I[4, d]" {
		t.Fatalf("first scan: %s", got)
	}
	write(t, filepath.Join(dir, "a.csv"), "1,z\n")
	rows, err = scanAll(t, l)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rows, " "); got != "+I[1, z] +I[3, c] +I[4, d]" {
		t.Fatalf("second scan: %s", got)
	}
	_, err = l.Lookup(context.Background(), []types.Row{{types.IntValue(1)}})
	if err == nil || !strings.Contains(err.Error(), "filesystem table 'files' cannot be looked up by key") {
		t.Errorf("Lookup: got %v", err)
	}
}

// A scan stops at the callback's error, and a bad line fails the scan
// (a reload must not swap in part of the table).
func TestLookupScanErrors(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a.csv"), "1,a\nnot-a-number,b\n")
	l, err := New().NewLookup(connector.LookupContext{CreateContext: createCtx(t, map[string]string{"path": dir, "format": "csv"}, nil), Keys: []int{0}})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := scanAll(t, l)
	var bad *connector.BadRecordError
	if !errors.As(err, &bad) || len(rows) != 1 {
		t.Errorf("bad line: rows %v, error %v; want one row, then a BadRecordError", rows, err)
	}
	stop := errors.New("stop")
	err = l.(connector.LookupScanner).Scan(context.Background(), func(types.Row) error { return stop })
	if !errors.Is(err, stop) {
		t.Errorf("callback error: got %v", err)
	}
	l, err = New().NewLookup(connector.LookupContext{CreateContext: createCtx(t, map[string]string{"path": filepath.Join(dir, "missing"), "format": "csv"}, nil), Keys: []int{0}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := scanAll(t, l); err == nil || !strings.Contains(err.Error(), "filesystem table 'files'") {
		t.Errorf("missing path: got %v", err)
	}
}

// Changelog formats cannot back a lookup table.
func TestLookupRejectsChangelogFormat(t *testing.T) {
	cc := changelogCtx(t, map[string]string{"path": t.TempDir(), "format": "debezium-json"}, nil)
	_, err := New().NewLookup(connector.LookupContext{CreateContext: cc, Keys: []int{0}})
	if err == nil || !strings.Contains(err.Error(), "its format 'debezium-json' is a changelog") {
		t.Errorf("got %v", err)
	}
}
