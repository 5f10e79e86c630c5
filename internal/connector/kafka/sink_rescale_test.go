package kafka

import (
	"context"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/internal/connector"
)

// openTransactions counts the partitions of events whose last stable
// offset is behind their end: a transaction is open there.
func openTransactions(t *testing.T, addr string) int {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	lso, err := adm.ListCommittedOffsets(context.Background(), "events")
	if err != nil {
		t.Fatal(err)
	}
	hwm, err := adm.ListEndOffsets(context.Background(), "events")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	lso.Each(func(o kadm.ListedOffset) {
		if h, _ := hwm.Lookup(o.Topic, o.Partition); h.Offset != o.Offset {
			n++
		}
	})
	return n
}

// Restored at parallelism 1 from a checkpoint taken at 2, writer 0 takes
// over writer 1: it commits writer 1's prepared transaction and, through
// RecoverRescaled, fences writer 1's transactional ids, aborting the
// transaction writer 1 left open. Recover alone fences only writer 0's.
func TestExactlyOnceRecoverAfterScaleDown(t *testing.T) {
	addr := cluster(t, "events")
	w1, err := txnSink(t, addr).Open(context.Background(), 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	tw1 := w1.(*txnWriter)
	t.Cleanup(func() { // the dead process's connections
		for _, cl := range tw1.clients {
			if cl != nil {
				cl.Close()
			}
		}
	})
	if err := tw1.Write(batchOf(person(7, "g"))); err != nil {
		t.Fatal(err)
	}
	c1, err := tw1.PreCommit(1)
	if err != nil || c1 == nil {
		t.Fatalf("precommit: %s %v", c1, err)
	}
	_ = tw1.Write(batchOf(person(8, "h"))) // after the checkpoint: open when the process dies
	if err := tw1.flush(tw1.clients[1]); err != nil {
		t.Fatal(err)
	}

	w0, err := txnSink(t, addr).Open(context.Background(), 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer w0.Close()
	if err := w0.(connector.TwoPhaseCommitWriter).Recover([][]byte{c1}); err != nil {
		t.Fatal(err)
	}
	if n := openTransactions(t, addr); n == 0 {
		t.Fatalf("after Recover of writer 0 alone no transaction is open: the test does not show what RecoverRescaled adds")
	}
	if err := w0.(connector.RescaledRecoverer).RecoverRescaled([][]byte{c1}, []int{0, 1}); err != nil {
		t.Fatal(err)
	}
	if got := values(consumed(t, addr, true)); got != `{"id":7,"name":"g"}` {
		t.Fatalf("after recover: %s, want writer 1's checkpointed record only", got)
	}
	if n := openTransactions(t, addr); n != 0 {
		t.Fatalf("%d partitions still have an open transaction after RecoverRescaled", n)
	}
}
