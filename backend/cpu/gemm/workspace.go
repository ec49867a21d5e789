package gemm

import (
	"sync"
	"unsafe"
)

// cacheLine is the alignment of packed buffers.
const cacheLine = 64

// buffer is a reusable, cache-line aligned scratch area for packed panels.
type buffer[T float] struct {
	raw []T
}

// get returns an aligned slice of n elements, growing the buffer if needed.
// The contents are unspecified.
func (b *buffer[T]) get(n int) []T {
	size := int(unsafe.Sizeof(T(0)))
	pad := cacheLine / size
	if cap(b.raw) < n+pad {
		b.raw = make([]T, n+pad)
	}
	raw := b.raw[:cap(b.raw)]
	off := 0
	if mis := int(uintptr(unsafe.Pointer(&raw[0])) % cacheLine); mis != 0 {
		off = (cacheLine - mis) / size
	}
	return raw[off : off+n : off+n]
}

var (
	poolS = sync.Pool{New: func() any { return new(buffer[float32]) }}
	poolD = sync.Pool{New: func() any { return new(buffer[float64]) }}
)

// getBuffer takes a packing buffer from the pool of T's element type.
func getBuffer[T float]() *buffer[T] {
	var zero T
	if _, ok := any(zero).(float32); ok {
		return any(poolS.Get()).(*buffer[T])
	}
	return any(poolD.Get()).(*buffer[T])
}

// putBuffer returns a buffer taken with getBuffer.
func putBuffer[T float](b *buffer[T]) {
	var zero T
	if _, ok := any(zero).(float32); ok {
		poolS.Put(b)
		return
	}
	poolD.Put(b)
}
