package gemm

import (
	"fmt"
	"math/bits"
	"slices"
)

// check panics with a message naming the function and operand when the
// arguments of a (batched) product are inconsistent: negative sizes or
// strides, an element outside its slice, or overlapping elements of C.
func check[T float](fn string, op *operands[T], batch, sa, sb, sc int) {
	if batch < 0 || op.m < 0 || op.n < 0 || op.k < 0 {
		panic(fmt.Sprintf("gemm.%s: negative size batch=%d m=%d n=%d k=%d", fn, batch, op.m, op.n, op.k))
	}
	if batch == 0 || op.m == 0 || op.n == 0 {
		return
	}
	if op.k > 0 && op.alpha != 0 {
		checkOperand(fn, "A", len(op.a), dim{batch, sa}, dim{op.m, op.rsa}, dim{op.k, op.csa})
		checkOperand(fn, "B", len(op.b), dim{batch, sb}, dim{op.k, op.rsb}, dim{op.n, op.csb})
	}
	checkOperand(fn, "C", len(op.c), dim{batch, sc}, dim{op.m, op.rsc}, dim{op.n, op.csc})
	if op.bias != nil && len(op.bias) < op.n {
		panic(fmt.Sprintf("gemm.%s: bias has %d elements, fewer than C's %d columns", fn, len(op.bias), op.n))
	}
	if !disjoint(dim{batch, sc}, dim{op.m, op.rsc}, dim{op.n, op.csc}) {
		panic(fmt.Sprintf("gemm.%s: elements of C overlap (batch stride %d, strides %d, %d for %d×%d×%d)",
			fn, sc, op.rsc, op.csc, batch, op.m, op.n))
	}
}

// dim is one axis of an operand: its length and stride in elements.
type dim struct{ n, stride int }

// checkOperand panics unless every element of an operand with the given
// (non-empty) axes lies inside a slice of length size.
func checkOperand(fn, name string, size int, d0, d1, d2 dim) {
	dims := [3]dim{d0, d1, d2}
	last := uint64(0)
	for _, d := range dims {
		if d.stride < 0 {
			panic(fmt.Sprintf("gemm.%s: %s has negative stride %d", fn, name, d.stride))
		}
		hi, lo := bits.Mul64(uint64(d.n-1), uint64(d.stride))
		sum, carry := bits.Add64(last, lo, 0)
		if hi != 0 || carry != 0 || sum > uint64(size) {
			last = uint64(size) // reported below
			break
		}
		last = sum
	}
	if last >= uint64(size) {
		panic(fmt.Sprintf("gemm.%s: %s needs more than its %d elements (axes {length stride}: %v %v %v)",
			fn, name, size, d0, d1, d2))
	}
}

// disjoint reports whether the axes address distinct elements: ordered by
// stride, each stride must step past everything the smaller ones reach.
// Axes of length 1 are ignored.
func disjoint(d0, d1, d2 dim) bool {
	var buf [3]dim
	ds := buf[:0]
	for _, d := range [3]dim{d0, d1, d2} {
		if d.n > 1 {
			ds = append(ds, d)
		}
	}
	slices.SortFunc(ds, func(x, y dim) int { return x.stride - y.stride })
	reach := 0
	for _, d := range ds {
		if d.stride <= reach {
			return false
		}
		reach += (d.n - 1) * d.stride
	}
	return true
}
