package ember

import "github.com/emberdl/ember/backend"

// maxPoolBackwarder is implemented by backends with a kernel for the
// gradient of MaxPool2d (the CPU backend's MaxPool2dBackward). It is not
// part of backend.Backend: other backends use the zero fill and
// scatter-add of maxPoolGrad.
type maxPoolBackwarder interface {
	MaxPool2dBackward(dx, dy, indices backend.View)
}

// maxPoolGradKernel computes maxPoolGrad(g, idx, in) with the backend's
// kernel, in one pass that writes every input position once instead of a
// zero fill and a scatter-add. It returns nil where it does not apply:
// the backend has no such kernel, it has no arithmetic for g's dtype, or
// the result must itself be differentiable (higher-order gradients), which
// the scatter-add path records.
func maxPoolGradKernel(g, idx *Tensor, in []int) *Tensor {
	k, ok := g.be().(maxPoolBackwarder)
	if !ok || !g.dtype.IsFloat() || !g.be().SupportsMath(g.dtype) || track(g) != nil {
		return nil
	}
	dx := g.alloc(g.dtype, in)
	k.MaxPool2dBackward(dx.view(), g.view(), idx.view())
	return dx
}
