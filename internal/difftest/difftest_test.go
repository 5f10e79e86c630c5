package difftest

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"testing"
)

var (
	flagN        = flag.Int("difftest.n", 200, "number of random cases")
	flagSeed     = flag.Uint64("difftest.seed", 0, "run only the case with this seed (0: seeds 1..n)")
	flagJoinN    = flag.Int("difftest.joins", 400, "number of random join cases")
	flagJoinSeed = flag.Uint64("difftest.joinseed", 0, "run only the join case with this seed (0: seeds 1..joins)")
)

// TestDifferential runs random cases at parallelism 1 and 2 and compares the
// engine's final tables with the reference's.
func TestDifferential(t *testing.T) {
	checkSeeds(t, *flagN, *flagSeed, Generate)
}

// TestDifferentialJoins runs random join, subquery and Top-N cases at
// parallelism 1 and 2 and compares the engine's final tables with the
// reference's.
func TestDifferentialJoins(t *testing.T) {
	checkSeeds(t, *flagJoinN, *flagJoinSeed, GenerateJoin)
}

// checkSeeds checks the cases generate makes from seeds 1..n, or from only
// seed when it is not 0, stopping after five failures in a run of n.
func checkSeeds(t *testing.T, n int, seed uint64, generate func(uint64) *Case) {
	seeds := make([]uint64, 0, n)
	if seed != 0 {
		seeds = append(seeds, seed)
	} else {
		for s := 1; s <= n; s++ {
			seeds = append(seeds, uint64(s))
		}
	}
	failures := 0
	for _, s := range seeds {
		if msg := checkCase(t, generate(s)); msg != "" {
			t.Error(msg)
			failures++
			if failures >= 5 && seed == 0 {
				t.Fatalf("stopping after %d failures", failures)
			}
		}
	}
}

// checkCase runs one case at parallelism 1 and 2 and returns a report of
// the first mismatch, or "".
func checkCase(t *testing.T, c *Case) string {
	ts := c.OutputTypes()
	want := c.Evaluate()
	for _, p := range []int{1, 2} {
		script, out, err := RunEngine(context.Background(), c, t.TempDir(), p)
		var got Table
		if err == nil {
			got, err = ApplyChangelog(out, ts)
		}
		if err != nil || !equal(got, want) {
			return report(c, p, script, out, err, got, want)
		}
	}
	return ""
}

func equal(a, b Table) bool {
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

func report(c *Case, p int, script, out string, err error, got, want Table) string {
	var b strings.Builder
	if c.Join != nil {
		fmt.Fprintf(&b, "join seed %d (reproduce: go test ./internal/difftest -run TestDifferentialJoins -difftest.joinseed=%d), parallelism %d\n", c.Seed, c.Seed, p)
		fmt.Fprintf(&b, "--- script\n%s", script)
		for i, rows := range c.Tables {
			fmt.Fprintf(&b, "--- t%d\n%s", i+1, DataJSON(rows))
		}
	} else {
		fmt.Fprintf(&b, "seed %d (reproduce: go test ./internal/difftest -run TestDifferential -difftest.seed=%d), parallelism %d\n", c.Seed, c.Seed, p)
		fmt.Fprintf(&b, "--- script\n%s--- data\n%s", script, DataJSON(c.Rows))
	}
	if err != nil {
		fmt.Fprintf(&b, "--- engine error\n%v\n", err)
	}
	fmt.Fprintf(&b, "--- engine output\n%s", out)
	fmt.Fprintf(&b, "--- engine final table (%d rows)\n%s\n", len(got), strings.Join(got, "\n"))
	fmt.Fprintf(&b, "--- reference (%d rows)\n%s\n", len(want), strings.Join(want, "\n"))
	onlyGot, onlyWant := diff(got, want)
	fmt.Fprintf(&b, "--- only in engine\n%s\n--- only in reference\n%s\n", strings.Join(onlyGot, "\n"), strings.Join(onlyWant, "\n"))
	return b.String()
}

// diff returns the rows of a not in b and of b not in a (multisets).
func diff(a, b Table) (onlyA, onlyB []string) {
	n := map[string]int{}
	for _, r := range a {
		n[r]++
	}
	for _, r := range b {
		n[r]--
	}
	for r, c := range n {
		for ; c > 0; c-- {
			onlyA = append(onlyA, r)
		}
		for ; c < 0; c++ {
			onlyB = append(onlyB, r)
		}
	}
	return onlyA, onlyB
}
