package cuda

import (
	"fmt"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cuda/driver"
	"github.com/emberdl/ember/backend/cuda/kernels"
)

// randomPlan is the kernel that reproduces the CPU backend's Random for a
// view, and the dtype of the dense buffer it writes (copied into the view
// when that is not the view itself).
type randomPlan struct {
	kind kernels.RandomKind
	dt   backend.DType
}

// planRandom follows the CPU backend's choice of transform: the 32-bit
// transforms for dense float32 views (and for bfloat16 and float16, which
// the ember package draws as float32 and rounds on the CPU), the 64-bit
// ones for dense float64 views and for every other dtype or layout
// (converted afterwards); Bernoulli and RandInt write any dtype directly.
func planRandom(dist backend.Dist, dt backend.DType, dense bool) (randomPlan, error) {
	switch dist {
	case backend.Bernoulli:
		return randomPlan{kernels.Bernoulli, dt}, nil
	case backend.RandInt:
		return randomPlan{kernels.RandInt, dt}, nil
	case backend.Uniform, backend.Normal:
		k32, k64 := kernels.Uniform, kernels.Uniform64
		if dist == backend.Normal {
			k32, k64 = kernels.Normal, kernels.Normal64
		}
		switch {
		case dt == backend.Float32 && dense, dt.IsHalf():
			return randomPlan{k32, dt}, nil
		case dt.IsFloat():
			return randomPlan{k64, dt}, nil
		}
		return randomPlan{k64, backend.Float64}, nil
	}
	return randomPlan{}, fmt.Errorf("unknown distribution %d", dist)
}

// Random fills dst from the Philox4x32-10 stream (seed, offset) as package
// internal/philox defines it, bit for bit the values the CPU backend (and
// the ember package around it, for bfloat16 and float16) produces: element
// i of dst (row-major) uses stream element i.
func (b *Backend) Random(dst backend.View, dist backend.Dist, seed, offset uint64, lo, hi float64) {
	const op = "Random"
	plan, err := planRandom(dist, dst.DType(), dst.IsContiguous())
	if err != nil {
		misuse(op, "%v", err)
	}
	b.bind(op)
	defer b.g.unbind()
	n := dst.Numel()
	if n == 0 {
		return
	}
	var ptr driver.DevicePtr
	finish := func() {}
	if plan.dt == dst.DType() {
		ptr, finish = b.denseOut(op, dst, plan.dt)
	} else {
		tmp := b.temp(op, plan.dt, n)
		ptr = tmp.ptr()
		finish = func() {
			b.copyView(op, dst, backend.Dense(tmp, dst.Shape...))
			tmp.mem.release()
		}
	}
	n64 := int64(n)
	b.launch(op, randomKernelOf(plan.kind, kdt(plan.dt)), kernels.RandomLaunch(plan.kind, n64, b.maxBlocks), func(a *driver.Args) error {
		switch plan.kind {
		case kernels.Uniform, kernels.Uniform64:
			return kernels.PackUniform(a, plan.kind, ptr, n64, seed, offset, lo, hi)
		case kernels.Normal, kernels.Normal64:
			return kernels.PackNormal(a, plan.kind, ptr, n64, seed, offset, lo, hi)
		case kernels.Bernoulli:
			return kernels.PackBernoulli(a, ptr, n64, seed, offset, lo)
		}
		return kernels.PackRandInt(a, ptr, n64, seed, offset, int64(lo), int64(hi))
	})
	finish()
	keep(dst)
}
