package cuda

import (
	"slices"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cuda/driver"
)

// The row kernels (reductions, softmax, norms, optimizers) read and write
// dense row-major memory. These helpers give them a device address for any
// view: the view's own memory when it is dense (and of the wanted dtype),
// else a temporary copy. Temporaries go back to the allocator when
// released; work queued on them before stays valid (stream order).

// denseIn returns the address of v's elements as a dense row-major array of
// dtype dt, copying (and converting) into a temporary when needed, and a
// function that releases the temporary.
func (b *Backend) denseIn(op string, v backend.View, dt backend.DType) (driver.DevicePtr, func()) {
	buf := b.devBuf(op, v)
	if buf.dt == dt && v.IsContiguous() {
		return buf.ptr() + elemOffset(v), func() {}
	}
	tmp := b.temp(op, dt, v.Numel())
	b.copyView(op, backend.Dense(tmp, v.Shape...), v)
	return tmp.ptr(), func() { tmp.mem.release() }
}

// optIn is denseIn for an optional view: a nil Buf gives address 0.
func (b *Backend) optIn(op string, v backend.View, dt backend.DType) (driver.DevicePtr, func()) {
	if v.Buf == nil {
		return 0, func() {}
	}
	return b.denseIn(op, v, dt)
}

// denseOut returns an address where a kernel may write v's elements as a
// dense row-major array of dtype dt, and a function that, after the kernel
// is queued, copies them into v when a temporary was needed and releases
// it.
func (b *Backend) denseOut(op string, v backend.View, dt backend.DType) (driver.DevicePtr, func()) {
	buf := b.devBuf(op, v)
	if buf.dt == dt && v.IsContiguous() {
		return buf.ptr() + elemOffset(v), func() {}
	}
	tmp := b.temp(op, dt, v.Numel())
	return tmp.ptr(), func() {
		b.copyView(op, v, backend.Dense(tmp, v.Shape...))
		tmp.mem.release()
	}
}

// optOut is denseOut for an optional view.
func (b *Backend) optOut(op string, v backend.View, dt backend.DType) (driver.DevicePtr, func()) {
	if v.Buf == nil {
		return 0, func() {}
	}
	return b.denseOut(op, v, dt)
}

// temp allocates a temporary buffer, panicking on failure.
func (b *Backend) temp(op string, dt backend.DType, n int) *Buffer {
	t, err := b.newBuffer(dt, n)
	b.check(op, err)
	return t
}

// moveAxisLast returns v with dimension axis moved to the end (a view of
// the same memory).
func moveAxisLast(v backend.View, axis int) backend.View {
	sh, st := slices.Clone(v.Shape), slices.Clone(v.Strides)
	n, s := sh[axis], st[axis]
	sh = append(append(sh[:axis], sh[axis+1:]...), n)
	st = append(append(st[:axis], st[axis+1:]...), s)
	return backend.View{Buf: v.Buf, Shape: sh, Strides: st, Offset: v.Offset}
}
