package optest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/types"
)

// FormatRow renders a row as the print connector would, with timestamps as
// integer milliseconds to keep expectations readable.
func FormatRow(kind types.RowKind, row types.Row, s types.Schema) string {
	parts := make([]string, len(row))
	for i, v := range row {
		t := s.Fields[i].Type
		if t.IsTimestamp() && !v.IsNull() {
			parts[i] = strconv.FormatInt(v.I/Ms, 10)
			continue
		}
		parts[i] = types.FormatPrint(v, t)
	}
	return kind.String() + "[" + strings.Join(parts, ", ") + "]"
}

// WatermarkLine renders a watermark: "WM <ms>", or "WM end" for
// operator.EndOfTime.
func WatermarkLine(wm int64) string {
	if wm == operator.EndOfTime {
		return "WM end"
	}
	return "WM " + strconv.FormatInt(wm/Ms, 10)
}

// Output is an operator.Output that records what it is given as text lines.
type Output interface {
	operator.Output
	// Take returns the lines recorded since the last Take.
	Take() []string
}

// Lines records rows and watermarks as lines. It is safe for concurrent use
// (operators that emit from background goroutines).
type Lines struct {
	format func(types.RowKind, types.Row) string
	width  int // -1: any
	mu     sync.Mutex
	lines  []string
}

var _ Output = (*Lines)(nil)

// NewLines records rows of schema s with FormatRow; a row of another width
// panics, since the operator broke its output schema.
func NewLines(s types.Schema) *Lines {
	return &Lines{width: s.Len(), format: func(k types.RowKind, r types.Row) string { return FormatRow(k, r, s) }}
}

// NewLinesFunc records rows rendered by format.
func NewLinesFunc(format func(types.RowKind, types.Row) string) *Lines {
	return &Lines{width: -1, format: format}
}

func (c *Lines) Emit(b *types.Batch) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, r := range b.Rows {
		if c.width >= 0 && len(r) != c.width {
			panic(fmt.Sprintf("optest: output row %v has %d columns, the operator's schema %d", r, len(r), c.width))
		}
		c.lines = append(c.lines, c.format(b.Kinds[i], r))
	}
	return nil
}

func (c *Lines) EmitWatermark(wm int64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lines = append(c.lines, WatermarkLine(wm))
	return nil
}

func (c *Lines) Take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.lines
	c.lines = nil
	return l
}

// Discard is an operator.Output that drops everything (benchmarks).
type Discard struct{}

func (Discard) Emit(*types.Batch) error   { return nil }
func (Discard) EmitWatermark(int64) error { return nil }

// ExpectLines reports an error unless got equals want.
func ExpectLines(t testing.TB, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// ExpectSameRun reports an error unless a restored run's output equals the
// uninterrupted run's.
func ExpectSameRun(t testing.TB, uninterrupted, restored []string) {
	t.Helper()
	if strings.Join(uninterrupted, "\n") != strings.Join(restored, "\n") {
		t.Errorf("restored run differs:\nuninterrupted:\n  %s\nrestored:\n  %s",
			strings.Join(uninterrupted, "\n  "), strings.Join(restored, "\n  "))
	}
}

// SortSegments returns lines with the rows between two watermark lines
// sorted, for operators whose keys come out in any order.
func SortSegments(lines []string) []string {
	out := slices.Clone(lines)
	start := 0
	for i := 0; i <= len(out); i++ {
		if i == len(out) || strings.HasPrefix(out[i], "WM") {
			slices.Sort(out[start:i])
			start = i + 1
		}
	}
	return out
}
