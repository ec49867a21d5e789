package blas

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/emberdl/ember/backend/cuda/driver"
)

// Handle is a cuBLAS handle for one device.
type Handle struct{ h uintptr }

// NewHandle loads cuBLAS if needed and creates a handle for the device whose
// context is bound.
func NewHandle() (*Handle, error) {
	if err := Load(); err != nil {
		return nil, err
	}
	var h uintptr
	if err := call(symCreate, uintptr(unsafe.Pointer(&h))); err != nil {
		return nil, err
	}
	return &Handle{h: h}, nil
}

// Destroy releases the handle.
func (h *Handle) Destroy() error { return call(symDestroy, h.h) }

// SetStream makes later calls run on s.
func (h *Handle) SetStream(s driver.Stream) error { return call(symSetStream, h.h, uintptr(s)) }

// SetMathMode chooses the precision rules, such as TF32Math.
func (h *Handle) SetMathMode(m MathMode) error { return call(symSetMathMode, h.h, uintptr(m)) }

// SetWorkspace gives cuBLAS a caller-owned workspace (needed for CUDA graph
// capture). It fails on cuBLAS releases without cublasSetWorkspace_v2.
func (h *Handle) SetWorkspace(p driver.DevicePtr, size uint64) error {
	return call(symSetWorkspace, h.h, uintptr(p), uintptr(size))
}

// Gemm runs g on row-major device matrices with cublasGemmEx, or
// cublasGemmStridedBatchedEx when g.Batch > 1. alpha and beta are converted
// to the compute type's scalar type. It does not allocate.
func (h *Handle) Gemm(g Gemm, alpha, beta float64, a, b, c driver.DevicePtr) error {
	cm, err := g.plan()
	if err != nil {
		return err
	}
	blk := callBlocks.Get().(*callBlock)
	defer callBlocks.Put(blk)
	pa, pb := blk.setScalars(g.Compute.scaleType(), alpha, beta)
	if cm.batch == 1 {
		blk.args = [23]uintptr{h.h, uintptr(cm.transa), uintptr(cm.transb),
			uintptr(cm.m), uintptr(cm.n), uintptr(cm.k), pa,
			uintptr(b), uintptr(cm.aType), uintptr(cm.lda),
			uintptr(a), uintptr(cm.bType), uintptr(cm.ldb), pb,
			uintptr(c), uintptr(g.CType), uintptr(cm.ldc),
			uintptr(g.Compute), uintptr(gemmDefaultArg)}
		return blk.invoke(symGemmEx, 19)
	}
	blk.args = [23]uintptr{h.h, uintptr(cm.transa), uintptr(cm.transb),
		uintptr(cm.m), uintptr(cm.n), uintptr(cm.k), pa,
		uintptr(b), uintptr(cm.aType), uintptr(cm.lda), uintptr(cm.strideA),
		uintptr(a), uintptr(cm.bType), uintptr(cm.ldb), uintptr(cm.strideB), pb,
		uintptr(c), uintptr(g.CType), uintptr(cm.ldc), uintptr(g.StrideC),
		uintptr(cm.batch), uintptr(g.Compute), uintptr(gemmDefaultArg)}
	return blk.invoke(symGemmStridedBatchedEx, 23)
}

// gemmDefaultArg is CUBLAS_GEMM_DEFAULT (-1) as the 32-bit value C reads.
const gemmDefaultArg = uint32(0xffffffff)

// Sgemm runs a single float32 g with cublasSgemm_v2: exact IEEE float32
// arithmetic unless the handle's math mode allows TF32.
func (h *Handle) Sgemm(g Gemm, alpha, beta float32, a, b, c driver.DevicePtr) error {
	if g.Batch > 1 {
		return errors.New("blas: Sgemm runs one product; use Gemm for batches")
	}
	if g.AType != Float32 || g.BType != Float32 || g.CType != Float32 {
		return fmt.Errorf("blas: Sgemm needs float32 matrices, got %v·%v→%v", g.AType, g.BType, g.CType)
	}
	cm, err := g.plan()
	if err != nil {
		return err
	}
	blk := callBlocks.Get().(*callBlock)
	defer callBlocks.Put(blk)
	pa, pb := blk.setScalars(Float32, float64(alpha), float64(beta))
	blk.args = [23]uintptr{h.h, uintptr(cm.transa), uintptr(cm.transb),
		uintptr(cm.m), uintptr(cm.n), uintptr(cm.k), pa,
		uintptr(b), uintptr(cm.lda), uintptr(a), uintptr(cm.ldb), pb,
		uintptr(c), uintptr(cm.ldc)}
	return blk.invoke(symSgemm, 14)
}
