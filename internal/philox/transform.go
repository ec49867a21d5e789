package philox

import (
	"fmt"
	"math"
	"math/bits"
)

// The word-to-value transforms of the package documentation. The fills and the
// Stream methods both call these, so there is one definition of each.

// uniform24 maps a word to its top 24 bits scaled into [0, 1): exact in float32.
func uniform24(x uint32) float64 { return float64(x>>8) * 0x1p-24 }

// uniform53 maps a 64-bit value to its top 53 bits scaled into [0, 1).
func uniform53(x uint64) float64 { return float64(x>>11) * 0x1p-53 }

// open24 maps a word into (0, 1] for the Box–Muller radius.
func open24(x uint32) float64 { return float64(x>>8+1) * 0x1p-24 }

// open53 maps a 64-bit value into (0, 1] for the Box–Muller radius.
func open53(x uint64) float64 { return float64(x>>11+1) * 0x1p-53 }

// uniformRange32 holds float32 uniform bounds widened once per fill.
type uniformRange32 struct {
	lo, width float64
	lo32, top float32 // top: the largest value allowed, below hi
}

func newUniformRange32(lo, hi float32) uniformRange32 {
	checkRange(float64(lo), float64(hi))
	return uniformRange32{
		lo:    float64(lo),
		width: float64(hi) - float64(lo),
		lo32:  lo,
		top:   max(lo, math.Nextafter32(hi, float32(math.Inf(-1)))),
	}
}

func (r uniformRange32) at(x uint32) float32 {
	v := float32(math.FMA(uniform24(x), r.width, r.lo))
	if v > r.top {
		v = r.top
	}
	return v
}

// uniformRange64 holds float64 uniform bounds.
type uniformRange64 struct{ lo, width, top float64 }

func newUniformRange64(lo, hi float64) uniformRange64 {
	checkRange(lo, hi)
	w := hi - lo
	if math.IsInf(w, 0) {
		panic(fmt.Sprintf("philox: uniform range [%v, %v) is wider than the largest float64", lo, hi))
	}
	return uniformRange64{lo: lo, width: w, top: max(lo, math.Nextafter(hi, math.Inf(-1)))}
}

func (r uniformRange64) at(x uint64) float64 {
	v := math.FMA(uniform53(x), r.width, r.lo)
	if v > r.top {
		v = r.top
	}
	return v
}

func checkRange(lo, hi float64) {
	if !(lo <= hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		panic(fmt.Sprintf("philox: uniform range [%v, %v) must be finite with lo <= hi", lo, hi))
	}
}

// int32At is Lemire's 32-bit multiply-shift onto [lo, lo+n).
func int32At(x uint32, lo int32, n uint32) int32 {
	return lo + int32((uint64(x)*uint64(n))>>32)
}

// int64At is Lemire's 64-bit multiply-shift onto [lo, lo+n).
func int64At(x uint64, lo int64, n uint64) int64 {
	hi, _ := bits.Mul64(x, n)
	return lo + int64(hi)
}

func int32Span(lo, hi int32) uint32 {
	if lo >= hi {
		panic(fmt.Sprintf("philox: integer range [%d, %d) is empty", lo, hi))
	}
	return uint32(int64(hi) - int64(lo))
}

func int64Span(lo, hi int64) uint64 {
	if lo >= hi {
		panic(fmt.Sprintf("philox: integer range [%d, %d) is empty", lo, hi))
	}
	return uint64(hi) - uint64(lo)
}

// BernoulliThreshold returns t = ceil(p·2^24) clamped to [0, 2^24]: a word x
// gives a Bernoulli(p) success exactly when x>>8 < t. It panics on NaN.
func BernoulliThreshold(p float64) uint32 {
	if p != p {
		panic("philox: Bernoulli probability is NaN")
	}
	if p <= 0 {
		return 0
	}
	if p >= 1 {
		return 1 << 24
	}
	return uint32(math.Ceil(p * 0x1p24))
}

// boxMuller turns a radius uniform in (0, 1] and an angle uniform in [0, 1)
// into two standard normal values (r·cos, r·sin).
func boxMuller(u1, u2 float64) (float64, float64) {
	r := math.Sqrt(-2 * Log(u1))
	s, c := SinCos2Pi(u2)
	return r * c, r * s
}

// normal32 applies mean and std to a standard normal value, rounding once.
func normal32(z float64, mean, std float32) float32 {
	return float32(math.FMA(float64(std), z, float64(mean)))
}

// join64 reads two consecutive words as one little-endian 64-bit value.
func join64(lo, hi uint32) uint64 { return uint64(lo) | uint64(hi)<<32 }

// fmaNormal64 applies mean and std to a standard normal value.
func fmaNormal64(z, mean, std float64) float64 { return math.FMA(std, z, mean) }
