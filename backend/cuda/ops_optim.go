package cuda

import (
	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cuda/driver"
	"github.com/emberdl/ember/backend/cuda/kernels"
)

// OptimStep applies one fused optimizer update in place to p from its
// gradient g and the kind's state views (see backend.OptimKind). The fused
// kernels keep state in float32 (float64 for float64 parameters): state
// views of another dtype (bfloat16, float16) are converted around the
// update. Kinds and options without a kernel run through the host
// fallback (see README.md).
func (b *Backend) OptimStep(kind backend.OptimKind, p, g backend.View, state []backend.View, h backend.OptimHyper) {
	const op = "OptimStep"
	dt := p.DType()
	n := p.Numel()
	for _, v := range append([]backend.View{g}, state...) {
		if !v.IsContiguous() || v.Numel() != n || v.DType() != dt {
			misuse(op, "views must be contiguous, of %d elements and dtype %v", n, dt)
		}
	}
	if !dt.IsFloat() || !p.IsContiguous() {
		misuse(op, "parameter of %v", dt)
	}
	gs := 1.0
	if h.Maximize {
		gs = -1
	}
	switch {
	case kind == backend.OptSGD && (h.Momentum == 0 || len(state) == 1):
		b.bind(op)
		defer b.g.unbind()
		if n == 0 {
			return
		}
		pp, gp := b.devBuf(op, p).ptr()+elemOffset(p), b.devBuf(op, g).ptr()+elemOffset(g)
		var buf driver.DevicePtr
		fin := func() {}
		if h.Momentum != 0 {
			buf, fin = b.inoutAcc(op, state[0], accDType(dt))
		}
		s := kernels.SGD{LR: h.LR, Momentum: h.Momentum, Dampening: h.Dampening, WeightDecay: h.WeightDecay,
			Nesterov: h.Nesterov, FirstStep: h.First, GradScale: gs}
		b.launch(op, sgdKernelOf(kdt(dt)), kernels.ElementwiseLaunch(int64(n), b.maxBlocks), func(a *driver.Args) error {
			return kernels.PackSGD(a, pp, gp, buf, int64(n), s)
		})
		fin()
	case kind == backend.OptAdam && !h.AMSGrad && (h.Decoupled || h.WeightDecay == 0) && len(state) == 2:
		b.bind(op)
		defer b.g.unbind()
		if n == 0 {
			return
		}
		pp, gp := b.devBuf(op, p).ptr()+elemOffset(p), b.devBuf(op, g).ptr()+elemOffset(g)
		mp, finM := b.inoutAcc(op, state[0], accDType(dt))
		vp, finV := b.inoutAcc(op, state[1], accDType(dt))
		s := kernels.AdamW{LR: h.LR, Beta1: h.Beta1, Beta2: h.Beta2, Eps: h.Eps, WeightDecay: h.WeightDecay, Step: h.Step, GradScale: gs}
		b.launch(op, adamWKernelOf(kdt(dt)), kernels.ElementwiseLaunch(int64(n), b.maxBlocks), func(a *driver.Args) error {
			return kernels.PackAdamW(a, pp, gp, mp, vp, int64(n), s)
		})
		finM()
		finV()
	default:
		args := []hostArg{inout(p), in(g)}
		for _, s := range state {
			args = append(args, inout(s))
		}
		b.fallback(op, args, func(hv []backend.View) { b.host.OptimStep(kind, hv[0], hv[1], hv[2:], h) })
		return
	}
	keep(p, g)
	for _, s := range state {
		keep(s)
	}
}

// inoutAcc returns the address of a dense view read and written by a
// kernel as dtype dt: the view itself when it is dense of that dtype, else
// a converted temporary that the returned function copies back. Bound.
func (b *Backend) inoutAcc(op string, v backend.View, dt backend.DType) (driver.DevicePtr, func()) {
	buf := b.devBuf(op, v)
	if buf.dt == dt && v.IsContiguous() {
		return buf.ptr() + elemOffset(v), func() {}
	}
	tmp := b.temp(op, dt, v.Numel())
	tv := backend.Dense(tmp, v.Shape...)
	b.copyView(op, tv, v)
	return tmp.ptr(), func() {
		b.copyView(op, v, tv)
		tmp.mem.release()
	}
}
