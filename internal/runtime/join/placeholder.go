package join

import (
	"fmt"

	"github.com/sluicehq/sluice/internal/runtime/operator"
	"github.com/sluicehq/sluice/internal/sql/plan"
)

// New is replaced by the join operators (branch joinops).
func New(x *plan.Join) (operator.Operator, error) {
	return nil, fmt.Errorf("%s is not built yet", x.Strategy)
}
