package rank

import (
	"fmt"

	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/sql/plan"
)

// New is replaced by the Top-N operators (branch rankops).
func New(x *plan.Rank) (operator.Operator, error) {
	return nil, fmt.Errorf("Top-N is not built yet")
}
