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

// doneIn hands back the copy denseIn made of orig, if it made one.
func (c *Backend) doneIn(orig, dense backend.View) {
	if dense.Buf != nil && dense.Buf != orig.Buf {
		c.Release(dense.Buf)
	}
}
