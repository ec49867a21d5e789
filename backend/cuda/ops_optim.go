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
