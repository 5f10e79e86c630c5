package functions

import (
	"regexp"
	"regexp/syntax"
	"testing"
)

func TestRequiredLiteral(t *testing.T) {
	for pat, want := range map[string]string{
		`(&|^)channel_id=([^&]*)`: "channel_id=",
		`abc`:                     "abc",
		`^a.*bcd$`:                "bcd",
		`(foo)+x`:                 "foo",
		`a|b`:                     "",
		`(?i)abc`:                 "",
		`x?yz`:                    "yz",
		`[0-9]+`:                  "",
	} {
		tree, err := syntax.Parse(pat, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		if got := requiredLiteral(tree.Simplify()); got != want {
			t.Errorf("requiredLiteral(%q) = %q, want %q", pat, got, want)
		}
	}
}

// The prefilter never rejects a string the pattern matches.
func TestPrefilterIsSound(t *testing.T) {
	inputs := []string{"", "a", "channel_id=1", "x&channel_id=", "foofoox", "yz", "abc", "ABC", "zbcd", "abcd"}
	for _, pat := range []string{`(&|^)channel_id=([^&]*)`, `^a.*bcd$`, `(foo)+x`, `x?yz`, `(?i)abc`, `a|b`} {
		m := newMatcher(regexp.MustCompile(pat))
		for _, s := range inputs {
			if m.re.MatchString(s) && !m.mayMatch(s) {
				t.Errorf("pattern %q: prefilter rejects matching %q", pat, s)
			}
		}
	}
}
