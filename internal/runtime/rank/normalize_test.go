package rank

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/runtime/optest"
	"github.com/sluicehq/sluice/internal/state"
	"github.com/sluicehq/sluice/internal/types"
)

// The normalize tests use rows (id STRING primary key, name STRING, v
// BIGINT), rendered as the print connector does.
var normSchema = types.Schema{Fields: []types.Field{
	col("id", types.StringType.NotNull()), col("name", types.StringType), col("v", types.BigIntType)}}

func nr(id string, name any, v int64) types.Row {
	n := types.NullValue()
	if s, ok := name.(string); ok {
		n = types.StringValue(s)
	}
	return types.Row{types.StringValue(id), n, types.IntValue(v)}
}

// tomb is what an upsert source emits for a tombstone: the key only.
func tomb(id string) types.Row {
	return types.Row{types.StringValue(id), types.NullValue(), types.NullValue()}
}

func openNormalize(t testing.TB, b state.Backend, ttl time.Duration, out optest.Output, now int64) *optest.Harness {
	t.Helper()
	op, err := NewChangelogNormalize([]int{0}, normSchema.Len())
	if err != nil {
		t.Fatal(err)
	}
	return optest.Open(t, op, out, optest.Options{Name: "ChangelogNormalize[2]", State: b, TTL: ttl, Now: now})
}

// Flink's ChangelogNormalize on an upsert stream: +I for a new key, -U/+U
// with the previous row for a changed one, nothing for an unchanged one,
// -D of the previous (full) row for a delete holding only the key, nothing
// for a delete of an unknown key, and a deleted key starts over with +I.
func TestNormalizeUpserts(t *testing.T) {
	optest.ForBackends(t, func(t *testing.T, be optest.Backend) {
		h := openNormalize(t, be.New(t), 0, optest.NewLines(normSchema), 0)
		h.SendEach(0, -1, ua(nr("a", "x", 1)), ua(nr("b", "y", 2)), ua(nr("a", "x", 1)), ua(nr("a", "z", 1)))
		h.Expect("+I[a, x, 1]", "+I[b, y, 2]", "-U[a, x, 1]", "+U[a, z, 1]")
		h.SendEach(0, -1, del(tomb("b")), del(tomb("q")), del(tomb("b")), ins(nr("b", nil, 3)))
		h.Expect("-D[b, y, 2]", "+I[b, null, 3]")
		// NULLs compare equal: an identical row with a NULL is unchanged.
		h.SendEach(0, -1, ua(nr("b", nil, 3)), ua(nr("b", "w", 3)))
		h.Expect("-U[b, null, 3]", "+U[b, w, 3]")
		// A -U (which an upsert source does not send) retracts the key,
		// as Flink's function treats it like -D.
		h.SendEach(0, -1, ub(nr("a", "z", 1)), ua(nr("a", "n", 5)))
		h.Expect("-D[a, z, 1]", "+I[a, n, 5]")
		h.WM(7)
		h.Expect("WM 7")
		if n := h.Op.(*ChangelogNormalize).store.Len(); n != 2 {
			t.Errorf("%d keys in state, want 2 (a and b)", n)
		}
	})
}

// With state TTL a key not written for the TTL is forgotten (its next row
// is +I again), and an unchanged row is still emitted as -U/+U, as Flink
// does to keep downstream state alive.
func TestNormalizeTTL(t *testing.T) {
	optest.ForBackends(t, func(t *testing.T, be optest.Backend) {
		sec := int64(time.Second)
		h := openNormalize(t, be.New(t), 10*time.Second, optest.NewLines(normSchema), 0)
		h.SendEach(0, -1, ua(nr("a", "x", 1)), ua(nr("b", "y", 1)))
		h.Now = 5 * sec
		h.SendEach(0, -1, ua(nr("b", "y", 1)))
		h.Expect("+I[a, x, 1]", "+I[b, y, 1]", "-U[b, y, 1]", "+U[b, y, 1]")
		h.Now = 12 * sec // a (written at 0) expires, b (written at 5 s) lives
		if err := h.Op.(*ChangelogNormalize).OnProcTime(h.Now); err != nil {
			t.Fatal(err)
		}
		if n := h.Op.(*ChangelogNormalize).store.Len(); n != 1 {
			t.Errorf("%d keys after a expired, want 1", n)
		}
		h.SendEach(0, -1, ua(nr("a", "x2", 1)), del(tomb("b")))
		h.Expect("+I[a, x2, 1]", "-D[b, y, 1]")
	})
}

func TestNormalizeRejectsBadKeys(t *testing.T) {
	if _, err := NewChangelogNormalize(nil, 3); err == nil || !strings.Contains(err.Error(), "PRIMARY KEY") {
		t.Errorf("no keys: %v", err)
	}
	if _, err := NewChangelogNormalize([]int{3}, 3); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Errorf("key 3 of 3 columns: %v", err)
	}
}

// A run restored from its state mid-stream (heap snapshot, byte backend,
// Pebble checkpoint) emits what an uninterrupted run emits: the restored
// instance knows every key's last row.
func TestNormalizeRestore(t *testing.T) {
	for _, be := range optest.RestoreBackends {
		t.Run(be.Name, func(t *testing.T) {
			rnd := rand.New(rand.NewPCG(3, 4))
			keys := optest.SubtaskKeys("k", 5)
			var in []optest.Change
			for i := 0; i < 300; i++ {
				k := keys[rnd.IntN(len(keys))]
				switch rnd.IntN(5) {
				case 0:
					in = append(in, del(tomb(k)))
				default: // few names, so unchanged rows happen
					in = append(in, ua(nr(k, fmt.Sprint("n", rnd.IntN(3)), int64(rnd.IntN(2)))))
				}
			}
			run := func(restartEvery int) []string {
				out := optest.NewLines(normSchema)
				ru := optest.NewRun(t, be, func(b state.Backend, now int64) *optest.Harness {
					return openNormalize(t, b, 0, out, now)
				})
				for i, c := range in {
					ru.H.SendEach(0, -1, c)
					if restartEvery > 0 && i%restartEvery == restartEvery-1 {
						ru.Restart()
					}
				}
				return out.Take()
			}
			straight := run(0)
			if len(straight) < 100 {
				t.Fatalf("only %d output rows: the input does not exercise the operator", len(straight))
			}
			optest.ExpectSameRun(t, straight, run(37))
		})
	}
}
