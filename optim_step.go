package ember

import (
	"fmt"
	"slices"

	"github.com/emberdl/ember/backend"
)

// OptimStep applies one fused optimizer update in place to the parameter p
// from its gradient g and the optimizer state tensors (see
// backend.OptimKind for which state each kind uses). It is the allocation-
// free core of package optim; p, g and the state must be contiguous tensors
// of one shape, dtype and device. It records nothing and bumps the version
// of p and of every state tensor.
func OptimStep(kind backend.OptimKind, p, g *Tensor, state []*Tensor, h backend.OptimHyper) {
	all := append([]*Tensor{p, g}, state...)
	sameDevice("OptimStep", all...)
	views := make([]backend.View, len(all))
	for i, t := range all {
		if !slices.Equal(t.shape, p.shape) || t.dtype != p.dtype || !t.IsContiguous() {
			panic(&ValueError{Op: "OptimStep", Msg: fmt.Sprintf("tensor %d has shape %v, dtype %v, contiguous %v; want %v %v contiguous", i, t.shape, t.dtype, t.IsContiguous(), p.shape, p.dtype)})
		}
		views[i] = t.view()
	}
	if !p.dtype.IsFloat() {
		panic(&DTypeError{Op: "OptimStep", Msg: "parameters must be floating point, not " + p.dtype.String()})
	}
	if p.Numel() == 0 {
		return
	}
	p.be().OptimStep(kind, views[0], views[1], views[2:], h)
	p.st.version++
	for _, s := range state {
		s.st.version++
	}
}
