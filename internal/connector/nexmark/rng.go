package nexmark

import "math/bits"

// rng is SplitMix64: one add and three xor-shift-multiplies per draw, good
// statistical quality, and a state that can be seeded from any integer —
// here the event id, as the reference seeds a java.util.Random per event.
type rng struct{ s uint64 }

const golden = 0x9E3779B97F4A7C15

func mix64(z uint64) uint64 {
	z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
	z = (z ^ z>>27) * 0x94D049BB133111EB
	return z ^ z>>31
}

// seeded returns the generator for the event with the given id.
func seeded(id int64) rng { return rng{s: mix64(uint64(id) * golden)} }

func (r *rng) next() uint64 {
	r.s += golden
	return mix64(r.s)
}

// intn returns a uniform integer in [0, n) for n > 0 (Lemire's
// multiply-high; the bias is below 2^-32 for the n used here).
func (r *rng) intn(n int64) int64 {
	hi, _ := bits.Mul64(r.next(), uint64(n))
	return int64(hi)
}

// float returns a uniform float64 in [0, 1).
func (r *rng) float() float64 { return float64(r.next()>>11) * 0x1p-53 }
