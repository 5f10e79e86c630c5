package window

import (
	"fmt"
	"time"

	"github.com/sluicehq/sluice/internal/sql/plan"
)

// ms is one millisecond in nanoseconds: watermarks are whole milliseconds
// and a window [start, end) has window_time end - ms.
const ms = int64(time.Millisecond)

// slicer maps times to slices and windows for TUMBLE, HOP and CUMULATE.
// Every slice is [end - slice, end); a window is a run of consecutive
// slices:
//
//   - TUMBLE: slice = window = size.
//   - HOP: slice = gcd(size, slide); a window is size/slice slices and
//     windows start every slide.
//   - CUMULATE: slice = step; the windows of one size-aligned period all
//     start at its start and end at every step.
//
// Window starts are aligned to offset (Flink's
// TimeWindow.getWindowStartWithOffset).
type slicer struct {
	kind                plan.WindowKind
	size, slide, offset int64
	slice               int64
}

func newSlicer(w plan.Window) (slicer, error) {
	s := slicer{kind: w.Kind, size: w.Size, offset: w.Offset}
	switch w.Kind {
	case plan.Tumble:
		s.slide, s.slice = w.Size, w.Size
	case plan.Hop:
		if w.Slide <= 0 {
			return s, fmt.Errorf("HOP window slide must be positive, got %s", time.Duration(w.Slide))
		}
		s.slide, s.slice = w.Slide, gcd(w.Size, w.Slide)
	case plan.Cumulate:
		if w.Step <= 0 || w.Size%w.Step != 0 {
			return s, fmt.Errorf("CUMULATE window max size %s must be a positive multiple of step %s", time.Duration(w.Size), time.Duration(w.Step))
		}
		s.slide, s.slice = w.Step, w.Step
	default:
		return s, fmt.Errorf("%s windows are not sliced", w.Kind)
	}
	if w.Size <= 0 {
		return s, fmt.Errorf("%s window size must be positive, got %s", w.Kind, time.Duration(w.Size))
	}
	return s, nil
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// floorAlign returns the largest x <= t with x ≡ off (mod m).
func floorAlign(t, m, off int64) int64 {
	r := (t - off) % m
	if r < 0 {
		r += m
	}
	return t - r
}

// sliceEnd is the end of the slice holding time ts.
func (s slicer) sliceEnd(ts int64) int64 { return floorAlign(ts, s.slice, s.offset) + s.slice }

// windowEnds returns the ends of the windows using the slice ending at se:
// first, first+step, ..., last. ok is false when no window covers the slice
// (HOP with slide > size leaves gaps).
func (s slicer) windowEnds(se int64) (first, last, step int64, ok bool) {
	switch s.kind {
	case plan.Hop:
		firstStart := floorAlign(se-s.size-1, s.slide, s.offset) + s.slide // smallest start >= se-size
		lastStart := floorAlign(se-s.slice, s.slide, s.offset)
		return firstStart + s.size, lastStart + s.size, s.slide, firstStart <= lastStart
	case plan.Cumulate:
		ws := floorAlign(se-s.slice, s.size, s.offset)
		return se, ws + s.size, s.slice, true
	}
	return se, se, s.size, true
}

// lastWindow is the end of the last window using the slice ending at se:
// the slice's state can be dropped once it has fired.
func (s slicer) lastWindow(se int64) int64 {
	_, last, _, _ := s.windowEnds(se)
	return last
}

// window returns the start of the window ending at end and the end of its
// first slice; its slices end at firstSlice, firstSlice+slice, ..., end.
func (s slicer) window(end int64) (start, firstSlice int64) {
	if s.kind == plan.Cumulate {
		start = floorAlign(end-s.slice, s.size, s.offset)
	} else {
		start = end - s.size
	}
	return start, start + s.slice
}

// endHeap is a min-heap of window ends with no duplicates.
type endHeap struct {
	h   []int64
	set map[int64]struct{}
}

func (q *endHeap) push(e int64) {
	if _, ok := q.set[e]; ok {
		return
	}
	if q.set == nil {
		q.set = map[int64]struct{}{}
	}
	q.set[e] = struct{}{}
	q.h = append(q.h, e)
	for i := len(q.h) - 1; i > 0; {
		p := (i - 1) / 2
		if q.h[p] <= q.h[i] {
			break
		}
		q.h[p], q.h[i] = q.h[i], q.h[p]
		i = p
	}
}

func (q *endHeap) len() int    { return len(q.h) }
func (q *endHeap) peek() int64 { return q.h[0] }

func (q *endHeap) pop() int64 {
	top := q.h[0]
	delete(q.set, top)
	n := len(q.h) - 1
	q.h[0] = q.h[n]
	q.h = q.h[:n]
	for i := 0; ; {
		l, m := 2*i+1, i
		if l < n && q.h[l] < q.h[m] {
			m = l
		}
		if l+1 < n && q.h[l+1] < q.h[m] {
			m = l + 1
		}
		if m == i {
			break
		}
		q.h[i], q.h[m] = q.h[m], q.h[i]
		i = m
	}
	return top
}
