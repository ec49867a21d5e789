// Package backend defines the narrow interface every Ember compute device
// implements: buffers of one dtype, and a fixed set of kernels that read and
// write strided views of them.
//
// The ember package does all argument checking, shape and broadcast logic,
// dtype promotion and autograd; a backend only moves and computes numbers. A
// kernel receives views whose shapes already agree (broadcasting is expressed
// with zero strides) and whose dtypes are those the kernel documents. Views
// passed as inputs may have any strides, including zero and negative ones; a
// destination view never overlaps an input unless the kernel says so.
//
// Adding a device means implementing Backend and passing the conformance suite
// in package ember (ember's op tests run against every registered backend).
package backend

// Buffer is device memory holding Len elements of one dtype.
type Buffer interface {
	DType() DType
	Len() int
}

// View is a strided window onto a buffer: element (i0, i1, ...) lives at
// Offset + i0*Strides[0] + i1*Strides[1] + ... elements into Buf.
type View struct {
	Buf     Buffer
	Shape   []int
	Strides []int
	Offset  int
}

// DType returns the element type of the view's buffer.
func (v View) DType() DType { return v.Buf.DType() }

// Numel returns the number of elements the view addresses.
func (v View) Numel() int { return Numel(v.Shape) }

// IsContiguous reports whether the view is dense and row-major.
func (v View) IsContiguous() bool { return IsContiguous(v.Shape, v.Strides) }

// Numel returns the product of a shape's sizes (1 for a scalar shape).
func Numel(shape []int) int {
	n := 1
	for _, s := range shape {
		n *= s
	}
	return n
}

// ContiguousStrides returns the row-major strides of shape.
func ContiguousStrides(shape []int) []int {
	st := make([]int, len(shape))
	acc := 1
	for i := len(shape) - 1; i >= 0; i-- {
		st[i] = acc
		acc *= max(shape[i], 1)
	}
	return st
}

// IsContiguous reports whether strides describe a dense row-major layout of
// shape (sizes of 1 may have any stride).
func IsContiguous(shape, strides []int) bool {
	acc := 1
	for i := len(shape) - 1; i >= 0; i-- {
		if shape[i] == 0 {
			return true
		}
		if shape[i] != 1 && strides[i] != acc {
			return false
		}
		acc *= shape[i]
	}
	return true
}

// Dense returns a contiguous view of a whole buffer with the given shape.
func Dense(buf Buffer, shape ...int) View {
	return View{Buf: buf, Shape: shape, Strides: ContiguousStrides(shape)}
}

