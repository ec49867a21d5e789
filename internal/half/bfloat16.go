package half

import "math"

// BF16FromF32 returns the bfloat16 nearest to f (ties to even); values above
// the largest bfloat16 by half an ulp or more become ±Inf. NaN stays NaN with
// its sign, quiet, keeping the top six payload bits.
func BF16FromF32(f float32) uint16 {
	b := math.Float32bits(f)
	if b&0x7fffffff > f32Inf {
		return uint16(b>>16) | 0x0040
	}
	return uint16((b + 0x7fff + (b>>16)&1) >> 16)
}

// BF16ToF32 returns the float32 equal to the bfloat16 b (NaNs quieted).
func BF16ToF32(b uint16) float32 {
	w := uint32(b) << 16
	if w&0x7fffffff > f32Inf {
		w |= f32QuietBit
	}
	return math.Float32frombits(w)
}
