package blas

import (
	"fmt"
	"runtime"
	"unsafe"

	"github.com/emberdl/ember/backend/cuda/driver"
)

// LtHandle is a cuBLASLt handle.
type LtHandle struct{ h uintptr }

// NewLtHandle loads the libraries if needed and creates a cuBLASLt handle.
func NewLtHandle() (*LtHandle, error) {
	if err := Load(); err != nil {
		return nil, err
	}
	var h uintptr
	if err := call(symLtCreate, uintptr(unsafe.Pointer(&h))); err != nil {
		return nil, err
	}
	return &LtHandle{h: h}, nil
}

// Destroy releases the handle.
func (l *LtHandle) Destroy() error { return call(symLtDestroy, l.h) }

// Epilogue is a cublasLtEpilogue_t: work fused after the product.
type Epilogue uint32

// Epilogues. Bias adds a vector of length N (one value per output column of
// the row-major C) before the activation.
const (
	EpilogueNone     Epilogue = 1
	EpilogueReLU     Epilogue = 2
	EpilogueBias     Epilogue = 4
	EpilogueReLUBias Epilogue = 6
	EpilogueGELU     Epilogue = 32
	EpilogueGELUBias Epilogue = 36
)

// hasBias reports whether e reads the bias pointer.
func (e Epilogue) hasBias() bool { return e&EpilogueBias != 0 }

// Matmul is a row-major GEMM with an optional fused epilogue, for cuBLASLt:
// D = epilogue(alpha·op(A)·op(B) + beta·C (+ bias)). D has C's type and
// layout.
type Matmul struct {
	Gemm
	Epilogue Epilogue // 0 means EpilogueNone
	// AlignA, AlignB and AlignC are the byte alignments the plan may
	// assume of A's, B's and C's (and D's) addresses: the heuristic then
	// picks only algorithms that work with them. 0 means 256, cuBLASLt's
	// default; Alignment gives an address's.
	AlignA, AlignB, AlignC uint32
}

// Alignment is the alignment of address p that Matmul's Align fields
// take: the largest power of two dividing it, at most 256.
func Alignment(p driver.DevicePtr) uint32 {
	a := uint32(256)
	for a > 1 && uint64(p)%uint64(a) != 0 {
		a /= 2
	}
	return a
}

// cuBLASLt attribute numbers.
const (
	descTransA      = 3
	descTransB      = 4
	descEpilogue    = 7
	descBiasPointer = 8

	layoutBatchCount  = 5
	layoutBatchStride = 6

	prefMaxWorkspace = 1
	prefMinAlignA    = 5 // then B, C and D: 6, 7, 8
)

// layout is a cuBLASLt matrix layout: a column-major rows×cols matrix.
type layout struct {
	t          DataType
	rows, cols int
	ld         int
	stride     int64
}

// layouts returns the column-major layouts of the first operand, the second
// operand and C (also used for D). A stored operand is rows×cols where op
// makes it the m×k or k×n the product needs.
func (cm colMajor) layouts(cType DataType, strideC int64) [3]layout {
	ar, ac := stored(cm.m, cm.k, cm.transa == OpT)
	br, bc := stored(cm.k, cm.n, cm.transb == OpT)
	return [3]layout{
		{cm.aType, ar, ac, cm.lda, cm.strideA},
		{cm.bType, br, bc, cm.ldb, cm.strideB},
		{cType, cm.m, cm.n, cm.ldc, strideC},
	}
}

// heuristicResult mirrors cublasLtMatmulHeuristicResult_t (96 bytes).
type heuristicResult struct {
	algo          [8]uint64
	workspaceSize uint64
	state         int32
	waves         float32
	reserved      [4]int32
}

// Plan is a Matmul prepared once (descriptors plus the algorithm the
// heuristic chose) and run many times; cache plans per shape.
type Plan struct {
	desc, la, lb, lc uintptr
	algo             heuristicResult
	scale            DataType
	epilogue         Epilogue
}

// Workspace returns the workspace bytes the chosen algorithm needs.
func (p *Plan) Workspace() uint64 { return p.algo.workspaceSize }

