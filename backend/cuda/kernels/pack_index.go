package kernels

import (
	"fmt"

	"github.com/emberdl/ember/backend/cuda/driver"
)

// noAxis returns st with the stride of dim axis set to 0, and that stride.
func noAxis(st Strides, axis int) (Strides, int64) {
	s := st.S[axis]
	st.S[axis] = 0
	return st, s
}

// indexShape checks an index kernel's iteration shape and axis.
func indexShape(shape []int64, axis int) (Shape, int64, error) {
	if err := checkAxis(axis, len(shape)); err != nil {
		return Shape{}, 0, err
	}
	sh, err := NewShape(shape...)
	if err != nil {
		return Shape{}, 0, err
	}
	n, err := elementwiseCount(&sh)
	return sh, n, err
}

// vector returns the address of element 0 of a 1-D i64 view and its
// stride.
func vector(v *Operand) (driver.DevicePtr, int64) {
	return v.Ptr + driver.DevicePtr(8*v.Strides.Offset), v.Strides.S[0]
}

// PackIndexSelect packs ember::index_select: out (shape) = src indexed
// along axis by idx, a 1-D i64 view (Strides.S[0] and Offset); src has
// axisLen elements along axis. errFlag (optional int32) receives code 1
// for an index out of range. Launch it with ElementwiseLaunch over out's
// elements.
func PackIndexSelect(a *driver.Args, out, src *Operand, shape []int64, axis int, axisLen int64, idx *Operand, errFlag driver.DevicePtr) error {
	sh, n, err := indexShape(shape, axis)
	if err != nil {
		return err
	}
	srcSt, along := noAxis(src.Strides, axis)
	ip, is := vector(idx)
	a.Reset()
	operand(a, out)
	a.Ptr(src.Ptr)
	driver.ArgStruct(a, &srcSt)
	a.I64(along).I64(axisLen).Ptr(ip).I64(is)
	driver.ArgStruct(a, &sh)
	a.I64(n).I32(int32(axis)).Ptr(errFlag)
	return a.Err()
}

// PackIndexAdd packs ember::index_add: dst[..., idx[i], ...] += src[..., i,
// ...] along axis (dst has axisLen elements along it; idx is a 1-D i64
// view); shape is src's. Launch it with ElementwiseLaunch over src's
// elements.
func PackIndexAdd(a *driver.Args, dst *Operand, axis int, axisLen int64, idx *Operand, src *Operand, shape []int64, errFlag driver.DevicePtr) error {
	sh, n, err := indexShape(shape, axis)
	if err != nil {
		return err
	}
	dstSt, along := noAxis(dst.Strides, axis)
	ip, is := vector(idx)
	a.Reset().Ptr(dst.Ptr)
	driver.ArgStruct(a, &dstSt)
	a.I64(along).I64(axisLen)
	operand(a, src)
	a.Ptr(ip).I64(is)
	driver.ArgStruct(a, &sh)
	a.I64(n).I32(int32(axis)).Ptr(errFlag)
	return a.Err()
}

// PackGather packs ember::gather: out[p] = src[p with its axis coordinate
// replaced by idx[p]]; shape is idx's and out's, src has axisLen elements
// along axis. Launch it with ElementwiseLaunch over idx's elements.
func PackGather(a *driver.Args, out, src *Operand, axis int, axisLen int64, idx *Operand, shape []int64, errFlag driver.DevicePtr) error {
	sh, n, err := indexShape(shape, axis)
	if err != nil {
		return err
	}
	srcSt, along := noAxis(src.Strides, axis)
	a.Reset()
	operand(a, out)
	a.Ptr(src.Ptr)
	driver.ArgStruct(a, &srcSt)
	a.I64(along).I64(axisLen)
	operand(a, idx)
	driver.ArgStruct(a, &sh)
	a.I64(n).Ptr(errFlag)
	return a.Err()
}

