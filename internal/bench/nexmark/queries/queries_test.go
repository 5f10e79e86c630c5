package queries

import (
	"fmt"
	"strings"
	"testing"
)

func TestQueries(t *testing.T) {
	names := Names()
	if len(names) != 24 || names[0] != "q0" || names[23] != "q23" || names[10] != "q10" {
		t.Fatalf("names %v", names)
	}
	for i, n := range names {
		q, err := Query(n)
		if err != nil {
			t.Fatal(err)
		}
		sink := fmt.Sprintf("nexmark_q%d", i)
		if !strings.Contains(q, "CREATE TABLE "+sink+" (") || !strings.Contains(q, "INSERT INTO "+sink+"\n") {
			t.Errorf("%s does not create and insert into %s", n, sink)
		}
		if !strings.Contains(q, "'connector' = 'blackhole'") {
			t.Errorf("%s has no blackhole sink", n)
		}
		if strings.Contains(q, "customTime") || strings.Contains(q, "CREATE FUNCTION") {
			t.Errorf("%s uses something Sluice lacks", n)
		}
	}
	if q, _ := Query("5"); !strings.Contains(q, "HOP(") {
		t.Error("Query(\"5\") is not q5")
	}
	if _, err := Query("q99"); err == nil || !strings.Contains(err.Error(), "q0, q1") {
		t.Errorf("missing query error: %v", err)
	}
	if q, _ := Query("q13"); !strings.Contains(q, SideInputPath) {
		t.Error("q13 lacks the side input placeholder")
	}
	if s := SideInputCSV(); !strings.HasPrefix(s, "0,0\n1,1\n") || strings.Count(s, "\n") != 10000 {
		t.Error("side input")
	}
}
