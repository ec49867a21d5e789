package kernels

import (
	"fmt"
	"math"

	"github.com/emberdl/ember/backend/cuda/driver"
)

// reduceBlock is the block size of the reductions over any axes.
const reduceBlock = 256

// Reduction is a planned reduction of a strided tensor over any set of axes
// (backend.Reduce): one launch of ember::reduce, or two when the reduced
// range is split across blocks for parallelism, the first writing partial
// results into a workspace of accumulators (AccType) that the second
// reduces. Build it with NewReduction, then for each pass p in
// [0, Passes()) pack with Pack and launch Kernels' kernel of that pass.
type Reduction struct {
	kept, red           Shape
	inKept, inRed, out  Strides
	nOut, nRed          int64
	group               int32 // threads per output in pass 1
	splits, chunk       int64
	grid1               driver.Dim3
	group2              int32 // threads per output in pass 2
	grid2               driver.Dim3
	workKept, workRedSt Strides
	workRed             Shape
}

// AccType returns the accumulator type of reductions and scans of t: F32
// for F32, BF16 and F16, F64 for F64, I64 for the integer types and bool.
func AccType(t DType) DType {
	switch t {
	case F64:
		return F64
	case F32, BF16, F16:
		return F32
	}
	return I64
}

// NewReduction plans the reduction of the tensor of the given shape (at
// most MaxDims dims), read through in, over axes, into the tensor written
// through out (in's shape with the axes set to 1; out's strides for those
// axes are ignored). maxBlocks bounds the grid (a few blocks per SM).
func NewReduction(shape []int64, in, out Strides, axes []int, maxBlocks int) (*Reduction, error) {
	if err := checkDims(shape); err != nil {
		return nil, err
	}
	reduced := make([]bool, len(shape))
	for _, ax := range axes {
		if err := checkAxis(ax, len(shape)); err != nil {
			return nil, err
		}
		reduced[ax] = true
	}
	var keptSize, keptIn, keptOut, redSize, redIn []int64
	for d, n := range shape {
		if reduced[d] {
			redSize, redIn = append(redSize, n), append(redIn, in.S[d])
		} else {
			keptSize, keptIn, keptOut = append(keptSize, n), append(keptIn, in.S[d]), append(keptOut, out.S[d])
		}
	}
	ks := newSpace(keptSize, keptIn, keptOut)
	ks.squeeze()
	ks.coalesce()
	rs := newSpace(redSize, redIn)
	rs.squeeze()
	rs.coalesce()
	r := &Reduction{nOut: ks.numel(), nRed: rs.numel()}
	if r.nOut > math.MaxInt32 || r.nRed > math.MaxInt32 {
		return nil, fmt.Errorf("kernels: reduction of %d outputs of %d elements: split it below 2^31 each", r.nOut, r.nRed)
	}
	var err error
	if r.kept, err = ks.shape(); err != nil {
		return nil, err
	}
	if r.red, err = rs.shape(); err != nil {
		return nil, err
	}
	r.inKept = ks.strides(0, in.Offset)
	r.out = ks.strides(1, out.Offset)
	if len(rs.size) > 0 {
		r.inRed = rs.strides(0, 0)
	}
	maxBlocks = max(maxBlocks, 1)

	// Strategy: a thread per output when neighbouring outputs are
	// neighbours in memory and the reduced elements are not; else threads
	// of a warp or of the whole block share an output.
	innerKept := len(ks.size) > 0 && abs64(ks.st[0][len(ks.size)-1]) == 1
	innerRed := len(rs.size) > 0 && abs64(rs.st[0][len(rs.size)-1]) == 1
	switch {
	case innerKept && !innerRed:
		r.group = 1
	case r.nRed >= 1024:
		r.group = reduceBlock
	default:
		r.group = int32(min(pow2AtLeast(r.nRed), 32))
	}
	perBlock := int64(reduceBlock / r.group)
	blocks := (r.nOut + perBlock - 1) / perBlock
	r.splits = 1
	if blocks < int64(maxBlocks) {
		minChunk := int64(64) // elements per thread worth a block of partials
		if r.group == reduceBlock {
			minChunk = 8 * reduceBlock
		}
		if r.group == 1 || r.group == reduceBlock {
			r.splits = max(1, min((int64(maxBlocks)+blocks-1)/max(blocks, 1), r.nRed/minChunk, 65535))
		}
	}
	r.chunk = max((r.nRed+r.splits-1)/r.splits, 1)
	r.splits = max((r.nRed+r.chunk-1)/r.chunk, 1)
	r.grid1 = driver.Dim3{X: uint32(max(min(blocks, int64(maxBlocks)), 1)), Y: uint32(r.splits), Z: 1}
	if r.splits > 1 {
		if r.nOut*r.splits > math.MaxInt32 {
			return nil, fmt.Errorf("kernels: reduction workspace of %d×%d partials", r.nOut, r.splits)
		}
		// Partials: [kept..., splits] contiguous.
		step := r.splits
		for i := int(r.kept.NDim) - 1; i >= 0; i-- {
			r.workKept.S[i] = step
			step *= r.kept.Dim[i]
		}
		r.workRed, _ = NewShape(r.splits)
		r.workRedSt = Strides{S: [MaxDims]int64{1}}
		r.group2 = int32(min(pow2AtLeast(r.splits), 32))
		if r.splits > 256 {
			r.group2 = reduceBlock
		}
		per2 := int64(reduceBlock / r.group2)
		r.grid2 = driver.D1(uint32(max(min((r.nOut+per2-1)/per2, int64(maxBlocks)), 1)))
	}
	return r, nil
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

func pow2AtLeast(n int64) int64 {
	p := int64(1)
	for p < n {
		p <<= 1
	}
	return p
}

// Passes returns the number of launches, 1 or 2.
func (r *Reduction) Passes() int {
	if r.splits > 1 {
		return 2
	}
	return 1
}

// Outputs returns the number of outputs; 0 means there is nothing to
// launch.
func (r *Reduction) Outputs() int64 { return r.nOut }

// WorkspaceElems returns the number of accumulators (AccType of the input
// type) the first of two passes writes; 0 for a single pass.
func (r *Reduction) WorkspaceElems() int64 {
	if r.splits > 1 {
		return r.nOut * r.splits
	}
	return 0
}

// reducePairOK reports whether ember::reduce<in, out> is built.
func reducePairOK(in, out DType) bool {
	for _, p := range reducePairs {
		if p[0] == in && p[1] == out {
			return true
		}
	}
	return false
}

// Kernel returns the kernel of pass p for input type in and output type
// out: Sum and Prod of integer or bool inputs write I64; Max and Min write
// the input type; All and Any of bool write bool; float inputs may also
// write F32.
func (r *Reduction) Kernel(p int, in, out DType) (Kernel, error) {
	from, to := in, out
	if r.Passes() == 2 {
		if p == 0 {
			to = AccType(in)
		} else {
			from = AccType(in)
		}
	}
	if !reducePairOK(from, to) {
		return Kernel{}, fmt.Errorf("kernels: no reduction from %v to %v", from, to)
	}
	return ReduceAxesKernel(from, to), nil
}

// Pack packs pass p of the reduction (op, result times scale: 1/n for a
// mean, 1 otherwise) reading in and writing out, with work the workspace
// of a two-pass plan, and returns the pass's launch.
func (r *Reduction) Pack(a *driver.Args, p int, op ReduceCode, out, in, work driver.DevicePtr, scale float64) (Launch, error) {
	if op < 0 || op >= numReduceCodes {
		return Launch{}, fmt.Errorf("kernels: unknown reduction %d", op)
	}
	if p < 0 || p >= r.Passes() {
		return Launch{}, fmt.Errorf("kernels: pass %d of a %d-pass reduction", p, r.Passes())
	}
	a.Reset()
	if r.Passes() == 1 {
		a.Ptr(out)
		driver.ArgStruct(a, &r.out)
		a.Ptr(in)
		driver.ArgStruct(a, &r.inKept)
		driver.ArgStruct(a, &r.kept)
		driver.ArgStruct(a, &r.inRed)
		driver.ArgStruct(a, &r.red)
		a.I64(r.nOut).I64(r.nRed).I64(r.chunk).I64(0).I32(int32(op)).I32(r.group).F64(scale)
		return Launch{r.grid1, driver.D1(reduceBlock)}, a.Err()
	}
	if work == 0 {
		return Launch{}, fmt.Errorf("kernels: a two-pass reduction needs its workspace")
	}
	if p == 0 {
		a.Ptr(work)
		driver.ArgStruct(a, &r.workKept)
		a.Ptr(in)
		driver.ArgStruct(a, &r.inKept)
		driver.ArgStruct(a, &r.kept)
		driver.ArgStruct(a, &r.inRed)
		driver.ArgStruct(a, &r.red)
		a.I64(r.nOut).I64(r.nRed).I64(r.chunk).I64(1).I32(int32(op)).I32(r.group).F64(1)
		return Launch{r.grid1, driver.D1(reduceBlock)}, a.Err()
	}
	// The partials are already 0/1 for All and Any, so min and max of them
	// finish those.
	a.Ptr(out)
	driver.ArgStruct(a, &r.out)
	a.Ptr(work)
	driver.ArgStruct(a, &r.workKept)
	driver.ArgStruct(a, &r.kept)
	driver.ArgStruct(a, &r.workRedSt)
	driver.ArgStruct(a, &r.workRed)
	a.I64(r.nOut).I64(r.splits).I64(r.splits).I64(0).I32(int32(op)).I32(r.group2).F64(scale)
	return Launch{r.grid2, driver.D1(reduceBlock)}, a.Err()
}
