package join

import (
	"errors"
	"fmt"

	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

// ErrUpdatingInput is wrapped by the error New returns for an interval or
// window join over an input that emits updates (-U/+U/-D): those joins
// accept append-only inputs only, as in Flink.
var ErrUpdatingInput = errors.New("join accepts only append-only inputs")

// ErrNullTime is wrapped by the error an interval join returns for a row
// whose time attribute is NULL (Flink fails the job too).
var ErrNullTime = errors.New("join time attribute is NULL")

// ms is one millisecond in nanoseconds: a window's last instant is its end
// minus 1 ms.
const ms = int64(1_000_000)

// New builds the operator for a regular, interval or window join. The
// planner hash-partitions both inputs on LeftKeys/RightKeys (or sends
// everything to one instance without keys); a NullAwareAnti join (NOT IN)
// must go to one instance (see RegularJoin).
func New(x *plan.Join) (operator.Operator, error) {
	if x == nil || x.Left == nil || x.Right == nil {
		return nil, errors.New("join: no plan node or inputs")
	}
	j, err := newJoiner(x)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", x.Strategy, err)
	}
	switch x.Strategy {
	case plan.RegularJoin:
		return newRegular(x, j), nil
	case plan.IntervalJoin:
		return newInterval(x, j)
	case plan.WindowJoin:
		return newWindow(x, j)
	}
	return nil, fmt.Errorf("join: strategy %s is not built by join.New (TemporalJoin has its own operator)", x.Strategy)
}

// newJoiner checks what every strategy needs and compiles the residual
// condition.
func newJoiner(x *plan.Join) (joiner, error) {
	nl, nr := x.Left.Schema().Len(), x.Right.Schema().Len()
	j := joiner{nl: nl, nr: nr, leftOnly: x.Kind == plan.SemiJoin || x.Kind == plan.AntiJoin}
	if len(x.LeftKeys) != len(x.RightKeys) {
		return j, fmt.Errorf("%d left keys but %d right keys", len(x.LeftKeys), len(x.RightKeys))
	}
	for i := range x.LeftKeys {
		if x.LeftKeys[i] < 0 || x.LeftKeys[i] >= nl || x.RightKeys[i] < 0 || x.RightKeys[i] >= nr {
			return j, fmt.Errorf("join key %d (left column %d, right column %d) is out of range (%d left, %d right columns)",
				i, x.LeftKeys[i], x.RightKeys[i], nl, nr)
		}
	}
	if x.Cond != nil {
		ev, err := operator.Compile(x.Cond)
		if err != nil {
			return j, fmt.Errorf("join condition %s: %w", x.Cond, err)
		}
		j.cond = ev
	}
	return j, nil
}

// appendOnly checks that both inputs of an interval or window join are
// append-only.
func appendOnly(x *plan.Join) error {
	for i, in := range x.Inputs() {
		if in.Mode() == plan.Updates {
			side := [...]string{"left", "right"}[i]
			return fmt.Errorf("%s: %w, but the %s input (%s) emits updates; use a regular join, or make the input append-only",
				x.Strategy, ErrUpdatingInput, side, in.Describe())
		}
	}
	return nil
}

// timeOf reads a time attribute, failing on NULL.
func timeOf(row types.Row, col int, name string) (int64, error) {
	v := row[col]
	if v.K == types.KindNull {
		return 0, fmt.Errorf("%w: column %q; a time attribute must not be NULL", ErrNullTime, name)
	}
	return v.I, nil
}
