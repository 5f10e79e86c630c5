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
	if q.Delay == 0 {
		b.WriteString("  WATERMARK FOR ts AS ts\n")
	} else {
		fmt.Fprintf(&b, "  WATERMARK FOR ts AS ts - INTERVAL '%d' SECOND\n", q.Delay)
	}
	fmt.Fprintf(&b, ") WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'json');\n", path)
	b.WriteString("CREATE TABLE s (")
	for i, t := range q.OutputTypes() {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "c%d %s", i, t.SQL())
	}
	b.WriteString(") WITH ('connector' = 'print', 'sink.parallelism' = '1');\n")
	b.WriteString("INSERT INTO s\n" + q.SQL() + ";\n")
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
		if q.Delays[i] == 0 {
			b.WriteString("WATERMARK FOR ts AS ts")
		} else {
			fmt.Fprintf(&b, "WATERMARK FOR ts AS ts - INTERVAL '%d' SECOND", q.Delays[i])
		}
		fmt.Fprintf(&b, ")\n  WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'json');\n", path)
	}
	b.WriteString("CREATE TABLE res (")
	for i, t := range q.OutputTypes() {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "c%d %s", i, t.SQL())
	}
	b.WriteString(") WITH ('connector' = 'print', 'sink.parallelism' = '1');\n")
	b.WriteString("INSERT INTO res\n" + q.SQL() + ";\n")
	return b.String()
}