// Plan prepares m with at most maxWorkspace bytes of workspace.
func (l *LtHandle) Plan(m Matmul, maxWorkspace uint64) (*Plan, error) {
	cm, err := m.plan()
	if err != nil {
		return nil, err
	}
	ep := m.Epilogue
	if ep == 0 {
		ep = EpilogueNone
	}
	p := &Plan{scale: m.Compute.scaleType(), epilogue: ep}
	ok := false
	defer func() {
		if !ok {
			p.Destroy()
		}
	}()
	if err := call(symLtMatmulDescCreate, uintptr(unsafe.Pointer(&p.desc)), uintptr(m.Compute), uintptr(p.scale)); err != nil {
		return nil, err
	}
	for _, a := range []struct {
		attr uintptr
		v    uint32
	}{{descTransA, uint32(cm.transa)}, {descTransB, uint32(cm.transb)}, {descEpilogue, uint32(ep)}} {
		v := a.v
		if err := call(symLtMatmulDescSetAttribute, p.desc, a.attr, uintptr(unsafe.Pointer(&v)), 4); err != nil {
			return nil, fmt.Errorf("setting matmul attribute %d: %w", a.attr, err)
		}
	}
	dsts := [3]*uintptr{&p.la, &p.lb, &p.lc}
	for i, ly := range cm.layouts(m.CType, m.StrideC) {
		dst := dsts[i]
		if err := call(symLtMatrixLayoutCreate, uintptr(unsafe.Pointer(dst)), uintptr(ly.t), uintptr(ly.rows), uintptr(ly.cols), uintptr(ly.ld)); err != nil {
			return nil, err
		}
		if cm.batch > 1 {
			bc, bs := int32(cm.batch), ly.stride
			if err := call(symLtMatrixLayoutSetAttribute, *dst, layoutBatchCount, uintptr(unsafe.Pointer(&bc)), 4); err != nil {
				return nil, err
			}
			if err := call(symLtMatrixLayoutSetAttribute, *dst, layoutBatchStride, uintptr(unsafe.Pointer(&bs)), 8); err != nil {
				return nil, err
			}
		}
	}
	var pref uintptr
	if err := call(symLtMatmulPreferenceCreate, uintptr(unsafe.Pointer(&pref))); err != nil {
		return nil, err
	}
	defer call(symLtMatmulPreferenceDestroy, pref)
	ws := maxWorkspace
	if err := call(symLtMatmulPreferenceSetAttribute, pref, prefMaxWorkspace, uintptr(unsafe.Pointer(&ws)), 8); err != nil {
		return nil, err
	}
	// cuBLASLt's first operand is the row-major B (see colMajor).
	for i, al := range [4]uint32{m.AlignB, m.AlignA, m.AlignC, m.AlignC} {
		if al == 0 {
			continue
		}
		v := al
		if err := call(symLtMatmulPreferenceSetAttribute, pref, uintptr(prefMinAlignA+i), uintptr(unsafe.Pointer(&v)), 4); err != nil {
			return nil, fmt.Errorf("setting the minimum alignment %d: %w", i, err)
		}
	}
	var n int32
	if err := call(symLtMatmulAlgoGetHeuristic, l.h, p.desc, p.la, p.lb, p.lc, p.lc, pref, 1,
		uintptr(unsafe.Pointer(&p.algo)), uintptr(unsafe.Pointer(&n))); err != nil {
		return nil, err
	}
	if n < 1 || p.algo.state != 0 {
		return nil, fmt.Errorf("blas: cuBLASLt has no algorithm for %v·%v→%v M=%d N=%d K=%d epilogue %d within %d bytes of workspace",
			m.AType, m.BType, m.CType, m.M, m.N, m.K, ep, maxWorkspace)
	}
	ok = true
	return p, nil
}

// Run computes the planned product on s. bias is read only by the Bias
// epilogues; workspace must hold at least p.Workspace() bytes. It does not
// allocate.
func (p *Plan) Run(l *LtHandle, alpha, beta float64, a, b, c, d, bias, workspace driver.DevicePtr, wsSize uint64, s driver.Stream) error {
	if wsSize < p.algo.workspaceSize {
		return fmt.Errorf("blas: workspace of %d bytes, the plan needs %d", wsSize, p.algo.workspaceSize)
	}
	blk := callBlocks.Get().(*callBlock)
	defer callBlocks.Put(blk)
	if p.epilogue.hasBias() {
		blk.attr = uint64(bias)
		blk.args = [23]uintptr{p.desc, descBiasPointer, uintptr(unsafe.Pointer(&blk.attr)), 8}
		if err := blk.invoke(symLtMatmulDescSetAttribute, 4); err != nil {
			return err
		}
	}
	pa, pb := blk.setScalars(p.scale, alpha, beta)
	blk.args = [23]uintptr{l.h, p.desc, pa,
		uintptr(b), p.la, uintptr(a), p.lb, pb,
		uintptr(c), p.lc, uintptr(d), p.lc,
		uintptr(unsafe.Pointer(&p.algo.algo)), uintptr(workspace), uintptr(wsSize), uintptr(s)}
	err := blk.invoke(symLtMatmul, 16)
	runtime.KeepAlive(p) // p.algo is read through a uintptr
	return err
}

// Destroy frees the plan's descriptors.
func (p *Plan) Destroy() error {
	var first error
	for _, x := range []struct {
		s sym
		h *uintptr
	}{{symLtMatrixLayoutDestroy, &p.la}, {symLtMatrixLayoutDestroy, &p.lb}, {symLtMatrixLayoutDestroy, &p.lc}, {symLtMatmulDescDestroy, &p.desc}} {
		if *x.h != 0 {
			if err := call(x.s, *x.h); err != nil && first == nil {
				first = err
			}
			*x.h = 0
		}
	}
	return first
}
