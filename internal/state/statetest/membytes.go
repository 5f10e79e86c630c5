package statetest

import (
	"bytes"
	"slices"
	"strings"

	"github.com/sluicehq/sluice/internal/state"
)

// MemBytes is a state.BytesBackend in memory, for operator tests: every
// value goes through its store's Codec (as with Pebble), Range is ordered
// by key (as with Pebble), and a table survives the operator that made it,
// so a test can close an operator and open a new instance on the same
// backend, as after a restore. It is not safe for concurrent use.
type MemBytes struct {
	tables map[string]*memTable
}

// NewMemBytes returns an empty backend.
func NewMemBytes() *MemBytes { return &MemBytes{tables: map[string]*memTable{}} }

var _ state.BytesBackend = (*MemBytes)(nil)

func (m *MemBytes) Kind() string { return "membytes" }
func (m *MemBytes) Close() error { return nil }

// Table returns the table called name, creating it on first use; a second
// operator instance gets the same table.
func (m *MemBytes) Table(name string) (state.Store[[]byte], error) {
	t := m.tables[name]
	if t == nil {
		t = &memTable{ns: map[int64]map[string][]byte{}}
		m.tables[name] = t
	}
	return t, nil
}

// Bytes is the total size of the keys and values held, to check that
// state is freed.
func (m *MemBytes) Bytes() int {
	n := 0
	for _, t := range m.tables {
		for _, kv := range t.ns {
			for k, v := range kv {
				n += len(k) + len(v)
			}
		}
	}
	return n
}

type memTable struct {
	ns map[int64]map[string][]byte
	n  int
}

func (t *memTable) Get(ns int64, key []byte) ([]byte, bool) {
	v, ok := t.ns[ns][string(key)]
	return v, ok
}

func (t *memTable) Put(ns int64, key []byte, v []byte) {
	m := t.ns[ns]
	if m == nil {
		m = map[string][]byte{}
		t.ns[ns] = m
	}
	if _, ok := m[string(key)]; !ok {
		t.n++
	}
	m[string(key)] = bytes.Clone(v)
}

func (t *memTable) Delete(ns int64, key []byte) {
	if _, ok := t.ns[ns][string(key)]; ok {
		delete(t.ns[ns], string(key))
		t.n--
	}
}

// Range is ordered by key, as a Pebble scan is.
func (t *memTable) Range(ns int64, fn func([]byte, []byte) bool) {
	m := t.ns[ns]
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, strings.Compare)
	for _, k := range keys {
		if !fn([]byte(k), m[k]) {
			return
		}
	}
}

func (t *memTable) OrderedRange(ns int64, fn func([]byte, []byte) bool) { t.Range(ns, fn) }

func (t *memTable) DropNamespace(ns int64) {
	t.n -= len(t.ns[ns])
	delete(t.ns, ns)
}

func (t *memTable) Len() int { return t.n }
