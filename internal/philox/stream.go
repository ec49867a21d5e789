package philox

import "math/bits"

// Stream names one sequence of Philox blocks: the key comes from Seed and block
// j uses the 128-bit counter Offset + j. A Stream is a plain value; all of its
// methods are pure functions of (Seed, Offset, index), so element i can be
// computed alone, in any order, on any thread.
type Stream struct {
	Seed   uint64 // key: low 32 bits in key[0], high 32 bits in key[1]
	Offset uint64 // counter of block 0, in blocks of four 32-bit words
}

// Key returns the Philox key of s.
func (s Stream) Key() [2]uint32 { return [2]uint32{uint32(s.Seed), uint32(s.Seed >> 32)} }

// Counter returns the 128-bit counter of block j: Offset + j, with the carry
// of the 64-bit sum in word 2.
func (s Stream) Counter(j uint64) [4]uint32 {
	lo, carry := bits.Add64(s.Offset, j, 0)
	return [4]uint32{uint32(lo), uint32(lo >> 32), uint32(carry), 0}
}

// Block returns block j of the stream.
func (s Stream) Block(j uint64) [4]uint32 { return Block(s.Counter(j), s.Key()) }

// Skip returns the stream that starts n blocks later, for drawing fresh values
// after a fill that consumed n blocks.
func (s Stream) Skip(n uint64) Stream { return Stream{Seed: s.Seed, Offset: s.Offset + n} }

// Uint32 returns word i: word i%4 of block i/4.
func (s Stream) Uint32(i uint64) uint32 { return s.Block(i / 4)[i%4] }

// Uint64 returns 64-bit element i: words 2i (low half) and 2i+1 (high half).
func (s Stream) Uint64(i uint64) uint64 {
	b := s.Block(i / 2)
	k := 2 * (i % 2)
	return join64(b[k], b[k+1])
}

// Uniform32 returns float32 element i uniform in [lo, hi). It panics unless
// lo <= hi are finite.
func (s Stream) Uniform32(i uint64, lo, hi float32) float32 {
	return newUniformRange32(lo, hi).at(s.Uint32(i))
}

// Uniform64 returns float64 element i uniform in [lo, hi). It panics unless
// lo <= hi are finite and hi-lo is finite.
func (s Stream) Uniform64(i uint64, lo, hi float64) float64 {
	return newUniformRange64(lo, hi).at(s.Uint64(i))
}

// Int32 returns element i uniform on the integers [lo, hi), from one word.
// It panics if lo >= hi.
func (s Stream) Int32(i uint64, lo, hi int32) int32 {
	return int32At(s.Uint32(i), lo, int32Span(lo, hi))
}

// Int64 returns element i uniform on the integers [lo, hi), from two words.
// It panics if lo >= hi.
func (s Stream) Int64(i uint64, lo, hi int64) int64 {
	return int64At(s.Uint64(i), lo, int64Span(lo, hi))
}

// Bernoulli reports whether element i of a Bernoulli(p) stream is a success.
// It panics if p is NaN.
func (s Stream) Bernoulli(i uint64, p float64) bool {
	return s.Uint32(i)>>8 < BernoulliThreshold(p)
}

// Normal32 returns float32 element i normal with the given mean and standard
// deviation: one half of the Box–Muller pair formed by elements 2(i/2) and
// 2(i/2)+1.
func (s Stream) Normal32(i uint64, mean, std float32) float32 {
	b := s.Block(i / 4)
	k := i % 4 &^ 1
	z0, z1 := boxMuller(open24(b[k]), uniform24(b[k+1]))
	if i%2 == 1 {
		z0 = z1
	}
	return normal32(z0, mean, std)
}

// Normal64 returns float64 element i normal with the given mean and standard
// deviation; elements 2k and 2k+1 share block k.
func (s Stream) Normal64(i uint64, mean, std float64) float64 {
	b := s.Block(i / 2)
	z0, z1 := boxMuller(open53(join64(b[0], b[1])), uniform53(join64(b[2], b[3])))
	if i%2 == 1 {
		z0 = z1
	}
	return fmaNormal64(z0, mean, std)
}

// Blocks32 returns how many blocks a fill of n 32-bit elements consumes
// (Uint32, Uniform32, Int32, Bernoulli, Normal32): ceil(n/4).
func Blocks32(n int) uint64 { return (uint64(n) + 3) / 4 }

// Blocks64 returns how many blocks a fill of n 64-bit elements consumes
// (Uint64, Uniform64, Int64, Normal64): ceil(n/2).
func Blocks64(n int) uint64 { return (uint64(n) + 1) / 2 }
