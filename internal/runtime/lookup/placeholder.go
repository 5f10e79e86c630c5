package lookup

import (
	"fmt"
	"time"

	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/sql/plan"
)

// Async is replaced by the lookup join (branch lookup).
type Async struct {
	Capacity int
	Timeout  time.Duration
	Ordered  bool
}

// New is replaced by the lookup join (branch lookup).
func New(x *plan.LookupJoin, async Async) (operator.Operator, error) {
	return nil, fmt.Errorf("lookup join is not built yet")
}
