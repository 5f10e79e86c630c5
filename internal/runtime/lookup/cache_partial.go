package lookup

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicehq/sluice/internal/types"
)

// partialCache is 'lookup.cache' = 'PARTIAL': a bounded LRU of encoded key
// → rows, filled by lookups. It is split into shards, each with its own
// lock and its own share of max-rows, so the lookup workers can fill it
// while the task goroutine reads it. Entries expire expireAfterWrite after
// they were stored and expireAfterAccess after they were last read (0: never).
// Rows stored are owned by the cache and never modified.
type partialCache struct {
	shards      []cacheShard
	seed        maphash.Seed
	afterWrite  int64 // ns; 0 = never
	afterAccess int64
	missing     bool // remember keys with no row
	now         func() int64

	hits, misses atomic.Int64
}

type cacheShard struct {
	mu      sync.Mutex
	max     int
	entries map[string]*cacheEntry
	head    cacheEntry // sentinel of the LRU list: head.next is the most recent
}

type cacheEntry struct {
	key          string
	rows         []types.Row
	written, acc int64
	prev, next   *cacheEntry
}

// newPartialCache builds a cache of at most maxRows keys. Small caches get
// one shard so the bound is exact; large ones 16.
func newPartialCache(maxRows int, afterWrite, afterAccess time.Duration, missing bool, now func() int64) *partialCache {
	n := 16
	if maxRows < 16*1024 {
		n = 1
	}
	c := &partialCache{shards: make([]cacheShard, n), seed: maphash.MakeSeed(),
		afterWrite: int64(afterWrite), afterAccess: int64(afterAccess), missing: missing, now: now}
	for i := range c.shards {
		s := &c.shards[i]
		s.max = maxRows / n
		if i < maxRows%n {
			s.max++
		}
		s.entries = map[string]*cacheEntry{}
		s.head.next, s.head.prev = &s.head, &s.head
	}
	return c
}

func (c *partialCache) shard(key []byte) *cacheShard {
	if len(c.shards) == 1 {
		return &c.shards[0]
	}
	return &c.shards[maphash.Bytes(c.seed, key)%uint64(len(c.shards))]
}

// get returns the rows cached for key (nil for a cached missing key) and
// whether the key was cached and fresh.
func (c *partialCache) get(key []byte) ([]types.Row, bool) {
	s := c.shard(key)
	now := c.now()
	s.mu.Lock()
	e, ok := s.entries[string(key)]
	if ok && c.expired(e, now) {
		s.remove(e)
		ok = false
	}
	if !ok {
		s.mu.Unlock()
		c.misses.Add(1)
		return nil, false
	}
	e.acc = now
	s.moveFront(e)
	rows := e.rows
	s.mu.Unlock()
	c.hits.Add(1)
	return rows, true
}

func (c *partialCache) expired(e *cacheEntry, now int64) bool {
	return c.afterWrite > 0 && now-e.written >= c.afterWrite ||
		c.afterAccess > 0 && now-e.acc >= c.afterAccess
}

// put stores rows (owned by the cache from now on) for key.
func (c *partialCache) put(key string, rows []types.Row) {
	if len(rows) == 0 {
		if !c.missing {
			return
		}
		rows = nil
	}
	s := c.shard([]byte(key))
	now := c.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.entries[key]; ok {
		e.rows, e.written, e.acc = rows, now, now
		s.moveFront(e)
		return
	}
	if s.max <= 0 {
		return
	}
	for len(s.entries) >= s.max {
		s.remove(s.head.prev) // least recently used
	}
	e := &cacheEntry{key: key, rows: rows, written: now, acc: now}
	s.entries[key] = e
	s.pushFront(e)
}

func (c *partialCache) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		n += len(s.entries)
		s.mu.Unlock()
	}
	return n
}

func (s *cacheShard) remove(e *cacheEntry) {
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
	delete(s.entries, e.key)
}

func (s *cacheShard) pushFront(e *cacheEntry) {
	e.prev, e.next = &s.head, s.head.next
	s.head.next.prev = e
	s.head.next = e
}

func (s *cacheShard) moveFront(e *cacheEntry) {
	if s.head.next == e {
		return
	}
	e.prev.next, e.next.prev = e.next, e.prev
	s.pushFront(e)
}
