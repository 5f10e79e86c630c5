package hint

import (
	"sort"
	"strings"
)

// Closest returns up to three candidates within a small edit distance of
// name (case-insensitive), best first. It returns nil when nothing is close.
func Closest(name string, candidates []string) []string {
	type scored struct {
		s string
		d int
	}
	lname := strings.ToLower(name)
	limit := len(name)/3 + 1
	if limit > 3 {
		limit = 3
	}
	var out []scored
	for _, c := range candidates {
		lc := strings.ToLower(c)
		d := distance(lname, lc)
		if d <= limit || (len(lname) >= 3 && strings.Contains(lc, lname)) {
			out = append(out, scored{c, d})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].d < out[j].d })
	if len(out) == 0 {
		return nil
	}
	if len(out) > 3 {
		out = out[:3]
	}
	res := make([]string, len(out))
	for i, s := range out {
		res[i] = s.s
	}
	return res
}

// DidYouMean formats Closest as "; did you mean 'a' or 'b'?", or "".
func DidYouMean(name string, candidates []string) string {
	c := Closest(name, candidates)
	if len(c) == 0 {
		return ""
	}
	q := make([]string, len(c))
	for i, s := range c {
		q[i] = "'" + s + "'"
	}
	return "; did you mean " + strings.Join(q, " or ") + "?"
}

// distance is the Levenshtein distance.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