// Backend is a compute device. All methods are synchronous from the caller's
// point of view except where a device queues work: ToHost and Synchronize
// wait for queued work to finish. Kernels panic only on programming errors
// (mismatched views); the ember package validates user input before calling.
type Backend interface {
	// Name identifies the backend ("cpu", "cuda:0").
	Name() string
	// SupportsMath reports whether arithmetic kernels accept dtype d
	// directly; when not (bfloat16 and float16 on the CPU), ember computes in
	// float32 and converts. Copy, Fill and the indexing kernels accept every
	// dtype.
	SupportsMath(d DType) bool

	// Alloc returns an uninitialised buffer of n elements.
	Alloc(d DType, n int) Buffer
	// FromHost returns a new buffer holding a copy of src, which must be one
	// of []float32, []float64, []uint16 (bfloat16 or float16 bits, with d
	// saying which), []int64, []int32, []uint8 or []bool.
	FromHost(d DType, src any) Buffer
	// ToHost copies the elements of v, in row-major order, into dst, a slice
	// of the Go type matching v's dtype (as for FromHost) and of length
	// v.Numel().
	ToHost(v View, dst any)
	// Synchronize waits for all queued work.
	Synchronize()

	// Copy copies src into dst elementwise (same shape), converting the dtype
	// when they differ (floats to integers truncate toward zero, to bool
	// compare with zero).
	Copy(dst, src View)
	// Fill sets every element of dst to value (converted to dst's dtype).
	Fill(dst View, value float64)
	// Arange sets element i of the 1-D view dst to start + i*step.
	Arange(dst View, start, step float64)
	// Random fills a float (or, for RandInt, integer) view from the
	// Philox4x32-10 stream (seed, offset) as package internal/philox defines
	// it; element i of dst (row-major) uses stream element i.
	Random(dst View, dist Dist, seed, offset uint64, a, b float64)

	// Unary applies op elementwise: dst = op(src; a, b). dst and src have the
	// same float dtype, except for IsNan, IsInf, IsFinite (bool dst). dst
	// may be src itself (the same view: an in-place update).
	Unary(op UnaryOp, dst, src View, a, b float64)
	// Binary applies op elementwise to two views of dst's shape and of one
	// dtype; dst has that dtype too, except comparisons and logical ops
	// whose dst is bool. dst may be x or y itself (the same view: an
	// in-place update).
	Binary(op BinaryOp, dst, x, y View)
	// Where sets dst = cond ? x : y elementwise; cond is bool.
	Where(dst, cond, x, y View)

	// Reduce reduces src over axes into dst, whose shape is src's with those
	// axes set to 1. Sum and Prod of integer or bool inputs write int64;
	// All/Any write bool.
	Reduce(op ReduceOp, dst, src View, axes []int)
	// ArgReduce writes into the int64 view dst the index along axis of the
	// first maximum (ArgMax) or minimum (ArgMin); NaN counts as the extreme.
	ArgReduce(op ArgOp, dst, src View, axis int)
	// Cumulative writes running sums or products along axis.
	Cumulative(op CumOp, dst, src View, axis int)

	// Matmul computes dst = x·y + beta·dst for batched matrices: x is
	// [B, M, K], y is [B, K, N] and dst is [B, M, N] (views may have any
	// strides, including zero batch strides). beta == 0 ignores the old
	// contents of dst.
	Matmul(dst, x, y View, beta float64)

	// IndexSelect sets dst to src indexed along axis by the int64 1-D view
	// idx (already checked to be in range and non-negative).
	IndexSelect(dst, src View, axis int, idx View)
	// IndexAdd adds src into dst along axis at the positions of idx:
	// dst[..., idx[i], ...] += src[..., i, ...]. Repeated indices accumulate.
	IndexAdd(dst View, axis int, idx, src View)
	// Gather sets dst[i][j][k] = src[i][idx[i][j][k]][k] (for axis 1), idx
	// being an int64 view of dst's shape.
	Gather(dst, src View, axis int, idx View)
	// Scatter writes src into dst at the positions of idx along axis
	// (dst[i][idx[i][j][k]][k] op= src[i][j][k] for axis 1), with op
	// assignment or addition.
	Scatter(dst View, axis int, idx, src View, add bool)
	// Nonzero returns the row-major flat positions of the non-zero elements
	// of v as a new int64 buffer, and their count.
	Nonzero(v View) (Buffer, int)
	// Sort sorts src along axis (stably) into values and the int64 view
	// indices of the original positions.
	Sort(values, indices, src View, axis int, descending bool)

	// Conv2d computes the 2-D cross-correlation of x [N, C, H, W] with w
	// [O, C/groups, KH, KW] into dst [N, O, OH, OW].
	Conv2d(dst, x, w View, p ConvParams)
	// Conv2dBackwardData computes the gradient with respect to the input of
	// Conv2d: dx [N, C, H, W] from dy [N, O, OH, OW] and w.
	Conv2dBackwardData(dx, dy, w View, p ConvParams)
	// Conv2dBackwardFilter computes the gradient with respect to the weight
	// of Conv2d: dw [O, C/groups, KH, KW] from x and dy.
	Conv2dBackwardFilter(dw, x, dy View, p ConvParams)
	// MaxPool2d writes the window maxima of x [N, C, H, W] into dst and the
	// flat position (h*W + w) of each maximum within its plane into the
	// int64 view indices. Padding counts as -Inf.
	MaxPool2d(dst, indices, x View, p PoolParams)

	// Softmax writes softmax (or log-softmax when log is set) of src along
	// axis into dst.
	Softmax(dst, src View, axis int, log bool)
	// SoftmaxBackward computes dx from the forward output y and the output
	// gradient dy: dx = y*(dy - sum(dy*y)) for softmax and
	// dx = dy - exp(y)*sum(dy) for log-softmax.
	SoftmaxBackward(dx, y, dy View, axis int, log bool)
	// LayerNorm normalises x over its last `normalized` axes, writing y and
	// the per-row mean and reciprocal standard deviation (float views of
	// shape [rows]); weight and bias (of the normalised shape) may have a
	// nil Buf for none.
	LayerNorm(y, mean, rstd, x, weight, bias View, eps float64)
	// OptimStep applies one fused optimizer update in place to the
	// parameter p, from its gradient g and the kind's state views (see
	// OptimKind). All views are contiguous, of one shape and float dtype.
	OptimStep(kind OptimKind, p, g View, state []View, h OptimHyper)

	// LayerNormBackward computes dx, dweight and dbias (any may have a nil
	// Buf when not wanted) from dy, x, the saved mean and rstd, and weight.
	LayerNormBackward(dx, dweight, dbias, dy, x, mean, rstd, weight View)
}

// ConvParams describes a 2-D convolution.
type ConvParams struct {
	StrideH, StrideW     int
	PadH, PadW           int
	DilationH, DilationW int
	Groups               int
}

// PoolParams describes a 2-D pooling window.
type PoolParams struct {
	KernelH, KernelW     int
	StrideH, StrideW     int
	PadH, PadW           int
	DilationH, DilationW int
}

// MemoryStats are the main counters of a device's caching allocator (those
// of torch.cuda.memory_stats): bytes in blocks handed out and in segments
// held from the driver, their peaks, allocations and those served from the
// cache, garbage collections run to reclaim dropped tensors before growing,
// and out-of-memory recoveries.
type MemoryStats struct {
	Allocated, Reserved         uint64
	PeakAllocated, PeakReserved uint64
	Allocs, CacheHits           int
	Collections, OOMHooks       int
}
