package cpu

import (
	"github.com/emberdl/ember/backend"
)

// scratch returns a pooled buffer of n elements of float type T, for
// memory a kernel uses and then hands back with Release.
func scratch[T float](c *Backend, n int) (*Buffer, []T) {
	var z T
	dt := backend.Float64
	if _, ok := any(z).(float32); ok {
		dt = backend.Float32
	}
	b := c.Alloc(dt, n).(*Buffer)
	if dt == backend.Float32 {
		return b, any(b.F32).([]T)
	}
	return b, any(b.F64).([]T)
}

// denseIn returns v with row-major strides when its elements are dense,
// else a dense copy of it.
func (c *Backend) denseIn(v backend.View) backend.View {
	if v.IsContiguous() {
		return backend.View{Buf: v.Buf, Shape: v.Shape, Strides: backend.ContiguousStrides(v.Shape), Offset: v.Offset}
	}
	t := backend.Dense(c.Alloc(buf(v).dt, v.Numel()), v.Shape...)
	c.Copy(t, v)
	return t
}

// denseOut returns a dense view to write a result into: dst itself when it
// is dense, else scratch memory that finishOut copies into dst.
func (c *Backend) denseOut(dst backend.View) backend.View {
	if dst.IsContiguous() {
		return backend.View{Buf: dst.Buf, Shape: dst.Shape, Strides: backend.ContiguousStrides(dst.Shape), Offset: dst.Offset}
	}
	return backend.Dense(c.Alloc(buf(dst).dt, dst.Numel()), dst.Shape...)
}

// finishOut copies a result computed by denseOut's scratch into dst and
// hands the scratch back.
func (c *Backend) finishOut(dst, out backend.View) {
	if out.Buf != dst.Buf {
		c.Copy(dst, out)
		c.Release(out.Buf)
	}
}

// doneIn hands back the copy denseIn made of orig, if it made one.
func (c *Backend) doneIn(orig, dense backend.View) {
	if dense.Buf != nil && dense.Buf != orig.Buf {
		c.Release(dense.Buf)
	}
}
