package ember

import (
	"fmt"
	"slices"

	"github.com/emberdl/ember/backend"
)

// Linear returns x·wᵀ + b (torch.nn.functional.linear): x is [..., in], w
// [out, in], b [out] or nil.
//
// It is one fused op, as PyTorch's addmm: the bias is written into the
// result first and the matrix product accumulated onto it, so no separate
// pass adds it, and the gradients come straight from the three products
// (the weight's gradient gᵀ·x is contiguous). Its grad_fn is
// AddmmBackward0 (MmBackward0 without a bias).
func Linear(x, w, b *Tensor) *Tensor {
	x, w, b = autocast3("linear", x, w, b)
	if w.Dim() != 2 {
		panic(shapeErr("linear", fmt.Sprintf("weight must be 2-D [out, in], got %v", w.shape), w.shape))
	}
	if x.Dim() == 0 || x.shape[x.Dim()-1] != w.shape[1] {
		panic(shapeErr("linear", fmt.Sprintf("mat1 and mat2 shapes cannot be multiplied (%v and %v)", x.shape, []int{w.shape[1], w.shape[0]}), x.shape, w.shape))
	}
	if b != nil && (b.Dim() != 1 || b.shape[0] != w.shape[0]) {
		// Other bias shapes broadcast as in PyTorch: add them apart.
		return Linear(x, w, nil).Add(b)
	}
	sameDevice("linear", x, w)
	if b != nil {
		sameDevice("linear", x, b)
	}
	dt := promoteTypes(x.dtype, w.dtype)
	if b != nil {
		dt = promoteTypes(dt, b.dtype)
	}
	if !dt.IsFloat() {
		panic(&DTypeError{Op: "linear", Msg: "integer and bool matrix products are not supported; convert to a float dtype"})
	}
	k, n := w.shape[1], w.shape[0]
	lead := slices.Clone(x.shape[:x.Dim()-1])
	m := backend.Numel(lead)
	x2 := x
	if x.Dim() != 2 {
		x2 = x.Reshape(m, k)
	}
	out := addmm(x2, w, b, dt)
	if x.Dim() != 2 {
		out = out.Reshape(append(lead, n)...)
	}
	return out
}

// matmulBiaser is implemented by backends whose matrix product can add a
// bias to each row as it stores its result (the CPU backend's MatmulBias):
// a linear layer then costs no separate pass that copies the bias into its
// output. It reports false for operands it does not take.
type matmulBiaser interface {
	MatmulBias(dst, x, w, bias backend.View) bool
}

// addmm computes x·wᵀ + b for x [m, k], w [n, k] and b [n] or nil in dtype
// dt, recorded as one node.
func addmm(x, w, b *Tensor, dt DType) *Tensor {
	m, k, n := x.shape[0], x.shape[1], w.shape[0]
	comp := dt
	if !x.be().SupportsMath(comp) {
		comp = Float32
	}
	xc, wc := x.castNoGrad(comp), w.castNoGrad(comp)
	out := x.alloc(comp, []int{m, n})
	xv := backend.View{Buf: xc.buf(), Shape: []int{1, m, k}, Strides: []int{0, xc.strides[0], xc.strides[1]}, Offset: xc.offset}
	wv := backend.View{Buf: wc.buf(), Shape: []int{1, k, n}, Strides: []int{0, wc.strides[1], wc.strides[0]}, Offset: wc.offset}
	ov := backend.View{Buf: out.buf(), Shape: []int{1, m, n}, Strides: []int{0, n, 1}}
	var bc *Tensor
	if b != nil {
		bc = b.castNoGrad(comp)
	}
	mb, fused := x.be().(matmulBiaser)
	fused = fused && bc != nil && mb.MatmulBias(ov, xv, wv, bc.view())
	beta := 0.0
	if bc != nil && !fused {
		// Every row of the result starts as the bias.
		x.be().Copy(out.view(), backend.View{Buf: bc.buf(), Shape: []int{m, n}, Strides: []int{0, bc.strides[0]}, Offset: bc.offset})
		beta = 1
	}
	switch {
	case fused || out.Numel() == 0:
	case k > 0:
		x.be().Matmul(ov, xv, wv, beta)
	case bc == nil:
		x.be().Fill(out.view(), 0)
	}
	out = out.castNoGrad(dt)
	if r := track(x, w, b); r != nil {
		name := "AddmmBackward0"
		if b == nil {
			name = "MmBackward0"
		}
		r.record(out, name, func(g *Tensor) []*Tensor {
			var gx, gw, gb *Tensor
			if r.needs(0) {
				gx = g.Matmul(w) // [m, n]·[n, k]
			}
			if r.needs(1) {
				gw = g.T().Matmul(x) // [n, m]·[m, k]: contiguous, w's layout
			}
			if r.needs(2) {
				gb = g.Sum(0)
			}
			return []*Tensor{gx, gw, gb}
		}, x, w)
	}
	return out
}
