package cuda

import (
	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cuda/driver"
	"github.com/emberdl/ember/backend/cuda/kernels"
)

// OptimStep applies one fused optimizer update in place to p from its
// gradient g and the kind's state views (see backend.OptimKind), all
// contiguous and of p's dtype: one launch of the kernel that computes every
// kind with the CPU backend's formulas and order of operations, in p's
// dtype (float32 registers for bfloat16 and float16).
func (b *Backend) OptimStep(kind backend.OptimKind, p, g backend.View, state []backend.View, h backend.OptimHyper) {
	const op = "OptimStep"
	dt := p.DType()
	n := p.Numel()
	for _, v := range append([]backend.View{p, g}, state...) {
		if !v.IsContiguous() || v.Numel() != n || v.DType() != dt {
			misuse(op, "views must be contiguous, of %d elements and dtype %v", n, dt)
		}
	}
	if !dt.IsFloat() || len(state) > 3 {
		misuse(op, "%d state views of %v", len(state), dt)
	}
	b.bind(op)
	defer b.g.unbind()
	if n == 0 {
		return
	}
	ptr := func(v backend.View) driver.DevicePtr { return b.devBuf(op, v).ptr() + elemOffset(v) }
	var st [3]driver.DevicePtr
	for i, v := range state {
		st[i] = ptr(v)
	}
	pp, gp := ptr(p), ptr(g)
	b.launch(op, optimKernelOf(kdt(dt)), kernels.ElementwiseLaunch(int64(n), b.maxBlocks), func(a *driver.Args) error {
		return kernels.PackOptimStep(a, kind, pp, gp, st[:len(state)], int64(n), &h)
	})
	keep(p, g)
	for _, v := range state {
		keep(v)
	}
}

// OptimStepMulti applies OptimStep to every parameter ps[i], with gradient
// gs[i], state views states[i] and hyper-parameters hs[i], in launches of
// up to kernels.OptimTensors parameters each (the multi-tensor step of
// PyTorch's foreach and fused optimizers): the same updates, bit for bit,
// in a fraction of the launches. It reports false, doing nothing, unless
// every parameter has the first one's dtype and its hyper-parameters
// differ from the first one's in Step and First only; views that OptimStep
// would refuse are a misuse.
func (b *Backend) OptimStepMulti(kind backend.OptimKind, ps, gs []backend.View, states [][]backend.View, hs []backend.OptimHyper) bool {
	const op = "OptimStepMulti"
	if len(ps) == 0 || len(gs) != len(ps) || len(states) != len(ps) || len(hs) != len(ps) {
		return false
	}
	dt := ps[0].DType()
	shared := func(h backend.OptimHyper) backend.OptimHyper {
		h.Step, h.First = 0, false
		return h
	}
	want := shared(hs[0])
	for i, p := range ps {
		if p.DType() != dt || shared(hs[i]) != want {
			return false
		}
		n := p.Numel()
		for _, v := range append([]backend.View{p, gs[i]}, states[i]...) {
			if !v.IsContiguous() || v.Numel() != n || v.DType() != dt {
				misuse(op, "parameter %d: views must be contiguous, of %d elements and dtype %v", i, n, dt)
			}
		}
		if len(states[i]) > 3 {
			misuse(op, "parameter %d: %d state views", i, len(states[i]))
		}
	}
	if !dt.IsFloat() {
		misuse(op, "parameters of %v", dt)
	}
	b.bind(op)
	defer b.g.unbind()
	ptr := func(v backend.View) driver.DevicePtr { return b.devBuf(op, v).ptr() + elemOffset(v) }
	var batch [kernels.OptimTensors]kernels.OptimTensor
	var stateBuf [kernels.OptimTensors][3]driver.DevicePtr
	n := 0
	flush := func() {
		if n == 0 {
			return
		}
		b.check(op, b.launchOptimMulti(kind, dt, batch[:n]))
		n = 0
	}
	for i, p := range ps {
		if p.Numel() == 0 {
			continue
		}
		for j, s := range states[i] {
			stateBuf[n][j] = ptr(s)
		}
		batch[n] = kernels.OptimTensor{P: ptr(p), G: ptr(gs[i]), State: stateBuf[n][:len(states[i])], N: int64(p.Numel()), Hyper: &hs[i]}
		if n++; n == len(batch) {
			flush()
		}
	}
	flush()
	for i, p := range ps {
		keep(p, gs[i])
		keep(states[i]...)
	}
	return true
}

// launchOptimMulti runs one optim_step_multi launch over ts.
func (b *Backend) launchOptimMulti(kind backend.OptimKind, dt backend.DType, ts []kernels.OptimTensor) error {
	f, err := b.fn(optimMultiKernelOf(kdt(dt)))
	if err != nil {
		return err
	}
	a := b.args.Get().(*driver.Args)
	defer b.args.Put(a)
	l, err := kernels.PackOptimStepMulti(a, kind, ts, 256, b.maxBlocks)
	if err != nil {
		return err
	}
	return b.run(f, l, a)
}
