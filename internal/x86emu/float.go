package x86emu

import "math"

// x86 floating point in MXCSR's default state: round to nearest even,
// subnormals kept, exceptions masked. A NaN result is the first NaN source
// (in the instruction's operand order), quieted, or for an invalid
// operation on non-NaN sources (0·∞, ∞−∞, 0/0, ∞/∞) the default NaN, the
// negative quiet NaN. Max and min return their second source when either
// source is a NaN or both are zeros, unquieted.

const (
	defaultNaN32 = 0xffc00000
	defaultNaN64 = 0xfff8000000000000
	quiet32      = 1 << 22
	quiet64      = 1 << 51
)

func isNaN32(b uint32) bool { return b&0x7fffffff > 0x7f800000 }
func isNaN64(b uint64) bool { return b&(1<<63-1) > 0x7ff0000000000000 }

// lane describes one floating-point lane width for arith: its bits' type
// and conversions, NaN test, quiet bit and default NaN.
type lane[U uint32 | uint64, F float32 | float64] struct {
	float         func(U) F
	bits          func(F) U
	isNaN         func(U) bool
	quiet, defNaN U
}

var (
	lane32 = lane[uint32, float32]{math.Float32frombits, math.Float32bits, isNaN32, quiet32, defaultNaN32}
	lane64 = lane[uint64, float64]{math.Float64frombits, math.Float64bits, isNaN64, quiet64, defaultNaN64}
)

// arith computes a fn b (a is the first source, Intel's src1: the middle
// AT&T operand) on the bits of one lane.
func arith[U uint32 | uint64, F float32 | float64](l *lane[U, F], fn byte, a, b U) U {
	x, y := l.float(a), l.float(b)
	switch fn {
	case '^':
		return a ^ b
	case 'M':
		if x > y {
			return a
		}
		return b
	case 'm':
		if x < y {
			return a
		}
		return b
	}
	if l.isNaN(a) {
		return a | l.quiet
	}
	if l.isNaN(b) {
		return b | l.quiet
	}
	var r F
	switch fn {
	case '+':
		r = x + y
	case '-':
		r = x - y
	case '*':
		r = F(x * y) // rounded on its own, never fused into an add
	case '/':
		r = x / y
	}
	if r != r {
		return l.defNaN
	}
	return l.bits(r)
}

// arith32 is arith on float32 bits.
func arith32(fn byte, a, b uint32) uint32 { return arith(&lane32, fn, a, b) }

// arith64 is arith on float64 bits.
func arith64(fn byte, a, b uint64) uint64 { return arith(&lane64, fn, a, b) }

// fmaOrder arranges the operands of vfmadd132, 213 or 231 (Intel's
// operand order: op1 is the destination, op3 the register-or-memory
// source) as x·y + z.
func fmaOrder[T any](form int, op1, op2, op3 T) (x, y, z T) {
	switch form {
	case 132:
		return op1, op3, op2
	case 213:
		return op2, op1, op3
	default: // 231
		return op2, op3, op1
	}
}

// fma32 is vfmadd<form>ss on one lane. Of NaN sources, the first of
// x, y, z in x·y + z (multiplicand, multiplier, addend, as the SDM's
// formula for the form names them) propagates, as Intel's SDM (table
// "FMA Numeric Behavior") specifies and the tests observe on the CPU.
func fma32(form int, op1, op2, op3 uint32) uint32 {
	x, y, z := fmaOrder(form, op1, op2, op3)
	for _, v := range [3]uint32{x, y, z} {
		if isNaN32(v) {
			return v | quiet32
		}
	}
	r := fmaFloat32(math.Float32frombits(x), math.Float32frombits(y), math.Float32frombits(z))
	if r != r {
		return defaultNaN32
	}
	return math.Float32bits(r)
}

// fma64 is vfmadd<form>sd on one lane.
func fma64(form int, op1, op2, op3 uint64) uint64 {
	x, y, z := fmaOrder(form, op1, op2, op3)
	for _, v := range [3]uint64{x, y, z} {
		if isNaN64(v) {
			return v | quiet64
		}
	}
	r := math.FMA(math.Float64frombits(x), math.Float64frombits(y), math.Float64frombits(z))
	if r != r {
		return defaultNaN64
	}
	return math.Float64bits(r)
}

// fmaFloat32 returns x·y + z rounded once to float32, as the hardware's
// fused multiply-add does.
//
// The plain float32(math.FMA(float64(x), float64(y), float64(z))) rounds
// twice, to float64 and then to float32, and in rare cases (a float64 sum
// that lands exactly halfway between two float32 values) differs from a
// single rounding. Here the product is exact in float64 (24+24 < 53
// significant bits), the float64 sum's rounding error e is exact by
// TwoSum, and when e is not zero the sum is moved to its odd neighbour on
// e's side (rounding to odd), after which rounding to float32 gives the
// correctly rounded result: round-to-odd at 53 bits followed by
// round-to-nearest at 24 or fewer bits is the same as rounding once.
func fmaFloat32(x, y, z float32) float32 {
	p := float64(float64(x) * float64(y)) // exact; the conversion forbids fusing
	zz := float64(z)
	s := float64(p + zz)
	if math.IsInf(s, 0) || s != s {
		return float32(s) // an infinite or invalid operand
	}
	// TwoSum: s + e == p + zz exactly.
	bb := float64(s - p)
	e := float64(p-float64(s-bb)) + float64(zz-bb)
	if b := math.Float64bits(s); e != 0 && b&1 == 0 {
		// s is not zero here: p and zz are multiples of 2^-298, so an
		// inexact sum is far from zero.
		if (e > 0) == (s > 0) {
			b++ // away from zero
		} else {
			b--
		}
		s = math.Float64frombits(b)
	}
	return float32(s)
}
