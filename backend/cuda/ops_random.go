package cuda

import (
	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cuda/driver"
	"github.com/emberdl/ember/backend/cuda/kernels"
)

// Random fills dst from the Philox4x32-10 stream (seed, offset) as package
// internal/philox defines it, bit for bit the CPU's values: element i of
// dst (row-major) uses stream element i. The device kernels cover the
// cases whose transform they compute exactly as internal/philox does
// (Bernoulli into float dtypes; Uniform(0, 1) into float32); the other
// cases run through the host fallback until bit-exact kernels exist.
func (b *Backend) Random(dst backend.View, dist backend.Dist, seed, offset uint64, lo, hi float64) {
	const op = "Random"
	dt := dst.DType()
	var k kernels.Kernel
	var pack func(a *driver.Args, out driver.DevicePtr, n int64) error
	switch {
	case dist == backend.Bernoulli && dt.IsFloat():
		k = randomKernelOf(kernels.Bernoulli, kdt(dt))
		pack = func(a *driver.Args, out driver.DevicePtr, n int64) error {
			return kernels.PackBernoulli(a, out, n, seed, offset, lo)
		}
	case dist == backend.Uniform && dt == backend.Float32 && lo == 0 && hi == 1:
		k = randomKernelOf(kernels.Uniform, kdt(dt))
		pack = func(a *driver.Args, out driver.DevicePtr, n int64) error {
			return kernels.PackRandom(a, out, n, seed, offset, lo, hi)
		}
	default:
		b.fallback(op+"/"+distName(dist), []hostArg{out(dst)}, func(h []backend.View) {
			b.host.Random(h[0], dist, seed, offset, lo, hi)
		})
		return
	}
	b.bind(op)
	defer b.g.unbind()
	n := dst.Numel()
	if n == 0 {
		return
	}
	ptr, finish := b.denseOut(op, dst, dt)
	b.launch(op, k, kernels.ElementwiseLaunch(int64(kernels.Counters(int64(n))), b.maxBlocks), func(a *driver.Args) error {
		return pack(a, ptr, int64(n))
	})
	finish()
	keep(dst)
}

func distName(d backend.Dist) string {
	switch d {
	case backend.Uniform:
		return "uniform"
	case backend.Normal:
		return "normal"
	case backend.Bernoulli:
		return "bernoulli"
	case backend.RandInt:
		return "randint"
	}
	return "unknown"
}
