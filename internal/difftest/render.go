package difftest

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DataJSON renders the rows as the source file: one JSON object per line.
func DataJSON(rows [][]Value) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteByte('{')
		for i, c := range Schema {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%q:", c.Name)
			v := r[i]
			switch {
			case v.Null:
				b.WriteString("null")
			case c.T.K == KString:
				b.WriteString(strconv.Quote(v.S))
			case c.T.K == KDouble:
				b.WriteString(strconv.FormatFloat(v.F, 'f', -1, 64))
			case c.T.K == KDecimal:
				b.WriteString(formatDecimal(v.I, c.T.S))
			case c.T.K == KTimestamp:
				b.WriteString(`"` + time.UnixMilli(v.I).UTC().Format("2006-01-02 15:04:05.000") + `"`)
			default:
				b.WriteString(strconv.FormatInt(v.I, 10))
			}
		}
		b.WriteString("}\n")
	}
	return b.String()
}

// Script renders the Flink SQL script that runs q over the file at path with
// the given parallelism and prints its changelog.
func Script(q *Query, path string, parallelism int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "SET 'parallelism.default' = '%d';\n", parallelism)
	b.WriteString("SET 'pipeline.auto-watermark-interval' = '0 ms';\n")
	b.WriteString("CREATE TABLE t (\n")
	for _, c := range Schema {
		fmt.Fprintf(&b, "  %s %s,\n", c.Name, c.T.SQL())
	}
	b.WriteString("  " + watermark(q.Delay) + "\n")
	fmt.Fprintf(&b, ") WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'json');\n", path)
	writePrintSink(&b, "s", q.OutputTypes(), q.SQL())
	return b.String()
}

// JoinScript renders the Flink SQL script that runs q over the tables in
// paths (t1, t2, ...) with the given parallelism and prints its changelog.
func JoinScript(q *JoinQuery, paths []string, parallelism int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "SET 'parallelism.default' = '%d';\n", parallelism)
	b.WriteString("SET 'pipeline.auto-watermark-interval' = '0 ms';\n")
	for i, path := range paths {
		fmt.Fprintf(&b, "CREATE TABLE t%d (", i+1)
		for _, c := range Schema {
			fmt.Fprintf(&b, "%s %s, ", c.Name, c.T.SQL())
		}
		b.WriteString(watermark(q.Delays[i]))
		fmt.Fprintf(&b, ")\n  WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'json');\n", path)
	}
	writePrintSink(&b, "res", q.OutputTypes(), q.SQL())
	return b.String()
}

// watermark is the WATERMARK clause of a source table whose rows arrive up
// to delay seconds late.
func watermark(delay int64) string {
	if delay == 0 {
		return "WATERMARK FOR ts AS ts"
	}
	return fmt.Sprintf("WATERMARK FOR ts AS ts - INTERVAL '%d' SECOND", delay)
}

// writePrintSink writes a print table name with columns c0, c1, ... of
// types and the INSERT of query into it.
func writePrintSink(b *strings.Builder, name string, types []Type, query string) {
	fmt.Fprintf(b, "CREATE TABLE %s (", name)
	for i, t := range types {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(b, "c%d %s", i, t.SQL())
	}
	b.WriteString(") WITH ('connector' = 'print', 'sink.parallelism' = '1');\n")
	b.WriteString("INSERT INTO " + name + "\n" + query + ";\n")
}
