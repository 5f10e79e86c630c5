package nexmark

import (
	"context"
	"io"
	"testing"

	"github.com/sluicehq/sluice/internal/config"
	"github.com/sluicehq/sluice/internal/connector"
	"github.com/sluicehq/sluice/internal/types"
)

// Reading a split to the middle, taking its position, and resuming a new
// source (with a different default base time) at it yields exactly the
// rest of the uninterrupted stream.
func TestResumeAtPosition(t *testing.T) {
	open := func(base string) connector.ResumableSource {
		opts, err := config.Validate("t", Options, map[string]string{"events.num": "1000", "base-time": base})
		if err != nil {
			t.Fatal(err)
		}
		src, err := New().NewSource(connector.CreateContext{Table: "t", Schema: Schema(), Options: opts})
		if err != nil {
			t.Fatal(err)
		}
		return src.(connector.ResumableSource)
	}
	// read reads up to n events (or to the end) in batches of 64.
	read := func(r connector.Reader, n int) []string {
		var out []string
		for len(out) < n {
			b := types.NewBatch(64)
			err := r.Read(context.Background(), b, min(64, n-len(out)))
			for i, row := range b.Rows {
				out = append(out, types.FormatRowPrint(b.Kinds[i], row, Schema()))
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		return out
	}
	whole := open("1577836800000")
	splits, _ := whole.Splits(1)
	r, _ := whole.Open(context.Background(), splits[0])
	want := read(r, 1000)

	first := open("1577836800000")
	r1, _ := first.Open(context.Background(), splits[0])
	head := read(r1, 300)
	pos, err := r1.(connector.CheckpointedReader).Position()
	if err != nil {
		t.Fatal(err)
	}
	second := open("1600000000000") // another base time: the position's wins
	r2, err := second.OpenAt(context.Background(), splits[0], pos)
	if err != nil {
		t.Fatal(err)
	}
	tail := read(r2, 1000)
	got := append(head, tail...)
	if len(got) != len(want) {
		t.Fatalf("resumed stream has %d events, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("event %d differs:\n got  %s\n want %s", i, got[i], want[i])
		}
	}
}
