package state

import "fmt"

// Timers is an ordered set of timers, (time, key) pairs, fired in order of
// time then key (docs/design/state-and-checkpoints.md, "Timers in state").
// It has two modes, chosen by the backend:
//
//   - in memory (the heap backend): a min-heap, no store. The operator
//     rebuilds it on Open from its own state (a session's end, a group's
//     expiry), so nothing needs writing at a checkpoint and a restore that
//     redistributes keys (by key group) keeps each timer with its key.
//   - in a store (byte backends such as Pebble): the store called name,
//     namespace 0, key = AppendTimeKey(time, user key), scanned in order
//     with RangeOrdered, so timers need not fit in memory.
//
// A (time, key) pair registered twice may fire twice in memory mode and
// once in store mode: operators must treat a timer as a hint to look at
// the key's state, not as an event.
type Timers struct {
	store Store[struct{}] // nil in memory mode
	mem   timerHeap
	buf   []byte
	top   []byte
}

// TimerTabler is implemented by byte backends that place entries by key
// group (Pebble): a timer store's keys are AppendTimeKey(time, user key),
// and such a backend must place each under the key group of its user key,
// not of the whole key, so that the timer stays visible to the instance
// that owns the key (and moves with it when state is redistributed).
type TimerTabler interface {
	TimerTable(name string) (Store[[]byte], error)
}

// NewTimers returns the timers called name of b: in memory for the heap
// backend (the operator rebuilds them on Open: see InMemory), otherwise in
// the store called name.
func NewTimers(b Backend, name string) (*Timers, error) {
	if _, heap := b.(*Heap); heap {
		return &Timers{}, nil
	}
	if tt, ok := b.(TimerTabler); ok {
		t, err := tt.TimerTable(name)
		if err != nil {
			return nil, err
		}
		return &Timers{store: &codecStore[struct{}]{t: t, c: emptyCodec{}}}, nil
	}
	s, err := NewStore[struct{}](b, name, emptyCodec{})
	if err != nil {
		return nil, err
	}
	return &Timers{store: s}, nil
}

// InMemory reports whether the timers live in memory only.
func (t *Timers) InMemory() bool { return t.store == nil }

// Register adds a timer for key at time at.
func (t *Timers) Register(at int64, key []byte) {
	if t.store == nil {
		t.mem.push(at, string(key))
		return
	}
	t.buf = AppendTimeKey(t.buf[:0], at, key)
	t.store.Put(0, t.buf, struct{}{})
}

// Peek returns the earliest timer; key is valid until the next call.
func (t *Timers) Peek() (at int64, key []byte, ok bool) {
	if t.store == nil {
		if t.mem.len() == 0 {
			return 0, nil, false
		}
		e := t.mem.h[0]
		t.top = append(t.top[:0], e.key...)
		return e.at, t.top, true
	}
	RangeOrdered(t.store, 0, func(k []byte, _ struct{}) bool {
		t.top = append(t.top[:0], k...)
		ok = true
		return false
	})
	if !ok {
		return 0, nil, false
	}
	at, key, ok = ParseTimeKey(t.top)
	if !ok {
		panic(fmt.Errorf("state: corrupt timer key %x", t.top))
	}
	return at, key, true
}

// Pop removes the earliest timer (the one Peek returns).
func (t *Timers) Pop() {
	if t.store == nil {
		if t.mem.len() > 0 {
			t.mem.pop()
		}
		return
	}
	if _, _, ok := t.Peek(); ok {
		t.store.Delete(0, t.top)
	}
}

// Clear removes every timer.
func (t *Timers) Clear() {
	if t.store == nil {
		t.mem = timerHeap{}
		return
	}
	t.store.DropNamespace(0)
}

// Len is the number of timers.
func (t *Timers) Len() int {
	if t.store == nil {
		return t.mem.len()
	}
	return t.store.Len()
}

// emptyCodec stores struct{} as no bytes.
type emptyCodec struct{}

func (emptyCodec) Encode(dst []byte, _ struct{}) []byte { return dst }
func (emptyCodec) Decode(b []byte) (struct{}, error) {
	if len(b) != 0 {
		return struct{}{}, fmt.Errorf("timer value of %d bytes, want none", len(b))
	}
	return struct{}{}, nil
}

type timerEntry struct {
	at  int64
	key string
}

// timerHeap is a min-heap of timers by (at, key).
type timerHeap struct{ h []timerEntry }

func (q *timerHeap) less(i, j int) bool {
	a, b := q.h[i], q.h[j]
	return a.at < b.at || a.at == b.at && a.key < b.key
}

func (q *timerHeap) len() int { return len(q.h) }

func (q *timerHeap) push(at int64, key string) {
	q.h = append(q.h, timerEntry{at, key})
	for i := len(q.h) - 1; i > 0; {
		p := (i - 1) / 2
		if !q.less(i, p) {
			break
		}
		q.h[p], q.h[i] = q.h[i], q.h[p]
		i = p
	}
}

func (q *timerHeap) pop() {
	n := len(q.h) - 1
	q.h[0] = q.h[n]
	q.h[n] = timerEntry{}
	q.h = q.h[:n]
	for i := 0; ; {
		l, m := 2*i+1, i
		if l < n && q.less(l, m) {
			m = l
		}
		if l+1 < n && q.less(l+1, m) {
			m = l + 1
		}
		if m == i {
			break
		}
		q.h[i], q.h[m] = q.h[m], q.h[i]
		i = m
	}
}
