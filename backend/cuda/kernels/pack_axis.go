package kernels

import (
	"fmt"
	"math"

	"github.com/emberdl/ember/backend/cuda/driver"
)

// lanes splits a strided tensor into the lanes along axis: the space of the
// other dims (squeezed and coalesced) with each operand's strides, and
// each operand's stride along the axis.
func lanes(shape []int64, axis int, strides ...[]int64) (*space, []int64, error) {
	if err := checkDims(shape); err != nil {
		return nil, nil, err
	}
	if err := checkAxis(axis, len(shape)); err != nil {
		return nil, nil, err
	}
	s := withoutAxis(shape, axis, strides...)
	s.squeeze()
	s.coalesce()
	if s.numel() > math.MaxInt32 {
		return nil, nil, fmt.Errorf("kernels: %d lanes in one launch; split them below 2^31", s.numel())
	}
	along := make([]int64, len(strides))
	for i, st := range strides {
		along[i] = st[axis]
	}
	return s, along, nil
}

// PackArgReduceAxis packs ember::arg_reduce (ArgReduceAxisKernel): the
// index of the first maximum or minimum of in (shape, any strides) along
// axis, into the i64 tensor out (in's shape with the axis set to 1; out's
// stride along it is ignored). It returns the launch.
func PackArgReduceAxis(a *driver.Args, op ArgOp, out *Operand, in *Operand, shape []int64, axis int, maxBlocks int) (Launch, error) {
	s, along, err := lanes(shape, axis, in.Strides.S[:], out.Strides.S[:])
	if err != nil {
		return Launch{}, err
	}
	n, length := s.numel(), shape[axis]
	if length < 1 {
		return Launch{}, fmt.Errorf("kernels: arg-reduction along an empty axis")
	}
	// A warp's lanes share an output when the axis is contiguous in memory;
	// else a thread per output, so that neighbouring threads read
	// neighbouring elements.
	group := int64(1)
	if abs64(along[0]) == 1 || len(s.size) == 0 {
		group = min(pow2AtLeast(length), 32)
	}
	sh, err := s.shape()
	if err != nil {
		return Launch{}, err
	}
	inSt, outSt := s.strides(0, in.Strides.Offset), s.strides(1, out.Strides.Offset)
	a.Reset().Ptr(out.Ptr)
	driver.ArgStruct(a, &outSt)
	a.Ptr(in.Ptr)
	driver.ArgStruct(a, &inSt)
	driver.ArgStruct(a, &sh)
	a.I64(n).I64(length).I64(along[0]).I32(op.code()).I32(int32(group))
	per := reduceBlock / group
	return Launch{driver.D1(uint32(max(min((n+per-1)/per, int64(maxBlocks)), 1))), driver.D1(reduceBlock)}, a.Err()
}

// PackCumulative packs a running sum or product of in (shape, any strides)
// along axis into out (same shape, any strides), for elements of type t
// (CumTypes). It returns the kernel to launch (a block per lane when the
// lanes are few and long, else a thread per lane) and the launch.
func PackCumulative(a *driver.Args, op CumOp, t DType, out, in *Operand, shape []int64, axis int, maxBlocks int) (Kernel, Launch, error) {
	if op != CumSum && op != CumProd {
		return Kernel{}, Launch{}, fmt.Errorf("kernels: unknown cumulative op %d", op)
	}
	s, along, err := lanes(shape, axis, out.Strides.S[:], in.Strides.S[:])
	if err != nil {
		return Kernel{}, Launch{}, err
	}
	n, length := s.numel(), shape[axis]
	sh, err := s.shape()
	if err != nil {
		return Kernel{}, Launch{}, err
	}
	outSt, inSt := s.strides(0, out.Strides.Offset), s.strides(1, in.Strides.Offset)
	a.Reset().Ptr(out.Ptr)
	driver.ArgStruct(a, &outSt)
	a.Ptr(in.Ptr)
	driver.ArgStruct(a, &inSt)
	driver.ArgStruct(a, &sh)
	a.I64(n).I64(length).I64(along[0]).I64(along[1]).I32(int32(op))
	block := n < int64(maxBlocks)*64 && length >= 256
	k := CumulativeKernel(t, block)
	if block {
		return k, Launch{driver.D1(uint32(max(min(n, int64(maxBlocks)), 1))), driver.D1(reduceBlock)}, a.Err()
	}
	return k, ElementwiseLaunch(n, maxBlocks), a.Err()
}
