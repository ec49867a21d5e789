package philox

import (
	"math/bits"

	"github.com/emberdl/ember/internal/parallel"
)

// grainBlocks is the least number of blocks one parallel chunk of a fill
// handles (about ten microseconds of work).
const grainBlocks = 1024

// Number is the element types FillBernoulli can write 0 and 1 into.
type Number interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~int | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uint | ~float32 | ~float64
}

// blockAt returns block j of the stream (seed key k0, k1; offset).
func blockAt(offset uint64, j int, k0, k1 uint32) [4]uint32 {
	lo, carry := bits.Add64(offset, uint64(j), 0)
	c0, c1, c2, c3 := block10(lo, carry, k0, k1)
	return [4]uint32{c0, c1, c2, c3}
}

// forBlocks runs body over the block ranges [j0, j1) of [0, nb), spread over
// the worker pool when nb is large. Elements never depend on the split.
func forBlocks(nb int, body func(j0, j1 int)) { parallel.For(nb, grainBlocks, body) }

// fillWords32 drives a fill of n 32-bit elements: full(j, w) writes the four
// elements of block j, tail(j, w, m) the first m elements of the last,
// partial, block.
func fillWords32(n int, seed, offset uint64, full func(j int, w [4]uint32), tail func(j int, w [4]uint32, m int)) {
	k0, k1 := uint32(seed), uint32(seed>>32)
	nb := n / 4
	forBlocks(nb, func(j0, j1 int) {
		for j := j0; j < j1; j++ {
			full(j, blockAt(offset, j, k0, k1))
		}
	})
	if m := n % 4; m != 0 {
		tail(nb, blockAt(offset, nb, k0, k1), m)
	}
}

// fillWords64 is fillWords32 for 64-bit elements, two per block: full(j, a, b)
// writes elements 2j and 2j+1 from the block's two 64-bit values, last(j, a)
// the final element of an odd-length fill.
func fillWords64(n int, seed, offset uint64, full func(j int, a, b uint64), last func(j int, a uint64)) {
	k0, k1 := uint32(seed), uint32(seed>>32)
	nb := n / 2
	forBlocks(nb, func(j0, j1 int) {
		for j := j0; j < j1; j++ {
			w := blockAt(offset, j, k0, k1)
			full(j, join64(w[0], w[1]), join64(w[2], w[3]))
		}
	})
	if n%2 != 0 {
		w := blockAt(offset, nb, k0, k1)
		last(nb, join64(w[0], w[1]))
	}
}

// FillUint32 sets dst[i] to word i of the stream (seed, offset).
func FillUint32(dst []uint32, seed, offset uint64) {
	fillWords32(len(dst), seed, offset, func(j int, w [4]uint32) {
		copy(dst[4*j:4*j+4], w[:])
	}, func(j int, w [4]uint32, m int) {
		copy(dst[4*j:], w[:m])
	})
}

// FillUint64 sets dst[i] to 64-bit element i of the stream (seed, offset).
func FillUint64(dst []uint64, seed, offset uint64) {
	fillWords64(len(dst), seed, offset, func(j int, a, b uint64) {
		d := dst[2*j : 2*j+2]
		d[0], d[1] = a, b
	}, func(j int, a uint64) { dst[2*j] = a })
}

// FillUniform32 sets dst[i] to element i of a float32 uniform [lo, hi) stream.
// It panics unless lo <= hi are finite.
func FillUniform32(dst []float32, seed, offset uint64, lo, hi float32) {
	r := newUniformRange32(lo, hi)
	fillWords32(len(dst), seed, offset, func(j int, w [4]uint32) {
		d := dst[4*j : 4*j+4]
		d[0], d[1], d[2], d[3] = r.at(w[0]), r.at(w[1]), r.at(w[2]), r.at(w[3])
	}, func(j int, w [4]uint32, m int) {
		for t, x := range w[:m] {
			dst[4*j+t] = r.at(x)
		}
	})
}

// FillUniform64 sets dst[i] to element i of a float64 uniform [lo, hi)
// stream. It panics unless lo <= hi are finite and hi-lo is finite.
func FillUniform64(dst []float64, seed, offset uint64, lo, hi float64) {
	r := newUniformRange64(lo, hi)
	fillWords64(len(dst), seed, offset, func(j int, a, b uint64) {
		d := dst[2*j : 2*j+2]
		d[0], d[1] = r.at(a), r.at(b)
	}, func(j int, a uint64) { dst[2*j] = r.at(a) })
}

