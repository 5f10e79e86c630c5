package engine

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/sluicehq/sluice/internal/runtime/task"
	"github.com/sluicehq/sluice/internal/sql/analyzer"
	"github.com/sluicehq/sluice/internal/types"
)

// tablePrinter prints a query's changelog as it arrives, in the form of
// Flink's SQL client 'tableau' mode: a header, one line per change with its
// kind, and the row count at the end. Column widths are fixed up front from
// the column names and types, so lines can be printed as they come.
type tablePrinter struct {
	w      io.Writer
	schema types.Schema
	widths []int
	rows   int
	sep    string
}

func newTablePrinter(w io.Writer, s types.Schema) *tablePrinter {
	p := &tablePrinter{w: w, schema: s, widths: make([]int, s.Len())}
	for i, f := range s.Fields {
		p.widths[i] = max(utf8.RuneCountInString(f.Name), typeWidth(f.Type))
	}
	var b strings.Builder
	b.WriteString("+----+")
	for _, wd := range p.widths {
		b.WriteString(strings.Repeat("-", wd+2))
		b.WriteByte('+')
	}
	p.sep = b.String()
	fmt.Fprintln(w, p.sep)
	cells := make([]string, s.Len())
	for i, f := range s.Fields {
		cells[i] = f.Name
	}
	p.line("op", cells)
	fmt.Fprintln(w, p.sep)
	return p
}

func typeWidth(t types.Type) int {
	switch t.ID {
	case types.Boolean:
		return 5
	case types.TinyInt, types.SmallInt, types.Int:
		return 11
	case types.BigInt:
		return 20
	case types.Float, types.Double:
		return 22
	case types.Decimal:
		return t.Precision + 2
	case types.Date:
		return 10
	case types.Time:
		return 8 + t.Precision + 1
	case types.Timestamp, types.TimestampLTZ:
		return 20 + t.Precision
	case types.Char, types.VarChar:
		return min(max(t.Precision, 4), 30)
	}
	return 30
}

func (p *tablePrinter) line(op string, cells []string) {
	var b strings.Builder
	fmt.Fprintf(&b, "| %2s |", op)
	for i, c := range cells {
		wd := p.widths[i]
		if utf8.RuneCountInString(c) > wd {
			r := []rune(c)
			c = string(r[:wd-3]) + "..."
		}
		// Flink's tableau printer right-aligns every column, names and
		// strings included.
		pad := wd - utf8.RuneCountInString(c)
		b.WriteString(" " + strings.Repeat(" ", pad) + c + " |")
	}
	fmt.Fprintln(p.w, b.String())
}

func (p *tablePrinter) row(c task.Change) {
	cells := make([]string, len(c.Row))
	for i, v := range c.Row {
		if v.IsNull() {
			cells[i] = "<NULL>"
		} else {
			cells[i] = types.FormatSQL(v, p.schema.Fields[i].Type)
		}
	}
	p.line(c.Kind.String(), cells)
	p.rows++
}

func (p *tablePrinter) end() {
	fmt.Fprintln(p.w, p.sep)
	fmt.Fprintf(p.w, "Received a total of %d rows\n", p.rows)
}

// printShow prints a small table of text.
func printShow(w io.Writer, s *analyzer.Show) {
	widths := make([]int, len(s.Columns))
	for i, c := range s.Columns {
		widths[i] = len(c)
	}
	for _, r := range s.Rows {
		for i, c := range r {
			widths[i] = max(widths[i], len(c))
		}
	}
	sep := "+"
	for _, wd := range widths {
		sep += strings.Repeat("-", wd+2) + "+"
	}
	line := func(cells []string) {
		var b strings.Builder
		b.WriteString("|")
		for i, c := range cells {
			b.WriteString(" " + c + strings.Repeat(" ", widths[i]-len(c)) + " |")
		}
		fmt.Fprintln(w, b.String())
	}
	fmt.Fprintln(w, sep)
	line(s.Columns)
	fmt.Fprintln(w, sep)
	for _, r := range s.Rows {
		line(r)
	}
	fmt.Fprintln(w, sep)
	fmt.Fprintf(w, "%d rows in set\n", len(s.Rows))
}
