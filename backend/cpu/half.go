package cpu

import (
	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/internal/half"
)

// halfToF32 returns the widening conversion of a 16-bit float dtype.
func halfToF32(d backend.DType) func(uint16) float32 {
	if d == backend.BFloat16 {
		return half.BF16ToF32
	}
	return half.F16ToF32
}

// f32ToHalf returns the rounding conversion to a 16-bit float dtype.
func f32ToHalf(d backend.DType) func(float32) uint16 {
	if d == backend.BFloat16 {
		return half.BF16FromF32
	}
	return half.F16FromF32
}
