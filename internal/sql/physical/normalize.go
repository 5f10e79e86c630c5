package physical

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/runtime/rank"
	"github.com/sluicehq/sluice/internal/runtime/task"
	"github.com/sluicehq/sluice/internal/sql/plan"
)

// Upsert sources (connector.Factory.Upsert: upsert-kafka) emit +I/+U
// without the -U of the row they replace and -D with the key only, as
// Flink's. As Flink's planner, the physical planner follows such a source
// with a hash exchange on the primary key and a ChangelogNormalize (package
// rank), which keeps the last row per key and emits a proper changelog; the
// rest of the plan sees that changelog. With a watermark the normalize comes
// after the source's watermark assigner (and the computed columns under it),
// as Flink pushes the watermark into the source. The optimizer keeps the
// primary key columns in an upsert scan's projection (prune.go), so the
// operator can key its state; an upsert table is not shared between scans
// (reuse.go): each scan has its own normalize.
//
// The exception, as Flink since 1.17 (FLINK-29849): the versioned table of
// an event-time temporal join reads the upsert stream itself when a
// tombstone's -D carries its own version time, that is when the rowtime is
// computed from metadata (the record's 'timestamp') and key columns only.
// The temporal join keeps versions by time and needs no -U; a -D is the
// key's deletion at the tombstone's time. A ChangelogNormalize there would
// turn the tombstone into a -D of the previous row at the previous row's
// time, erasing that version instead of ending it. With a rowtime from the
// value (NULL in a tombstone) the normalize stays, and a deletion ends the
// key at its last version's time, as before.

// normalize ends v, which outputs an upsert stream of scan's table whose
// primary key is at keys, with a hash exchange on keys into a
// ChangelogNormalize.
func (p *planner) normalize(v *task.Vertex, scan *plan.Scan, keys []int) *task.Vertex {
	s := v.Schema
	names := keyNames(s, keys)
	to := p.connect(v, task.Hash, keys, p.opts.Parallelism, "ChangelogNormalize")
	fields := make([]string, s.Len())
	for i, f := range s.Fields {
		fields[i] = f.Name + " " + f.Type.String()
	}
	// The state holds rows of s keyed by keys: both belong in its identity.
	digest := fmt.Sprintf("ChangelogNormalize(table=[%s], key=[%s], fields=[%s])", scan.Table.Name, names, strings.Join(fields, ", "))
	width := s.Len()
	to.Ops = append(to.Ops, task.OpSpec{
		Name:     fmt.Sprintf("ChangelogNormalize[%d]", to.ID),
		UID:      p.uidOf(digest),
		New:      func() (operator.Operator, error) { return rank.NewChangelogNormalize(keys, width) },
		Describe: fmt.Sprintf("ChangelogNormalize(key=[%s])", names),
		Mode:     plan.Updates,
	})
	to.Mode = plan.Updates
	return to
}

// tombstonesTimed reports whether the rowtime of the watermark assigner x
// over an upsert scan (primary key at keys in x's input) is computed from
// the primary key and metadata columns only, which a tombstone's -D holds.
func tombstonesTimed(x *plan.WatermarkAssigner, scan *plan.Scan, keys []int) bool {
	var cols []int // scan columns the rowtime is computed from
	switch in := x.Input.(type) {
	case *plan.Scan:
		cols = []int{x.RowTime}
	case *plan.Project:
		if _, isScan := in.Input.(*plan.Scan); !isScan {
			return false
		}
		cols = plan.Columns(in.Exprs[x.RowTime])
		// keys are positions in the projection's output: back to the scan's.
		var scanKeys []int
		for _, k := range keys {
			c, ok := in.Exprs[k].(*plan.ColumnRef)
			if !ok {
				return false
			}
			scanKeys = append(scanKeys, c.Index)
		}
		keys = scanKeys
	default:
		return false
	}
	for _, c := range cols {
		if c < len(scan.Projection) && !slices.Contains(keys, c) {
			return false // a value column: NULL in a tombstone
		}
	}
	return true
}
