package cuda

import (
	"math"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cuda/driver"
	"github.com/emberdl/ember/backend/cuda/kernels"
)

// Copy copies src into dst elementwise, converting the dtype when they
// differ (the cast kernel: floats to integers truncate toward zero, NaN
// gives 0, to bool compares with zero). A dense copy of one dtype is a
// device memcpy.
func (b *Backend) Copy(dst, src backend.View) {
	b.bind("Copy")
	defer b.g.unbind()
	b.copyView("Copy", dst, src)
}

// copyView is Copy for a bound device.
func (b *Backend) copyView(op string, dst, src backend.View) {
	sameShape(op, dst.Shape, src)
	n := dst.Numel()
	if n == 0 {
		return
	}
	d, s := b.devBuf(op, dst), b.devBuf(op, src)
	if d.dt == s.dt && dst.IsContiguous() && src.IsContiguous() {
		bytes := uint64(n * d.dt.Size())
		b.check(op, b.timedIf("copy device to device", func() error {
			return b.g.copyDtoD(d.ptr()+elemOffset(dst), s.ptr()+elemOffset(src), bytes, b.compute)
		}))
		keep(dst, src)
		return
	}
	c := ewCall{kind: ewCast, k: castKernelOf(kdt(d.dt), kdt(s.dt))}
	b.elementwise(op, c, dst.Shape, b.viewOperand(op, dst), b.viewOperand(op, src))
	keep(dst, src)
}

// Fill sets every element of dst to value converted to dst's dtype. A
// dense fill with zero is a device memset.
func (b *Backend) Fill(dst backend.View, value float64) {
	b.bind("Fill")
	defer b.g.unbind()
	b.fill("Fill", dst, value)
}

func (b *Backend) fill(op string, dst backend.View, value float64) {
	n := dst.Numel()
	if n == 0 {
		return
	}
	d := b.devBuf(op, dst)
	zeroBits := value == 0 && !(d.dt.IsFloat() && math.Signbit(value))
	if zeroBits && dst.IsContiguous() {
		b.check(op, b.timedIf("memset", func() error {
			return b.g.memset(d.ptr()+elemOffset(dst), 0, uint64(n*d.dt.Size()), b.compute)
		}))
		keep(dst)
		return
	}
	b.elementwise(op, ewCall{kind: ewFill, k: fillKernelOf(kdt(d.dt)), p0: value}, dst.Shape, b.viewOperand(op, dst))
	keep(dst)
}

// Arange sets element i of the 1-D view dst to start + i*step (computed
// in float64, then converted to dst's dtype).
func (b *Backend) Arange(dst backend.View, start, step float64) {
	const op = "Arange"
	if len(dst.Shape) != 1 {
		misuse(op, "view of shape %v is not 1-D", dst.Shape)
	}
	b.bind(op)
	defer b.g.unbind()
	n := dst.Shape[0]
	if n == 0 {
		return
	}
	d := b.devBuf(op, dst)
	b.launch(op, arangeKernelOf(kdt(d.dt)), kernels.ElementwiseLaunch(int64(n), b.maxBlocks), func(a *driver.Args) error {
		return kernels.PackArange(a, d.ptr(), int64(dst.Strides[0]), int64(dst.Offset), int64(n), start, step)
	})
	keep(dst)
}
