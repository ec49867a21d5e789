package safetensors

import (
	"fmt"
	"math"
	"math/bits"
)

// ByteLen returns how many bytes a tensor of the given dtype and shape
// occupies. It fails for an unknown dtype, a negative dimension, an element
// count or byte count that overflows int64, and a packed sub-byte tensor (F4,
// F6) whose bits do not fill whole bytes. An empty shape is a scalar (one
// element); a zero dimension gives zero bytes.
func ByteLen(d DType, shape []int) (int64, error) {
	info, ok := dtypes[d]
	if !ok {
		return 0, fmt.Errorf("unknown dtype %q", string(d))
	}
	numel, err := numElements(shape)
	if err != nil {
		return 0, err
	}
	hi, nbits := bits.Mul64(uint64(numel), uint64(info.bits))
	if hi != 0 || nbits/8 > math.MaxInt64 {
		return 0, fmt.Errorf("shape %v of %s: byte count overflows int64", shape, d)
	}
	if nbits%8 != 0 {
		return 0, fmt.Errorf("shape %v of %s: %d elements of %d bits do not fill whole bytes",
			shape, d, numel, info.bits)
	}
	return int64(nbits / 8), nil
}

// numElements returns the product of the dimensions (1 for a scalar). Like
// the reference implementation it multiplies from the left and fails at the
// first overflow, so a zero dimension after an overflowing prefix still fails.
func numElements(shape []int) (int64, error) {
	n := uint64(1)
	for i, dim := range shape {
		if dim < 0 {
			return 0, fmt.Errorf("shape %v: dimension %d is negative", shape, i)
		}
		hi, lo := bits.Mul64(n, uint64(dim))
		if hi != 0 || lo > math.MaxInt64 {
			return 0, fmt.Errorf("shape %v: element count overflows int64", shape)
		}
		n = lo
	}
	return int64(n), nil
}
