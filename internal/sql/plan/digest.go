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
	default:
		return ""
	}
	b.WriteString(" in=")
	for i, f := range n.Inputs()[0].Schema().Fields {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(f.Type.WithNullable(true).WithTimeAttr(0).String())
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
