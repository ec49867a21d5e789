package cuda

import (
	"slices"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cuda/driver"
	"github.com/emberdl/ember/backend/cuda/kernels"
)

// Softmax writes softmax (or log-softmax) of src along axis into dst. The
// kernel works on rows of a dense array; another axis, or strided views,
// go through dense temporaries with axis last.
func (b *Backend) Softmax(dst, src backend.View, axis int, log bool) {
	const op = "Softmax"
	sameShape(op, dst.Shape, src)
	dt := src.DType()
	if !dt.IsFloat() || dst.DType() != dt {
		misuse(op, "of %v into %v", dt, dst.DType())
	}
	b.bind(op)
	defer b.g.unbind()
	n, total := src.Shape[axis], src.Numel()
	if total == 0 {
		return
	}
	rows := total / n
	in, release := b.denseIn(op, moveAxisLast(src, axis), dt)
	out, finish := b.denseOut(op, moveAxisLast(dst, axis), dt)
	b.launch(op, softmaxKernelOf(kdt(dt), log, false), kernels.RowLaunch(int64(rows), int64(n), b.maxBlocks),
		func(a *driver.Args) error { return kernels.PackSoftmaxForward(a, out, in, int64(rows), int64(n)) })
	finish()
	release()
	keep(dst, src)
}

// SoftmaxBackward computes dx from the forward output y and the output
// gradient dy along axis.
func (b *Backend) SoftmaxBackward(dx, y, dy backend.View, axis int, log bool) {
	const op = "SoftmaxBackward"
	sameShape(op, dx.Shape, y, dy)
	dt := y.DType()
	if !dt.IsFloat() || dx.DType() != dt || dy.DType() != dt {
		misuse(op, "of %v and %v into %v", dt, dy.DType(), dx.DType())
	}
	b.bind(op)
	defer b.g.unbind()
	n, total := y.Shape[axis], y.Numel()
	if total == 0 {
		return
	}
	rows := total / n
	yp, relY := b.denseIn(op, moveAxisLast(y, axis), dt)
	gp, relG := b.denseIn(op, moveAxisLast(dy, axis), dt)
	out, finish := b.denseOut(op, moveAxisLast(dx, axis), dt)
	b.launch(op, softmaxKernelOf(kdt(dt), log, true), kernels.RowLaunch(int64(rows), int64(n), b.maxBlocks),
		func(a *driver.Args) error { return kernels.PackSoftmaxBackward(a, out, yp, gp, int64(rows), int64(n)) })
	finish()
	relY()
	relG()
	keep(dx, y, dy)
}

// CausalSoftmax writes the causal attention weights of the scores src
// [..., L, S] into dst (same shape): row i of each L×S matrix is the
// softmax over j ≤ i of scale·src[i, j], zero beyond, in one kernel instead
// of four (scale, mask, fill, softmax). dst has src's dtype, or float32 for
// bfloat16 and float16 scores (the weights of autocast's float32 softmax).
// It reports false, doing nothing, for other dtypes.
func (b *Backend) CausalSoftmax(dst, src backend.View, scale float64) bool {
	const op = "CausalSoftmax"
	nd := len(src.Shape)
	if nd < 2 || !slices.Equal(dst.Shape, src.Shape) {
		return false
	}
	sdt, ddt := src.DType(), dst.DType()
	switch {
	case sdt == backend.Float32 && ddt == backend.Float32:
	case (sdt == backend.BFloat16 || sdt == backend.Float16) && (ddt == sdt || ddt == backend.Float32):
	default:
		return false
	}
	l, s := src.Shape[nd-2], src.Shape[nd-1]
	total := src.Numel()
	b.bind(op)
	defer b.g.unbind()
	if total == 0 {
		return true
	}
	rows := int64(total / s)
	in, release := b.denseIn(op, src, sdt)
	out, finish := b.denseOut(op, dst, ddt)
	b.launch(op, causalSoftmaxKernelOf(kdt(sdt), kdt(ddt)), kernels.RowLaunch(rows, int64(s), b.maxBlocks),
		func(a *driver.Args) error {
			return kernels.PackCausalSoftmax(a, out, in, rows, int64(s), int64(l), scale)
		})
	finish()
	release()
	keep(dst, src)
	return true
}
