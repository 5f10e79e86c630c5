package queries

import (
	"embed"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

//go:embed q*.sql
var files embed.FS

// SideInputPath is the placeholder in q13 that the runner replaces with the
// path of a CSV file such as SideInputCSV returns.
const SideInputPath = "${SIDE_INPUT_PATH}"

// Names lists the queries in numeric order: "q0", "q1", …, "q23".
func Names() []string {
	entries, _ := files.ReadDir(".")
	out := make([]string, 0, len(entries))
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(e.Name(), ".sql"))
	}
	sort.Slice(out, func(i, j int) bool { return num(out[i]) < num(out[j]) })
	return out
}

func num(name string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(name, "q"))
	return n
}

// Query returns the SQL script of the named query ("q5" or "5").
func Query(name string) (string, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if !strings.HasPrefix(n, "q") {
		n = "q" + n
	}
	b, err := files.ReadFile(n + ".sql")
	if err != nil {
		return "", fmt.Errorf("unknown nexmark query '%s'; available: %s", name, strings.Join(Names(), ", "))
	}
	return string(b), nil
}

// SideInputCSV returns the side input of q13: one "key,value" line for each
// key in [0, 10000), the range of mod(auction, 10000).
func SideInputCSV() string {
	var b strings.Builder
	for k := 0; k < 10000; k++ {
		fmt.Fprintf(&b, "%d,%d\n", k, k)
	}
	return b.String()
}
