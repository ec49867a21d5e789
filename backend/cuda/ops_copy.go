package cuda

import (
	"math"

	"github.com/emberdl/ember/backend"
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
		b.check(op, b.g.copyDtoD(d.ptr()+elemOffset(dst), s.ptr()+elemOffset(src), bytes, b.compute))
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
		b.check(op, b.g.memset(d.ptr()+elemOffset(dst), 0, uint64(n*d.dt.Size()), b.compute))
		keep(dst)
		return
	}
	b.elementwise(op, ewCall{kind: ewFill, k: fillKernelOf(kdt(d.dt)), p0: value}, dst.Shape, b.viewOperand(op, dst))
	keep(dst)
}

// Arange sets element i of the 1-D view dst to start + i*step.
func (b *Backend) Arange(dst backend.View, start, step float64) {
	if len(dst.Shape) != 1 {
		misuse("Arange", "view of shape %v is not 1-D", dst.Shape)
	}
	b.fallback("Arange", []hostArg{out(dst)}, func(h []backend.View) { b.host.Arange(h[0], start, step) })
}
