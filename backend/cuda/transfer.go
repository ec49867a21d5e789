package cuda

import (
	"runtime"
	"unsafe"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cuda/driver"
)

// Alloc returns an uninitialised buffer of n elements (its bytes are
// whatever the memory held before). It panics with an *OpError wrapping
// alloc.ErrOutOfMemory when the device is full even after the allocator
// emptied its cache and ran the garbage collector.
func (b *Backend) Alloc(d backend.DType, n int) backend.Buffer {
	b.bind("Alloc")
	defer b.g.unbind()
	buf, err := b.newBuffer(d, n)
	b.check("Alloc", err)
	return buf
}

// FromHost returns a new buffer holding a copy of src (a []float32,
// []float64, []uint16, []int64, []int32, []uint8 or []bool matching d). It
// returns once src has been copied to pinned memory; the transfer to the
// device overlaps later host work and is ordered before every op queued
// afterwards.
func (b *Backend) FromHost(d backend.DType, src any) backend.Buffer {
	raw := hostBytes("FromHost", d, src)
	n := len(raw) / max(d.Size(), 1)
	b.bind("FromHost")
	defer b.g.unbind()
	// The memory comes from the copy stream's pool, so the copy need not
	// wait for the compute stream; the block is also marked as used by the
	// compute stream, so that it is reused only after that use completes.
	buf, err := b.newBufferOn(d, n, b.h2d)
	b.check("FromHost", err)
	b.check("FromHost", b.up.upload(buf.ptr(), raw))
	runtime.KeepAlive(src)
	return buf
}

// ToHost copies the elements of v in row-major order into dst (a slice of
// v's Go element type, of v.Numel() elements). It waits for all work queued
// before it and panics with an *OpError if that work failed.
func (b *Backend) ToHost(v backend.View, dst any) {
	const op = "ToHost"
	raw := hostBytes(op, v.DType(), dst)
	n := v.Numel()
	if len(raw) != n*v.DType().Size() {
		misuse(op, "into %d bytes from a view of %d elements of %v", len(raw), n, v.DType())
	}
	if n == 0 {
		return
	}
	src := b.devBuf(op, v)
	b.bind(op)
	defer b.g.unbind()
	if v.IsContiguous() {
		b.check(op, b.down.download(raw, src.ptr()+elemOffset(v)))
	} else {
		tmp, err := b.newBuffer(v.DType(), n)
		b.check(op, err)
		b.copyView(op, backend.Dense(tmp, v.Shape...), v)
		b.check(op, b.down.download(raw, tmp.ptr()))
		tmp.mem.release()
	}
	runtime.KeepAlive(src)
	b.checkIndexErrors(op)
}

// elemOffset is the byte offset of a view's first element in its buffer.
func elemOffset(v backend.View) driver.DevicePtr {
	return driver.DevicePtr(v.Offset * v.DType().Size())
}

// hostBytes returns the memory of a Go slice whose type must hold dtype d.
func hostBytes(op string, d backend.DType, s any) []byte {
	var p unsafe.Pointer
	var n int
	ok := false
	switch s := s.(type) {
	case []float32:
		p, n, ok = unsafe.Pointer(unsafe.SliceData(s)), len(s)*4, d == backend.Float32
	case []float64:
		p, n, ok = unsafe.Pointer(unsafe.SliceData(s)), len(s)*8, d == backend.Float64
	case []uint16:
		p, n, ok = unsafe.Pointer(unsafe.SliceData(s)), len(s)*2, d.IsHalf()
	case []int64:
		p, n, ok = unsafe.Pointer(unsafe.SliceData(s)), len(s)*8, d == backend.Int64
	case []int32:
		p, n, ok = unsafe.Pointer(unsafe.SliceData(s)), len(s)*4, d == backend.Int32
	case []uint8:
		p, n, ok = unsafe.Pointer(unsafe.SliceData(s)), len(s), d == backend.Uint8
	case []bool:
		// A Go bool is one byte, 0 or 1: the kernels' ember::boolean.
		p, n, ok = unsafe.Pointer(unsafe.SliceData(s)), len(s), d == backend.Bool
	}
	if !ok {
		misuse(op, "a %T cannot hold dtype %v", s, d)
	}
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(p), n)
}

// int64Bytes returns the memory of an int64 slice.
func int64Bytes(s []int64) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), 8*len(s))
}