// PackScatter packs ember::scatter: dst[p with axis coordinate idx[p]] =
// src[p] (or += with add); shape is idx's, dst has axisLen elements along
// axis. Launch it with ElementwiseLaunch over idx's elements.
func PackScatter(a *driver.Args, dst *Operand, axis int, axisLen int64, idx, src *Operand, shape []int64, add bool, errFlag driver.DevicePtr) error {
	sh, n, err := indexShape(shape, axis)
	if err != nil {
		return err
	}
	dstSt, along := noAxis(dst.Strides, axis)
	a.Reset().Ptr(dst.Ptr)
	driver.ArgStruct(a, &dstSt)
	a.I64(along).I64(axisLen)
	operand(a, src)
	operand(a, idx)
	driver.ArgStruct(a, &sh)
	a.I64(n).I32(boolInt(add)).Ptr(errFlag)
	return a.Err()
}

// Nonzero plans backend.Nonzero over a tensor of N elements in three
// launches: count (Blocks blocks, one chunk of Chunk elements each, into an
// i64 buffer of Blocks counts), offsets (one block: the counts become
// their exclusive prefix sum and an i64 receives the total), and write
// (the positions, into an i64 buffer of the total's length, read back
// between the two). N == 0 needs no launch.
type Nonzero struct {
	N, Chunk, Blocks int64
}

// nonzeroBlock is the block size of the nonzero kernels.
const nonzeroBlock = 256

// NewNonzero plans nonzero over n elements.
func NewNonzero(n int64) (Nonzero, error) {
	if n < 0 || n > MaxElementwise {
		return Nonzero{}, fmt.Errorf("kernels: nonzero over %d elements", n)
	}
	chunk := max((n+4095)/4096, 2048)
	chunk = (chunk + nonzeroBlock - 1) / nonzeroBlock * nonzeroBlock
	return Nonzero{N: n, Chunk: chunk, Blocks: (n + chunk - 1) / chunk}, nil
}

// nonzeroMask is the bits of a t element that make it non-zero: all but
// a float's sign bit.
func nonzeroMask(t DType) uint64 {
	switch t {
	case F32:
		return 0x7fffffff
	case F64:
		return 0x7fffffffffffffff
	case BF16, F16:
		return 0x7fff
	}
	return ^uint64(0)
}

// PackNonzero packs one pass of the plan for the t tensor in (iteration
// shape sh, which must hold z.N elements): counts is the i64 buffer of
// z.Blocks counts (offsets after the second pass), total the i64 total, out
// the i64 positions. It returns the pass's launch.
func PackNonzero(a *driver.Args, pass NonzeroPass, z Nonzero, t DType, in *Operand, sh *Shape, counts, total, out driver.DevicePtr) (Launch, error) {
	if z.N == 0 {
		return Launch{}, fmt.Errorf("kernels: nonzero of no elements needs no launch")
	}
	if sh.NumElements() != z.N {
		return Launch{}, fmt.Errorf("kernels: nonzero planned for %d elements, shape has %d", z.N, sh.NumElements())
	}
	grid := Launch{driver.D1(uint32(z.Blocks)), driver.D1(nonzeroBlock)}
	a.Reset()
	switch pass {
	case NonzeroCount:
		a.Ptr(counts)
		operand(a, in)
		driver.ArgStruct(a, sh)
		a.I64(z.N).I64(z.Chunk).U64(nonzeroMask(t))
	case NonzeroOffsets:
		a.Ptr(counts).I64(z.Blocks).Ptr(total)
		grid = Launch{driver.D1(1), driver.D1(1024)}
	case NonzeroWrite:
		a.Ptr(out).Ptr(counts)
		operand(a, in)
		driver.ArgStruct(a, sh)
		a.I64(z.N).I64(z.Chunk).U64(nonzeroMask(t))
	default:
		return Launch{}, fmt.Errorf("kernels: unknown nonzero pass %q", pass)
	}
	return grid, a.Err()
}
