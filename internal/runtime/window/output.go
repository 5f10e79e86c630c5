package window

import (
	"errors"
	"fmt"

	"github.com/sluicehq/sluice/internal/sql/plan"
	"github.com/sluicehq/sluice/internal/types"
)

// timeSource reads a row's window time: the event-time column, or the
// processing time (ctx.Now, truncated to the millisecond as Flink's
// processing time is).
type timeSource struct {
	col      int
	name     string
	procTime bool
	now      func() int64
}

func newTimeSource(w plan.Window, in types.Schema) timeSource {
	return timeSource{col: w.TimeCol, name: in.Fields[w.TimeCol].Name, procTime: w.ProcTime}
}

// ErrNullTime is wrapped by the error a window operator returns for a row
// whose event-time column is NULL (Flink fails the job too).
var ErrNullTime = errors.New("window time attribute is NULL")

func (t *timeSource) of(row types.Row) (int64, error) {
	if t.procTime {
		return floorAlign(t.now(), ms, 0), nil
	}
	v := row[t.col]
	if v.K == types.KindNull {
		return 0, fmt.Errorf("%w: column %q; a window's time attribute must not be NULL", ErrNullTime, t.name)
	}
	return v.I, nil
}

// writeWindow fills window_start, window_end, window_time at r[at:].
func writeWindow(r types.Row, at int, start, end int64) {
	r[at] = types.IntValue(start)
	r[at+1] = types.IntValue(end)
	r[at+2] = types.IntValue(end - ms)
}
