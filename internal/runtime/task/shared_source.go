package task

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/types"
)

// A shared source reads a table once for several scans of it
// ('table.optimizer.reuse-source-enabled'). Its vertex has Branches instead
// of an output: Chain edges to one vertex per scan, holding that scan's
// operators. A branch vertex has no tasks of its own: instance i of each
// branch runs inside instance i of the source, which hands every batch and
// watermark to each branch's chain in turn (fanOut). Handing over costs a
// function call, not a channel send and a copy of every row, which is why
// branches are chained rather than fed through FORWARD exchanges.
//
// Everything else a branch instance does is its own: its operators'
// state, its output (exchange or sink), its acknowledgement of
// checkpoints (the source passes each barrier to every branch after its
// own snapshot, so all describe the same cut) and its end of stream.
//
// Operators never modify a batch they are lent (the operator contract), so
// one batch can be lent to every branch in turn.

// isBranch reports whether v runs inside a shared source's tasks.
func isBranch(v *Vertex) bool {
	return len(v.Inputs) == 1 && v.Inputs[0].Partitioning == Chain
}

// fanOut is a shared source instance's output: its branches' chains.
type fanOut struct {
	branches []*instance
	heads    []operator.Output // each branch's head, once opened
}

var _ taskOutput = (*fanOut)(nil)

func (f *fanOut) open() error {
	f.heads = f.heads[:0]
	for _, br := range f.branches {
		if err := br.open(); err != nil {
			return err
		}
		f.heads = append(f.heads, br.head())
	}
	return nil
}

func (f *fanOut) Emit(b *types.Batch) error {
	for i, br := range f.branches {
		h := f.heads[i]
		if err := guard(br.v.Name, func() error { return h.Emit(b) }); err != nil {
			return err
		}
	}
	return nil
}

func (f *fanOut) EmitWatermark(wm int64) error {
	for i, br := range f.branches {
		h := f.heads[i]
		if err := guard(br.v.Name, func() error { return h.EmitWatermark(wm) }); err != nil {
			return err
		}
	}
	return nil
}

func (f *fanOut) Flush() error {
	for _, br := range f.branches {
		if err := br.out.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// End finishes each branch as an input task finishes when its input ends.
func (f *fanOut) End() error {
	for _, br := range f.branches {
		if err := br.finish(); err != nil {
			return err
		}
		if err := br.out.End(); err != nil {
			return err
		}
		br.finished(nil)
	}
	return nil
}

func (f *fanOut) Close() error {
	for _, br := range f.branches {
		br.closeAll()
	}
	return nil
}

func (f *fanOut) setIdle(idle bool) error {
	for _, br := range f.branches {
		if x, ok := br.out.(idler); ok {
			if err := x.setIdle(idle); err != nil {
				return err
			}
		}
	}
	return nil
}

// barrier snapshots every branch at the source's cut and passes the
// barrier on through their outputs.
func (f *fanOut) barrier(b barrier) error {
	for _, br := range f.branches {
		if err := br.checkpoint(b, nil); err != nil {
			return err
		}
	}
	return nil
}

// idler is an output that can tell its receivers to leave it out of the
// watermark.
type idler interface {
	setIdle(idle bool) error
}

// linkBranches hands each branch instance to the source instance with the
// same subtask; branch instances are not run on their own.
func linkBranches(instances []*instance) {
	byVertex := map[*Vertex][]*instance{}
	for _, t := range instances {
		byVertex[t.v] = append(byVertex[t.v], t)
	}
	for _, t := range instances {
		f, ok := t.out.(*fanOut)
		if !ok {
			continue
		}
		for _, e := range t.v.Branches {
			f.branches = append(f.branches, byVertex[e.To][t.subtask])
		}
	}
}

// restoredSourceSplits returns the saved state of a source's splits by
// split ID. For a shared source the scans it serves must agree: a
// savepoint taken while they were read separately restores only if each
// split is at the same position in all of them.
func (j *Job) restoredSourceSplits(src *SourceSpec) (map[string]SplitSnapshot, error) {
	saved := j.restoredSplits(src.Key)
	for _, alias := range src.Aliases {
		other := j.restoredSplits(alias)
		if diff := splitsDiffer(saved, other); diff != "" {
			return nil, fmt.Errorf("%s cannot be restored: table '%s' is now read once for its scans %s and %s ('table.optimizer.reuse-source-enabled' is on), but the savepoint holds them at different positions (%s), as when it was taken while they were read separately; restore it with SET 'table.optimizer.reuse-source-enabled' = 'false'",
				j.opts.Restore.Dir, src.Table, src.Key, alias, diff)
		}
		for id, sp := range other { // equal positions: the lower watermark
			if s := saved[id]; sp.Watermark < s.Watermark {
				s.Watermark = sp.Watermark
				saved[id] = s
			}
		}
	}
	return saved, nil
}

// checkSharedSources refuses, before any task starts, a restore that
// cannot give a shared source one position per split.
func (j *Job) checkSharedSources() error {
	if j.opts.Restore == nil {
		return nil
	}
	for _, v := range j.g.Vertices {
		if v.Source != nil && len(v.Source.Aliases) > 0 {
			if _, err := j.restoredSourceSplits(v.Source); err != nil {
				return err
			}
		}
	}
	return nil
}

// splitsDiffer describes the first difference in position between two
// scans' saved splits ("" when they agree).
func splitsDiffer(a, b map[string]SplitSnapshot) string {
	ids := slices.AppendSeq(slices.Collect(maps.Keys(a)), maps.Keys(b))
	slices.Sort(ids)
	for _, id := range slices.Compact(ids) {
		sa, okA := a[id]
		sb, okB := b[id]
		switch {
		case !okA || !okB:
			return fmt.Sprintf("split %s is saved for one scan only", id)
		case sa.Done != sb.Done || !bytes.Equal(sa.Position, sb.Position):
			return fmt.Sprintf("split %s: %s and %s", id, describePosition(sa), describePosition(sb))
		}
	}
	return ""
}

func describePosition(s SplitSnapshot) string {
	if s.Done {
		return "finished"
	}
	p := string(s.Position)
	if strings.IndexFunc(p, func(r rune) bool { return r < ' ' || r > '~' }) >= 0 || len(p) > 40 {
		return fmt.Sprintf("position %x", s.Position)
	}
	return "position " + p
}

// aliasSplits copies a shared source's split snapshots under each alias.
func aliasSplits(src *SourceSpec, splits []SplitSnapshot) []SplitSnapshot {
	if len(src.Aliases) == 0 {
		return splits
	}
	out := append([]SplitSnapshot(nil), splits...)
	for _, alias := range src.Aliases {
		for _, sp := range splits {
			sp.Source = alias
			out = append(out, sp)
		}
	}
	return out
}
