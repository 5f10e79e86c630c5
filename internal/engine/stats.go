package engine

import "github.com/sluicehq/sluice/internal/runtime/task"

// Stats returns the counters of the jobs of the script being run, or of
// the last script run once Run has returned (their final counters), in
// script order; nil before any Run.
func (e *Engine) Stats() []task.Stats {
	js := e.JobStats()
	if js == nil {
		return nil
	}
	out := make([]task.Stats, len(js))
	for i, j := range js {
		out[i] = j.Stats
	}
	return out
}
