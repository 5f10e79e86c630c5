package plan

import (
	"fmt"
	"strings"
)

// StateDigest describes what a stateful node keeps, for its stable
// operator UID: the kind of operator, its keys, aggregates and window by
// position and type, and the types of its input. Two scripts whose
// stateful nodes have equal digests can share state (a savepoint of one
// restores into the other). It deliberately leaves out names and anything
// EXPLAIN shows for people, so renaming a column or changing a projection
// downstream keeps the state. Stateless nodes have no digest ("").
func StateDigest(n Node) string {
	var b strings.Builder
	switch x := n.(type) {
	case *Aggregate:
		fmt.Fprintf(&b, "GroupAggregate keys=%v aggs=%s", x.Keys, aggDigest(x.Aggs))
	case *WindowAggregate:
		w := x.Window
		fmt.Fprintf(&b, "WindowAggregate %s time=%d size=%d slide=%d step=%d gap=%d offset=%d proc=%v part=%v keys=%v aggs=%s",
			w.Kind, w.TimeCol, w.Size, w.Slide, w.Step, w.Gap, w.Offset, w.ProcTime, w.PartitionKeys, x.Keys, aggDigest(x.Aggs))
	case *Join:
		fmt.Fprintf(&b, "%s %s keys=%v/%v nullaware=%v", x.Strategy, x.Kind, x.LeftKeys, x.RightKeys, x.NullAwareAnti)
		if x.Cond != nil {
			b.WriteString(" cond=" + Digest(x.Cond))
		}
		switch {
		case x.Interval != nil:
			fmt.Fprintf(&b, " interval=%+v", *x.Interval)
		case x.Window != nil:
			w := x.Window
			fmt.Fprintf(&b, " window=%s/%d/%d/%d/%d cols=%d,%d,%d,%d", w.Window.Kind, w.Window.Size, w.Window.Slide, w.Window.Step, w.Window.Offset, w.LeftStart, w.LeftEnd, w.RightStart, w.RightEnd)
		case x.Temporal != nil:
			fmt.Fprintf(&b, " temporal=%+v", *x.Temporal)
		}
	case *LookupJoin:
		// No state, but an identity: the runtime asks operators with one
		// to drain in-flight lookups before a checkpoint barrier passes.
		fmt.Fprintf(&b, "LookupJoin %s table=%s keys=%v/%v", x.Kind, x.Table.Name, x.TableKeys, x.InputKeys)
	case *Rank:
		fmt.Fprintf(&b, "Rank part=%v order=%+v range=%d-%d out=%v", x.PartitionKeys, x.Order, x.RankStart, x.RankEnd, x.OutputRank)
		if x.Window != nil {
			fmt.Fprintf(&b, " window=%s/%d/%d/%d/%d end=%d", x.Window.Kind, x.Window.Size, x.Window.Slide, x.Window.Step, x.Window.Offset, x.WindowEnd)
		}
	default:
		return ""
	}
	for k, in := range n.Inputs() {
		if k == 0 {
			b.WriteString(" in=")
		} else {
			b.WriteString(" | ")
		}
		for i, f := range in.Schema().Fields {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(f.Type.WithNullable(true).WithTimeAttr(0).String())
		}
	}
	return b.String()
}

func aggDigest(aggs []AggCall) string {
	parts := make([]string, len(aggs))
	for i, a := range aggs {
		parts[i] = fmt.Sprintf("%s(%v,%v,%d):%s", a.Kind, a.Args, a.Distinct, a.Filter, a.T.WithNullable(true))
	}
	return strings.Join(parts, ";")
}
