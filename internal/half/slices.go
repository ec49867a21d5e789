package half

import (
	"math"

	"github.com/emberdl/ember/internal/parallel"
)

// grain is the least number of elements one parallel chunk converts.
const grain = 1 << 15

// F16FromF32s sets dst[i] = F16FromF32(src[i]) for i < min(len(dst),
// len(src)) and returns that count.
func F16FromF32s(dst []uint16, src []float32) int {
	n := min(len(dst), len(src))
	parallel.For(n, grain, func(lo, hi int) { f16FromF32Loop(dst[lo:hi], src[lo:hi]) })
	return n
}

// F16ToF32s sets dst[i] = F16ToF32(src[i]) for i < min(len(dst), len(src))
// and returns that count.
func F16ToF32s(dst []float32, src []uint16) int {
	n := min(len(dst), len(src))
	parallel.For(n, grain, func(lo, hi int) { f16ToF32Loop(dst[lo:hi], src[lo:hi]) })
	return n
}

// BF16FromF32s sets dst[i] = BF16FromF32(src[i]) for i < min(len(dst),
// len(src)) and returns that count.
func BF16FromF32s(dst []uint16, src []float32) int {
	n := min(len(dst), len(src))
	parallel.For(n, grain, func(lo, hi int) { bf16FromF32Loop(dst[lo:hi], src[lo:hi]) })
	return n
}

// BF16ToF32s sets dst[i] = BF16ToF32(src[i]) for i < min(len(dst), len(src))
// and returns that count.
func BF16ToF32s(dst []float32, src []uint16) int {
	n := min(len(dst), len(src))
	parallel.For(n, grain, func(lo, hi int) { bf16ToF32Loop(dst[lo:hi], src[lo:hi]) })
	return n
}

// The loops below re-slice dst to len(src) so that the compiler drops every
// bounds check inside them, and handle the common float16 case inline.

func f16FromF32Loop(dst []uint16, src []float32) {
	dst = dst[:len(src)]
	for i, f := range src {
		if b := math.Float32bits(f); f16NormalResult(b) {
			dst[i] = f16FromNormal(b)
		} else {
			dst[i] = f16FromF32Rare(b)
		}
	}
}

func f16ToF32Loop(dst []float32, src []uint16) {
	dst = dst[:len(src)]
	for i, h := range src {
		if f16IsNormal(h) {
			dst[i] = f16NormalToF32(h)
		} else {
			dst[i] = f16ToF32Rare(h)
		}
	}
}

func bf16FromF32Loop(dst []uint16, src []float32) {
	dst = dst[:len(src)]
	for i, f := range src {
		dst[i] = BF16FromF32(f)
	}
}

func bf16ToF32Loop(dst []float32, src []uint16) {
	dst = dst[:len(src)]
	for i, b := range src {
		dst[i] = BF16ToF32(b)
	}
}
