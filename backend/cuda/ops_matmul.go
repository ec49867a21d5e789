package cuda

import (
	"errors"
	"os"
	"sync/atomic"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cuda/blas"
	"github.com/emberdl/ember/backend/cuda/driver"
)

var allowTF32 atomic.Bool

// fusedBias is whether MatmulBias runs (cuBLASLt's bias epilogue). It is
// off unless $EMBER_CUDA_FUSED_BIAS is 1 until it has passed the
// conformance suite on a GPU (the emulator checks the backend's side only).
var fusedBias atomic.Bool

// FusedBiasEnv, set to 1, turns MatmulBias on (see fusedBias).
const FusedBiasEnv = "EMBER_CUDA_FUSED_BIAS"

func init() { fusedBias.Store(os.Getenv(FusedBiasEnv) == "1") }

// errNoFusedBias is a device's answer to a GEMM with a bias it cannot
// fuse (see gpu.gemm); nothing was queued.
var errNoFusedBias = errors.New("cuda: no fused bias for this product")

// SetAllowTF32 lets float32 matmuls (and the convolutions built on them)
// use TF32 tensor cores, which round the inputs to 10 mantissa bits: several
// times faster on Ampere and newer GPUs, about 1e-3 relative error. It is
// torch.backends.cuda.matmul.allow_tf32; the default is off, so float32
// results match the CPU's to float32 rounding. It applies to every device
// and to matmuls queued after the call.
func SetAllowTF32(on bool) { allowTF32.Store(on) }

// AllowTF32 reports the setting of SetAllowTF32.
func AllowTF32() bool { return allowTF32.Load() }

// blasType maps a float dtype to cuBLAS's.
func blasType(d backend.DType) (blas.DataType, bool) {
	switch d {
	case backend.Float32:
		return blas.Float32, true
	case backend.Float64:
		return blas.Float64, true
	case backend.BFloat16:
		return blas.BFloat16, true
	case backend.Float16:
		return blas.Float16, true
	}
	return 0, false
}

// computeType is the accumulation of a GEMM on dtype d: float64 for
// float64, else float32 (TF32 for float32 when allowed).
func computeType(d backend.DType) blas.ComputeType {
	switch d {
	case backend.Float64:
		return blas.Compute64F
	case backend.Float32:
		if AllowTF32() {
			return blas.Compute32FFastTF32
		}
	}
	return blas.Compute32F
}

// matLayout tells how cuBLAS can read a rows × cols matrix with row
// stride rs and column stride cs: row-major with leading dimension ld, or
// (trans) as the row-major cols × rows transpose. The stride of a size-1
// dim is irrelevant and may be anything. ok is false when neither stride
// is 1 (the matrix must be copied).
func matLayout(rows, cols, rs, cs int) (trans bool, ld int, ok bool) {
	nrs, ncs := rs, cs
	if cols <= 1 {
		ncs = 1
	}
	if rows <= 1 {
		nrs = max(cols, 1)
	}
	if ncs == 1 && nrs >= max(cols, 1) {
		return false, nrs, true
	}
	trs, tcs := rs, cs
	if rows <= 1 {
		trs = 1
	}
	if cols <= 1 {
		tcs = max(rows, 1)
	}
	if trs == 1 && tcs >= max(rows, 1) {
		return true, tcs, true
	}
	return false, 0, false
}

// gemmSide is one operand of a batched GEMM: address, layout, batch stride.
type gemmSide struct {
	ptr    driver.DevicePtr
	trans  bool
	ld     int
	stride int64
}

// matSide returns how cuBLAS reads the [batch, rows, cols] view v, copying
// it into a dense temporary when its strides do not fit (the returned
// function releases it).
func (b *Backend) matSide(op string, v backend.View) (gemmSide, func()) {
	bt, rows, cols := v.Shape[0], v.Shape[1], v.Shape[2]
	bs := v.Strides[0]
	if bt <= 1 {
		bs = 0
	}
	if trans, ld, ok := matLayout(rows, cols, v.Strides[1], v.Strides[2]); ok && bs >= 0 {
		return gemmSide{ptr: b.devBuf(op, v).ptr() + elemOffset(v), trans: trans, ld: ld, stride: int64(bs)}, func() {}
	}
	ptr, release := b.denseIn(op, v, v.DType())
	return gemmSide{ptr: ptr, ld: max(cols, 1), stride: int64(rows * cols)}, release
}

