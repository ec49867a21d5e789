package half

import "math"

// Bit patterns of float32 magnitudes (sign cleared) where float16 rounding
// changes regime.
const (
	f32Inf       = 0x7f800000
	f32HalfOver  = 0x477ff000 // 65520: halfway from 65504 (largest float16) to 65536; rounds to Inf
	f32HalfMin   = 0x38800000 // 2^-14: smallest normal float16
	f32HalfTiny  = 0x33000000 // 2^-25: half the smallest subnormal float16; this and below round to 0
	halfRebias   = 112 << 23  // (127 − 15) exponent difference, in float32 exponent position
	f16ExpMask   = 0x7c00
	f16FracMask  = 0x03ff
	f16QuietBit  = 0x0200
	f32QuietBit  = 0x00400000
	f32SignShift = 16
)

// F16FromF32 returns the float16 nearest to f (ties to even); see the package
// documentation for overflow, subnormals and NaN.
func F16FromF32(f float32) uint16 {
	b := math.Float32bits(f)
	if f16NormalResult(b) {
		return f16FromNormal(b)
	}
	return f16FromF32Rare(b)
}

// f16NormalResult reports whether the float32 bits b round to a normal
// float16, the common case that the slice loops handle inline.
func f16NormalResult(b uint32) bool { return b&0x7fffffff-f32HalfMin < f32HalfOver-f32HalfMin }

// f16FromNormal narrows b when f16NormalResult(b): rebias the exponent and
// round away 13 bits, ties to even (adding 0xfff plus the lowest kept bit
// carries exactly when rounding up).
func f16FromNormal(b uint32) uint16 {
	a := b & 0x7fffffff
	return uint16(b>>f32SignShift)&0x8000 | uint16((a-halfRebias+0xfff+(a>>13)&1)>>13)
}

// f16FromF32Rare converts the float32 bits b whose float16 is not normal:
// NaN, ±Inf (including overflow), subnormal or zero.
func f16FromF32Rare(b uint32) uint16 {
	sign := uint16(b>>f32SignShift) & 0x8000
	a := b & 0x7fffffff
	switch {
	case a > f32Inf: // NaN: quiet, top nine payload bits kept
		return sign | f16ExpMask | f16QuietBit | uint16(a>>13)&f16FracMask
	case a >= f32HalfOver:
		return sign | f16ExpMask
	case a <= f32HalfTiny:
		return sign
	}
	// Subnormal result: the value is m·2^(e−150); in units of 2^-24 it is
	// m >> (126 − e), with e in [102, 112] here so the shift is 14..24. The
	// result may round up to 0x400, the smallest normal, which is correct.
	e := a >> 23
	m := a&0x7fffff | 0x800000
	shift := 126 - e
	q := m >> shift
	rest := m & (1<<shift - 1)
	half := uint32(1) << (shift - 1)
	if rest > half || rest == half && q&1 == 1 {
		q++
	}
	return sign | uint16(q)
}

// F16ToF32 returns the float32 equal to the float16 h (NaNs quieted).
func F16ToF32(h uint16) float32 {
	if f16IsNormal(h) {
		return f16NormalToF32(h)
	}
	return f16ToF32Rare(h)
}

// f16IsNormal reports whether h is a normal float16 (neither zero,
// subnormal, infinite nor NaN), the common case.
func f16IsNormal(h uint16) bool { e := h & f16ExpMask; return e != 0 && e != f16ExpMask }

// f16NormalToF32 widens a normal float16: rebias the exponent, shift the
// fraction.
func f16NormalToF32(h uint16) float32 {
	return math.Float32frombits(uint32(h&0x8000)<<f32SignShift | (uint32(h&0x7fff)<<13 + halfRebias))
}

// f16ToF32Rare widens a float16 that is zero, subnormal, infinite or NaN.
func f16ToF32Rare(h uint16) float32 {
	sign := uint32(h&0x8000) << f32SignShift
	m := uint32(h & f16FracMask)
	switch {
	case h&f16ExpMask != 0: // Inf or NaN
		if m == 0 {
			return math.Float32frombits(sign | f32Inf)
		}
		return math.Float32frombits(sign | f32Inf | f32QuietBit | m<<13)
	case m == 0:
		return math.Float32frombits(sign)
	}
	// Subnormal: m·2^-24, exact in float32.
	return math.Float32frombits(sign | math.Float32bits(float32(m)*0x1p-24))
}
