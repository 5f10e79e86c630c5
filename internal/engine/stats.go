package engine

import "github.com/sluicehq/sluice/internal/runtime/task"

// Stats returns the counters of the jobs of the script being run, or of
// the last script run once Run has returned (their final counters), in
// script order; nil before any Run.
func (e *Engine) Stats() []task.Stats {
	e.mu.Lock()
	r := e.active
	e.mu.Unlock()
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]task.Stats, 0, len(r.jobs))
	for _, j := range r.jobs {
		if j != nil {
			out = append(out, j.Stats())
		}
	}
	return out
}
