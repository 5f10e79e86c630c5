// Package syncbuf is a bytes.Buffer safe for concurrent use, for tests
// that hand an engine's output writer to jobs running in goroutines and
// read it while they run.
package syncbuf

import (
	"bytes"
	"sync"
)

// Buffer is written by any number of goroutines and read with String.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything written so far.
func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
