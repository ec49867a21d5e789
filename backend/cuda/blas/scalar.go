package blas

import (
	"math"
	"sync"
	"unsafe"

	"github.com/ebitengine/purego"
)

// callBlock holds the argument list of one hot call together with the host
// scalars it points at, in pooled heap memory: GEMM calls then allocate
// nothing, and the scalars cannot move while cuBLAS reads them.
type callBlock struct {
	args        [23]uintptr
	alpha, beta uint64
	attr        uint64 // an attribute value passed by pointer
}

var callBlocks = sync.Pool{New: func() any { return new(callBlock) }}

// setScalars stores alpha and beta in the type t and returns their
// addresses.
func (b *callBlock) setScalars(t DataType, alpha, beta float64) (uintptr, uintptr) {
	b.alpha, b.beta = scalarBits(t, alpha), scalarBits(t, beta)
	return uintptr(unsafe.Pointer(&b.alpha)), uintptr(unsafe.Pointer(&b.beta))
}

// invoke calls s with the first n prepared arguments.
func (b *callBlock) invoke(s sym, n int) error {
	f := fns[s]
	if f == 0 {
		return notLoaded(s)
	}
	r, _, _ := purego.SyscallN(f, b.args[:n]...)
	return check(s, r)
}

// scalarBits encodes v as a little-endian value of type t.
func scalarBits(t DataType, v float64) uint64 {
	switch t {
	case Float64:
		return math.Float64bits(v)
	case Float16:
		return uint64(halfBits(float32(v)))
	default:
		return uint64(math.Float32bits(float32(v)))
	}
}

// halfBits converts f to IEEE binary16, rounding to nearest even.
func halfBits(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int((b>>23)&0xff) - 127 + 15
	mant := b & 0x7fffff
	switch {
	case (b>>23)&0xff == 0xff: // Inf or NaN
		if mant != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	case exp >= 0x1f: // overflow
		return sign | 0x7c00
	case exp <= 0: // subnormal or zero
		if exp < -10 {
			return sign
		}
		mant |= 0x800000
		shift := uint(14 - exp)
		h := mant >> shift
		rem := mant & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if rem > half || (rem == half && h&1 == 1) {
			h++
		}
		return sign | uint16(h)
	}
	h := uint32(exp)<<10 | mant>>13
	rem := mant & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && h&1 == 1) {
		h++ // may carry into the exponent, which is still correct
	}
	return sign | uint16(h)
}
