package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var specs = []Spec{
	{Key: "path", Type: String, Required: true, Description: "where"},
	{Key: "rows", Type: Int, Default: "10", Description: "how many"},
	{Key: "fast", Type: Bool, Default: "false", Description: "hurry"},
	{Key: "every", Type: Duration, Default: "200 ms", Description: "how often"},
	{Key: "mode", Type: Enum, Values: []string{"a", "b"}, Default: "a", Description: "which"},
	{Key: "fields.#.kind", Type: Enum, Values: []string{"random", "sequence"}, Description: "per field"},
	{Key: "properties.", Prefix: true, Description: "passed through"},
	{Key: "size", Type: MemorySize, Default: "64 mb", Aliases: []string{"buffer"}, Description: "how big"},
}

func TestValidateAcceptsAndDefaults(t *testing.T) {
	o, err := Validate("t", specs, map[string]string{
		"path": "/x", "fast": "TRUE", "fields.id.kind": "sequence", "properties.acks": "all", "buffer": "1gb",
	})
	if err != nil {
		t.Fatal(err)
	}
	if o.Int("rows") != 10 || !o.Bool("fast") || o.Duration("every") != 200*time.Millisecond || o.Memory("size") != 1<<30 {
		t.Fatalf("values: rows=%d fast=%v every=%v size=%d", o.Int("rows"), o.Bool("fast"), o.Duration("every"), o.Memory("size"))
	}
	if o.String("fields.id.kind") != "sequence" || o.WithPrefix("properties.")["acks"] != "all" {
		t.Fatalf("pattern or prefix options lost: %v", o.All())
	}
	if o.Has("rows") || !o.Has("path") {
		t.Fatal("Has must report given options only")
	}
}

func TestValidateErrors(t *testing.T) {
	cases := []struct {
		raw  map[string]string
		want []string
	}{
		{map[string]string{}, []string{"missing required option 'path'"}},
		{map[string]string{"path": "x", "rwos": "1"}, []string{"unsupported option 'rwos'", "did you mean 'rows'"}},
		{map[string]string{"path": "x", "rows": "ten"}, []string{"option 'rows'", "not an integer"}},
		{map[string]string{"path": "x", "mode": "c"}, []string{"'c' is not one of a, b"}},
		{map[string]string{"path": "x", "every": "5 fortnights"}, []string{"unknown time unit"}},
		{map[string]string{"path": "x", "fast": "yes"}, []string{"not a boolean"}},
	}
	for _, c := range cases {
		_, err := Validate("connector 'x'", specs, c.raw)
		if err == nil || !errors.Is(err, ErrInvalidOption) {
			t.Errorf("%v: err = %v, want ErrInvalidOption", c.raw, err)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v: %q does not mention %q", c.raw, err, w)
			}
		}
		if !strings.Contains(err.Error(), "supported options:") {
			t.Errorf("%v: error does not list the supported options: %v", c.raw, err)
		}
	}
}

func TestParseDurationAndMemory(t *testing.T) {
	for in, want := range map[string]time.Duration{"5000": 5 * time.Second, "10 s": 10 * time.Second, "1min": time.Minute, "1.5 h": 90 * time.Minute} {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for in, want := range map[string]int64{"512": 512, "64 mb": 64 << 20, "2g": 2 << 30} {
		if got, err := ParseMemory(in); err != nil || got != want {
			t.Errorf("ParseMemory(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
}