// Matmul computes dst = x·y + beta·dst for batches of matrices with
// cuBLAS (GemmEx / GemmStridedBatchedEx): float32 in float32 (TF32 when
// SetAllowTF32), float64 in float64, bfloat16 and float16 on tensor cores
// with float32 accumulation. Any operand whose inner strides are not unit
// is copied to a dense temporary first; zero batch strides (broadcast)
// pass through.
func (b *Backend) Matmul(dst, x, y backend.View, beta float64) {
	const op = "Matmul"
	if len(dst.Shape) != 3 || len(x.Shape) != 3 || len(y.Shape) != 3 {
		misuse(op, "want 3-D views, got %v %v %v", dst.Shape, x.Shape, y.Shape)
	}
	bt, m, k, n := dst.Shape[0], x.Shape[1], x.Shape[2], y.Shape[2]
	if x.Shape[0] != bt || y.Shape[0] != bt || y.Shape[1] != k || dst.Shape[1] != m || dst.Shape[2] != n {
		misuse(op, "shapes %v · %v -> %v", x.Shape, y.Shape, dst.Shape)
	}
	dt := dst.DType()
	bdt, ok := blasType(dt)
	if !ok || x.DType() != dt || y.DType() != dt {
		misuse(op, "%v · %v -> %v", x.DType(), y.DType(), dt)
	}
	b.bind(op)
	defer b.g.unbind()
	if bt == 0 || m == 0 || n == 0 {
		return
	}
	if k == 0 {
		// An empty sum: dst = beta·dst.
		if beta == 0 {
			b.fill(op, dst, 0)
		} else {
			b.scale(op, dst, beta)
		}
		return
	}
	xs, relX := b.matSide(op, x)
	ys, relY := b.matSide(op, y)
	g := blas.Gemm{M: m, N: n, K: k, Batch: bt, AType: bdt, BType: bdt, CType: bdt, Compute: computeType(dt)}
	// C must be row-major for cuBLAS; a column-major dst takes the
	// transposed product dstᵀ = yᵀ·xᵀ instead; anything else goes through
	// a dense temporary.
	cs := dst.Strides[0]
	if bt <= 1 {
		cs = 0
	}
	trans, ldc, okC := matLayout(m, n, dst.Strides[1], dst.Strides[2])
	okC = okC && cs >= 0 && (bt <= 1 || cs != 0)
	var cptr driver.DevicePtr
	finish := func() {}
	if okC {
		cptr = b.devBuf(op, dst).ptr() + elemOffset(dst)
	} else {
		tmp := b.temp(op, dt, bt*m*n)
		td := backend.Dense(tmp, bt, m, n)
		if beta != 0 {
			b.copyView(op, td, dst)
		}
		cptr, trans, ldc, cs = tmp.ptr(), false, n, m*n
		finish = func() {
			b.copyView(op, dst, td)
			tmp.mem.release()
		}
	}
	g.LDC, g.StrideC = ldc, int64(cs)
	a, bb := xs, ys
	if trans {
		g.M, g.N = n, m
		a, bb = ys, xs
		a.trans, bb.trans = !a.trans, !bb.trans
	}
	g.TransA, g.LDA, g.StrideA = a.trans, a.ld, a.stride
	g.TransB, g.LDB, g.StrideB = bb.trans, bb.ld, bb.stride
	if bt == 1 {
		g.Batch = 1
	}
	b.check(op, b.gemmRun(g, 1, beta, a.ptr, bb.ptr, cptr))
	finish()
	relX()
	relY()
	keep(dst, x, y)
}

// MatmulBias computes dst = x·y + bias for one matrix product (views of
// batch 1) with bias[j] added to column j of every row, as a linear layer's
// output, in one cuBLASLt call with the bias epilogue: no pass copying the
// bias into dst first. bias is a 1-D view of dst's columns with unit
// stride, of dst's dtype; dst must be row-major and x and y readable in
// place. It reports false, doing nothing, for other operands, when cuBLASLt
// has no plan for the product, and while $EMBER_CUDA_FUSED_BIAS is not 1.
func (b *Backend) MatmulBias(dst, x, y, bias backend.View) bool {
	const op = "MatmulBias"
	if !fusedBias.Load() || len(dst.Shape) != 3 || len(x.Shape) != 3 || len(y.Shape) != 3 || len(bias.Shape) != 1 ||
		dst.Shape[0] != 1 || x.Shape[0] != 1 || y.Shape[0] != 1 {
		return false
	}
	m, k, n := x.Shape[1], x.Shape[2], y.Shape[2]
	if y.Shape[1] != k || dst.Shape[1] != m || dst.Shape[2] != n || bias.Shape[0] != n || (n > 1 && bias.Strides[0] != 1) {
		return false
	}
	dt := dst.DType()
	bdt, ok := blasType(dt)
	if !ok || x.DType() != dt || y.DType() != dt || bias.DType() != dt || m == 0 || n == 0 || k == 0 {
		return false
	}
	xt, ldx, okX := matLayout(m, k, x.Strides[1], x.Strides[2])
	yt, ldy, okY := matLayout(k, n, y.Strides[1], y.Strides[2])
	ct, ldc, okC := matLayout(m, n, dst.Strides[1], dst.Strides[2])
	if !okX || !okY || !okC || ct {
		return false
	}
	b.bind(op)
	defer b.g.unbind()
	g := blas.Gemm{M: m, N: n, K: k, Batch: 1, AType: bdt, BType: bdt, CType: bdt, Compute: computeType(dt),
		TransA: xt, LDA: ldx, TransB: yt, LDB: ldy, LDC: ldc}
	err := b.gemmBiasRun(g, 1, 0, b.devBuf(op, x).ptr()+elemOffset(x), b.devBuf(op, y).ptr()+elemOffset(y),
		b.devBuf(op, dst).ptr()+elemOffset(dst), b.devBuf(op, bias).ptr()+elemOffset(bias))
	if errors.Is(err, errNoFusedBias) {
		return false
	}
	b.check(op, err)
	keep(dst, x, y, bias)
	return true
}
