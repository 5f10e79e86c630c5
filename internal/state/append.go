package state

// AppendCodec is a Codec of list-like values whose encodings concatenate:
// decoding Encode(a) followed by Encode(b) gives a's elements followed by
// b's. Stores with such a codec can append without reading (Append).
type AppendCodec[V any] interface {
	Codec[V]
	// Concatenates marks the codec; it does nothing.
	Concatenates()
}

// BytesAppender is an optional capability of a byte backend's store:
// AppendBytes concatenates v to the key's value, which need not exist,
// without reading it (Pebble: a merge operand, resolved when read or
// compacted). A key appended to counts as one entry per call in Len until
// it is deleted or its namespace dropped (the store cannot tell, without a
// read, whether the key existed).
type BytesAppender interface {
	AppendBytes(ns int64, key []byte, v []byte)
}

// appender is implemented by stores that may append blindly.
type appender[V any] interface {
	tryAppend(ns int64, key []byte, v V) bool
}

// Append adds v's elements to the value of key in s (creating it). Where
// CanAppend(s), it is one blind write of v's encoding; otherwise it is Get,
// then combine(old, v) (which must return old followed by v, and may reuse
// old), then Put — of v itself when the key is absent, so v must then be a
// value the caller gives up. Len may over-count as BytesAppender says.
func Append[V any](s Store[V], ns int64, key []byte, v V, combine func(old, v V) V) {
	if a, ok := s.(appender[V]); ok && a.tryAppend(ns, key, v) {
		return
	}
	if old, ok := s.Get(ns, key); ok {
		v = combine(old, v)
	}
	s.Put(ns, key, v)
}

// CanAppend reports whether Append on s is a blind write: s is a byte
// backend's store with an AppendCodec, on a backend that can append.
func CanAppend[V any](s Store[V]) bool {
	c, ok := s.(*codecStore[V])
	return ok && c.canAppend()
}

func (s *codecStore[V]) canAppend() bool {
	_, okT := s.t.(BytesAppender)
	_, okC := s.c.(AppendCodec[V])
	return okT && okC
}

func (s *codecStore[V]) tryAppend(ns int64, key []byte, v V) bool {
	if !s.canAppend() {
		return false
	}
	s.buf = s.c.Encode(s.buf[:0], v)
	s.t.(BytesAppender).AppendBytes(ns, key, s.buf)
	return true
}
