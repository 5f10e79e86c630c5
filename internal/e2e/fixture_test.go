package e2e

import (
	"fmt"
	"os"
	"sort"
	"strings"
)

// A fixture file holds cases; each case is a list of sections in order.
//
//	# case: <name>
//	# known-bug: <why>          (only in testdata/known_bugs)
//	# any other comment
//	file <name>                 the lines up to the next section header
//	sql                         a script; several sql sections run in turn
//	dump <dir>                  after the run, the sorted lines of the files under ${dir}
//	expect ordered|unordered|keyed|final
//	error
//
// expect/error is always the last section of a case.
type fixtureFile struct {
	head  []string // lines before the first case
	cases []*fixtureCase
}

type fixtureCase struct {
	name     string
	line     int      // line of "# case:"
	knownBug string   // "# known-bug:" text
	lines    []string // every line before the expect/error header, verbatim
	files    []namedText
	scripts  []string
	dumps    []string
	mode     string // ordered, unordered, keyed or error
	want     []string
}

type namedText struct {
	name  string
	lines []string
}

func isHeader(l string) bool {
	return strings.HasPrefix(l, "# case:") || l == "sql" || l == "error" ||
		strings.HasPrefix(l, "file ") || strings.HasPrefix(l, "dump ") ||
		l == "expect" || strings.HasPrefix(l, "expect ")
}

func parseFixture(path string) (*fixtureFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	f := &fixtureFile{}
	var c *fixtureCase
	section := "" // head, file, sql, dump or expect
	var sql [][]string
	finish := func() error {
		if c == nil {
			return nil
		}
		if c.mode == "" {
			return fmt.Errorf("%s:%d: case %q has no expect or error section", path, c.line, c.name)
		}
		for _, b := range sql {
			c.scripts = append(c.scripts, strings.Join(b, "\n")+"\n")
		}
		c.want = trimBlank(c.want)
		for k := range c.files {
			c.files[k].lines = trimBlank(c.files[k].lines)
		}
		return nil
	}
	for i, l := range lines {
		if strings.HasPrefix(l, "# case:") {
			if err := finish(); err != nil {
				return nil, err
			}
			c = &fixtureCase{name: strings.TrimSpace(strings.TrimPrefix(l, "# case:")), line: i + 1, lines: []string{l}}
			f.cases = append(f.cases, c)
			section, sql = "head", nil
			continue
		}
		switch {
		case c == nil:
			f.head = append(f.head, l)
			continue
		case section == "expect":
			c.want = append(c.want, l)
			continue
		case section == "head" && strings.HasPrefix(l, "# known-bug:"):
			c.knownBug = strings.TrimSpace(strings.TrimPrefix(l, "# known-bug:"))
		}
		if !isHeader(l) {
			c.lines = append(c.lines, l)
			switch section {
			case "file":
				c.files[len(c.files)-1].lines = append(c.files[len(c.files)-1].lines, l)
			case "sql":
				sql[len(sql)-1] = append(sql[len(sql)-1], l)
			}
			continue
		}
		switch {
		case strings.HasPrefix(l, "file "):
			c.files = append(c.files, namedText{name: strings.TrimSpace(l[5:])})
			section = "file"
		case l == "sql":
			sql = append(sql, nil)
			section = "sql"
		case strings.HasPrefix(l, "dump "):
			c.dumps = append(c.dumps, strings.TrimSpace(l[5:]))
			section = "dump"
		case l == "error":
			c.mode, section = "error", "expect"
			continue
		default:
			mode := strings.TrimSpace(strings.TrimPrefix(l, "expect"))
			switch mode {
			case "ordered", "unordered", "keyed", "final":
			default:
				return nil, fmt.Errorf("%s:%d: expect mode %q: want ordered, unordered, keyed or final", path, i+1, mode)
			}
			c.mode, section = mode, "expect"
			continue
		}
		c.lines = append(c.lines, l)
	}
	if err := finish(); err != nil {
		return nil, err
	}
	return f, nil
}

func trimBlank(ls []string) []string {
	for len(ls) > 0 && strings.TrimSpace(ls[len(ls)-1]) == "" {
		ls = ls[:len(ls)-1]
	}
	return ls
}

// format writes the file back with each case's expectation replaced by got
// (nil keeps the case as it is).
func (f *fixtureFile) format(got map[*fixtureCase][]string) string {
	var b strings.Builder
	for _, l := range f.head {
		b.WriteString(l + "\n")
	}
	for i, c := range f.cases {
		for _, l := range trimBlank(c.lines) {
			b.WriteString(l + "\n")
		}
		want := c.want
		if g, ok := got[c]; ok {
			want = g
		}
		if c.mode == "error" {
			b.WriteString("error\n")
		} else {
			b.WriteString("expect " + c.mode + "\n")
		}
		for _, l := range want {
			b.WriteString(l + "\n")
		}
		if i < len(f.cases)-1 {
			b.WriteString("\n")
		}
	}
	return b.String()
}

// compare reports whether got matches want under mode.
func compare(mode string, want, got []string) bool {
	switch mode {
	case "unordered":
		return equal(sorted(want), sorted(got))
	case "keyed":
		return equal(sorted(want), sorted(got)) && equalGroups(byKey(want), byKey(got))
	case "final":
		return equal(sorted(want), sorted(got))
	}
	return equal(want, got)
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func sorted(ls []string) []string {
	s := append([]string(nil), ls...)
	sort.Strings(s)
	return s
}

// key is a changelog line's first field: "+I[a, 1]" -> "a".
func key(l string) string {
	i := strings.IndexByte(l, '[')
	if i < 0 {
		return l
	}
	rest := l[i+1:]
	if j := strings.IndexAny(rest, ",]"); j >= 0 {
		return rest[:j]
	}
	return rest
}

func byKey(ls []string) map[string][]string {
	m := map[string][]string{}
	for _, l := range ls {
		m[key(l)] = append(m[key(l)], l)
	}
	return m
}

func equalGroups(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !equal(v, b[k]) {
			return false
		}
	}
	return true
}

// fold applies a changelog: +I/+U add a row, -U/-D take one away. The
// result is the final table as sorted +I lines; a retraction of a row that
// is not there shows as a "<missing>" line. Lines of print sinks with an
// identifier ("id> +I[...]") are tables of their own.
func fold(lines []string) []string {
	count := map[string]int{}
	var bad []string
	for _, full := range lines {
		id, l := "", full
		if i := strings.Index(l, "> "); i >= 0 && i < strings.Index(l, "[") {
			id, l = l[:i+2], l[i+2:]
		}
		if len(l) < 3 || l[2] != '[' {
			bad = append(bad, "<not a change> "+full)
			continue
		}
		row := id + l[2:]
		switch l[:2] {
		case "+I", "+U":
			count[row]++
		case "-U", "-D":
			if count[row] == 0 {
				bad = append(bad, "<missing> "+full)
				continue
			}
			count[row]--
		}
	}
	out := bad
	for row, n := range count {
		id, r := "", row
		if i := strings.Index(row, "> "); i >= 0 && i < strings.Index(row, "[") {
			id, r = row[:i+2], row[i+2:]
		}
		for ; n > 0; n-- {
			out = append(out, id+"+I"+r)
		}
	}
	sort.Strings(out)
	return out
}
