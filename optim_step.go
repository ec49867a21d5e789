package ember

import (
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/emberdl/ember/backend"
)

// maxOptimState is the most state tensors an optimizer kind uses (Adam
// with AMSGrad; centered RMSprop with momentum).
const maxOptimState = 3

// optimViews holds one spare view array for OptimStep to hand to the
// backend, so that a step allocates nothing in steady state. (A sync.Pool
// would too, but drops items at random under the race detector.) Callers
// on several goroutines at once may find it taken and allocate their own.
var optimViews atomic.Pointer[[maxOptimState + 2]backend.View]

// OptimStep applies one fused optimizer update in place to the parameter p
// from its gradient g and the optimizer state tensors (see
// backend.OptimKind for which state each kind uses). It is the allocation-
// free core of package optim; p, g and the state must be contiguous tensors
// of one shape, dtype and device. It records nothing and bumps the version
// of p and of every state tensor. On a backend without arithmetic for p's
// dtype (bfloat16 and float16 on the CPU) the update runs in float32 on
// converted copies, which are written back.
func OptimStep(kind backend.OptimKind, p, g *Tensor, state []*Tensor, h backend.OptimHyper) {
	if len(state) > maxOptimState {
		panic(&ValueError{Op: "OptimStep", Msg: fmt.Sprintf("%d state tensors, at most %d", len(state), maxOptimState)})
	}
	if !p.dtype.IsFloat() {
		panic(&DTypeError{Op: "OptimStep", Msg: "parameters must be floating point, not " + p.dtype.String()})
	}
	checkOptimOperand(p, p, 0)
	checkOptimOperand(p, g, 1)
	for i, s := range state {
		checkOptimOperand(p, s, i+2)
	}
	if p.Numel() == 0 {
		return
	}
	if !p.be().SupportsMath(p.dtype) {
		optimStepWide(kind, p, g, state, h)
		return
	}
	vs := optimViews.Swap(nil)
	if vs == nil {
		vs = new([maxOptimState + 2]backend.View)
	}
	vs[0], vs[1] = p.view(), g.view()
	for i, s := range state {
		vs[i+2] = s.view()
	}
	p.be().OptimStep(kind, vs[0], vs[1], vs[2:2+len(state)], h)
	*vs = [maxOptimState + 2]backend.View{} // keep no buffer alive
	optimViews.Store(vs)
	p.st.version++
	for _, s := range state {
		s.st.version++
	}
}

// checkOptimOperand panics unless t (operand i of OptimStep) matches the
// parameter p: shape, dtype, device, contiguity.
func checkOptimOperand(p, t *Tensor, i int) {
	if t.st.dev != p.st.dev {
		panic(&DeviceError{Op: "OptimStep", Msg: "expected all tensors on one device, found " + p.st.dev.String() + " and " + t.st.dev.String()})
	}
	if !slices.Equal(t.shape, p.shape) || t.dtype != p.dtype || !t.IsContiguous() {
		panic(&ValueError{Op: "OptimStep", Msg: fmt.Sprintf("tensor %d has shape %v, dtype %v, contiguous %v; want %v %v contiguous", i, t.shape, t.dtype, t.IsContiguous(), p.shape, p.dtype)})
	}
}

// optimStepWide runs the update on float32 copies of p, g and the state
// and writes the results back in p's dtype.
func optimStepWide(kind backend.OptimKind, p, g *Tensor, state []*Tensor, h backend.OptimHyper) {
	wp, wg := p.castNoGrad(Float32), g.castNoGrad(Float32)
	ws := make([]*Tensor, len(state))
	for i, s := range state {
		ws[i] = s.castNoGrad(Float32)
	}
	OptimStep(kind, wp, wg, ws, h)
	p.be().Copy(p.view(), wp.view())
	p.st.version++
	for i, s := range state {
		s.be().Copy(s.view(), ws[i].view())
		s.st.version++
	}
}

// multiOptimStepper is implemented by backends that update many parameters
// in one call (CUDA: a launch per 36 parameters instead of one each). It
// reports false, having done nothing, for parameters it does not take
// together.
type multiOptimStepper interface {
	OptimStepMulti(kind backend.OptimKind, ps, gs []backend.View, states [][]backend.View, hs []backend.OptimHyper) bool
}

// OptimSteps applies OptimStep to every parameter ps[i] with its gradient
// gs[i], state tensors states[i] and hyper-parameters hs[i]. The results
// are those of the calls one by one; where the backend can (CUDA),
// parameters of one device and dtype whose hyper-parameters differ only
// in Step and First are updated together, in a few kernel launches
// instead of one each, as PyTorch's multi-tensor (foreach) optimizers do.
// The slices must have one length.
func OptimSteps(kind backend.OptimKind, ps, gs []*Tensor, states [][]*Tensor, hs []backend.OptimHyper) {
	if len(gs) != len(ps) || len(states) != len(ps) || len(hs) != len(ps) {
		panic(&ValueError{Op: "OptimSteps", Msg: fmt.Sprintf("%d parameters, %d gradients, %d state lists and %d hyper-parameter sets", len(ps), len(gs), len(states), len(hs))})
	}
	if len(ps) > 1 && optimStepsTogether(kind, ps, gs, states, hs) {
		return
	}
	for i, p := range ps {
		OptimStep(kind, p, gs[i], states[i], hs[i])
	}
}

// optimStepsTogether runs OptimSteps as one backend call when the backend
// has one and every parameter shares the first one's backend and dtype
// (which it computes in), reporting whether it did.
func optimStepsTogether(kind backend.OptimKind, ps, gs []*Tensor, states [][]*Tensor, hs []backend.OptimHyper) bool {
	be := ps[0].be()
	ms, ok := be.(multiOptimStepper)
	if !ok || !ps[0].dtype.IsFloat() || !be.SupportsMath(ps[0].dtype) {
		return false
	}
	for i, p := range ps {
		if p.be() != be || p.dtype != ps[0].dtype {
			return false
		}
		if len(states[i]) > maxOptimState {
			panic(&ValueError{Op: "OptimSteps", Msg: fmt.Sprintf("parameter %d: %d state tensors, at most %d", i, len(states[i]), maxOptimState)})
		}
		checkOptimOperand(p, p, 0)
		checkOptimOperand(p, gs[i], 1)
		for j, s := range states[i] {
			checkOptimOperand(p, s, j+2)
		}
	}
	pv, gv, sv := make([]backend.View, len(ps)), make([]backend.View, len(ps)), make([][]backend.View, len(ps))
	for i, p := range ps {
		pv[i], gv[i] = p.view(), gs[i].view()
		sv[i] = make([]backend.View, len(states[i]))
		for j, s := range states[i] {
			sv[i][j] = s.view()
		}
	}
	if !ms.OptimStepMulti(kind, pv, gv, sv, hs) {
		return false
	}
	for i, p := range ps {
		p.st.version++
		for _, s := range states[i] {
			s.st.version++
		}
	}
	return true
}
