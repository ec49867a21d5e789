package cuda

import (
	"runtime"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cuda/driver"
	"github.com/emberdl/ember/backend/cuda/kernels"
)

// kdt maps a backend dtype to the kernels' spelling.
func kdt(d backend.DType) kernels.DType {
	switch d {
	case backend.Float32:
		return kernels.F32
	case backend.Float64:
		return kernels.F64
	case backend.BFloat16:
		return kernels.BF16
	case backend.Float16:
		return kernels.F16
	case backend.Int64:
		return kernels.I64
	case backend.Int32:
		return kernels.I32
	case backend.Uint8:
		return kernels.U8
	case backend.Bool:
		return kernels.Bool
	}
	misuse("dtype", "unknown dtype %v", d)
	return 0
}

// accDType is the dtype of the kernels' statistics and optimizer state for
// elements of d (kernels.DType.AccSize): float64 for float64, else float32.
func accDType(d backend.DType) backend.DType {
	if d == backend.Float64 {
		return backend.Float64
	}
	return backend.Float32
}

// launch packs the parameters of kernel k with pack and queues it on the
// compute stream; a failure panics with an *OpError naming op.
func (b *Backend) launch(op string, k kernels.Kernel, l kernels.Launch, pack func(a *driver.Args) error) {
	b.check(op, b.launchErr(k, l, pack))
}

// launchErr is launch returning the error.
func (b *Backend) launchErr(k kernels.Kernel, l kernels.Launch, pack func(a *driver.Args) error) error {
	f, err := b.g.function(k)
	if err != nil {
		return err
	}
	a := b.args.Get().(*driver.Args)
	defer b.args.Put(a)
	if err := pack(a); err != nil {
		return err
	}
	return b.g.launch(f, l, 0, b.compute, a)
}

// elementwise runs kernel k over the iteration space shape of ops, split
// into launches the kernel accepts; pack packs one launch from the kernel
// shape and the operands' kernel strides.
func (b *Backend) elementwise(op string, k kernels.Kernel, shape []int, ops []operand,
	pack func(a *driver.Args, sh *kernels.Shape, st []kernels.Strides) error) {
	err := forEachLaunch(kernelLimits, shape, ops, func(sh *kernels.Shape, st []kernels.Strides) error {
		l := kernels.ElementwiseLaunch(sh.NumElements(), b.maxBlocks)
		return b.launchErr(k, l, func(a *driver.Args) error { return pack(a, sh, st) })
	})
	b.check(op, err)
}

// keep holds views' buffers (and so their memory) alive until the work
// using them has been queued: a buffer's cleanup may run as soon as it is
// unreachable, and the allocator hands its memory only to work queued after
// that.
func keep(views ...backend.View) {
	for _, v := range views {
		runtime.KeepAlive(v.Buf)
	}
}