// FillInt32 sets dst[i] to element i of a uniform integer stream on [lo, hi),
// one word per element. It panics if lo >= hi.
func FillInt32(dst []int32, seed, offset uint64, lo, hi int32) {
	n := int32Span(lo, hi)
	fillWords32(len(dst), seed, offset, func(j int, w [4]uint32) {
		d := dst[4*j : 4*j+4]
		d[0], d[1], d[2], d[3] = int32At(w[0], lo, n), int32At(w[1], lo, n), int32At(w[2], lo, n), int32At(w[3], lo, n)
	}, func(j int, w [4]uint32, m int) {
		for t, x := range w[:m] {
			dst[4*j+t] = int32At(x, lo, n)
		}
	})
}

// FillInt64 sets dst[i] to element i of a uniform integer stream on [lo, hi),
// two words per element. It panics if lo >= hi.
func FillInt64(dst []int64, seed, offset uint64, lo, hi int64) {
	n := int64Span(lo, hi)
	fillWords64(len(dst), seed, offset, func(j int, a, b uint64) {
		d := dst[2*j : 2*j+2]
		d[0], d[1] = int64At(a, lo, n), int64At(b, lo, n)
	}, func(j int, a uint64) { dst[2*j] = int64At(a, lo, n) })
}

// FillBernoulli sets dst[i] to 1 where element i of a Bernoulli(p) stream is
// a success and to 0 elsewhere. It panics if p is NaN.
func FillBernoulli[T Number](dst []T, seed, offset uint64, p float64) {
	t := BernoulliThreshold(p)
	bit := func(x uint32) T {
		if x>>8 < t {
			return 1
		}
		return 0
	}
	fillWords32(len(dst), seed, offset, func(j int, w [4]uint32) {
		d := dst[4*j : 4*j+4]
		d[0], d[1], d[2], d[3] = bit(w[0]), bit(w[1]), bit(w[2]), bit(w[3])
	}, func(j int, w [4]uint32, m int) {
		for k, x := range w[:m] {
			dst[4*j+k] = bit(x)
		}
	})
}

// FillBernoulliBool is FillBernoulli writing true for a success.
func FillBernoulliBool(dst []bool, seed, offset uint64, p float64) {
	t := BernoulliThreshold(p)
	fillWords32(len(dst), seed, offset, func(j int, w [4]uint32) {
		d := dst[4*j : 4*j+4]
		d[0], d[1], d[2], d[3] = w[0]>>8 < t, w[1]>>8 < t, w[2]>>8 < t, w[3]>>8 < t
	}, func(j int, w [4]uint32, m int) {
		for k, x := range w[:m] {
			dst[4*j+k] = x>>8 < t
		}
	})
}

// FillNormal32 sets dst[i] to element i of a float32 normal stream with the
// given mean and standard deviation (Box–Muller on element pairs).
func FillNormal32(dst []float32, seed, offset uint64, mean, std float32) {
	pair := func(a, b uint32) (float32, float32) {
		z0, z1 := boxMuller(open24(a), uniform24(b))
		return normal32(z0, mean, std), normal32(z1, mean, std)
	}
	fillWords32(len(dst), seed, offset, func(j int, w [4]uint32) {
		d := dst[4*j : 4*j+4]
		d[0], d[1] = pair(w[0], w[1])
		d[2], d[3] = pair(w[2], w[3])
	}, func(j int, w [4]uint32, m int) {
		var v [4]float32
		v[0], v[1] = pair(w[0], w[1])
		if m > 2 {
			v[2], v[3] = pair(w[2], w[3])
		}
		copy(dst[4*j:], v[:m])
	})
}

// FillNormal64 sets dst[i] to element i of a float64 normal stream with the
// given mean and standard deviation (Box–Muller, one block per pair).
func FillNormal64(dst []float64, seed, offset uint64, mean, std float64) {
	k0, k1 := uint32(seed), uint32(seed>>32)
	n := len(dst)
	pair := func(j int) (float64, float64) {
		w := blockAt(offset, j, k0, k1)
		z0, z1 := boxMuller(open53(join64(w[0], w[1])), uniform53(join64(w[2], w[3])))
		return fmaNormal64(z0, mean, std), fmaNormal64(z1, mean, std)
	}
	nb := n / 2
	forBlocks(nb, func(j0, j1 int) {
		for j := j0; j < j1; j++ {
			d := dst[2*j : 2*j+2]
			d[0], d[1] = pair(j)
		}
	})
	if n%2 != 0 {
		dst[2*nb], _ = pair(nb)
	}
}
