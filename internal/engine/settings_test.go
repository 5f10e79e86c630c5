package engine

import (
	"strings"
	"testing"
)

// Parallelism is bounded by the key groups keyed state is split into: a
// larger setting is refused, a larger core count is capped.
func TestParallelismBoundedByKeyGroups(t *testing.T) {
	if _, err := settings(map[string]string{"parallelism.default": "129"}, func(string) {}); err == nil || !strings.Contains(err.Error(), "exceeds the maximum parallelism of 128") {
		t.Fatalf("parallelism 129: %v", err)
	}
	if _, err := settings(map[string]string{"table.exec.resource.default-parallelism": "500"}, func(string) {}); err == nil {
		t.Fatal("default-parallelism 500 accepted")
	}
	s, err := settings(map[string]string{"parallelism.default": "128"}, func(string) {})
	if err != nil || s.Parallelism != 128 {
		t.Fatalf("parallelism 128: %d, %v", s.Parallelism, err)
	}
}
