package driver

import (
	"fmt"
	"unsafe"
)

// DevicePtr is a CUdeviceptr: an address in device memory. It is never a Go
// pointer.
type DevicePtr uintptr

// MemAlloc allocates n bytes of device memory (cuMemAlloc_v2).
func MemAlloc(n uint64) (DevicePtr, error) {
	p, err := callOut(symMemAlloc, 2, uintptr(n), 0, 0)
	return DevicePtr(p), err
}

// MemFree frees memory from MemAlloc.
func MemFree(p DevicePtr) error {
	return callPlain(symMemFree, 1, uintptr(p), 0, 0, 0, 0, 0)
}

// MemAllocAsync allocates n bytes from the device's current memory pool,
// ordered on stream s (cuMemAllocAsync, CUDA 11.2+).
func MemAllocAsync(n uint64, s Stream) (DevicePtr, error) {
	p, err := callOut(symMemAllocAsync, 3, uintptr(n), uintptr(s), 0)
	return DevicePtr(p), err
}

// MemFreeAsync returns p to its pool once the work queued on s so far is
// done.
func MemFreeAsync(p DevicePtr, s Stream) error {
	return callPlain(symMemFreeAsync, 2, uintptr(p), uintptr(s), 0, 0, 0, 0)
}

// MemPool is a CUmemoryPool, the driver's stream-ordered allocator.
type MemPool uintptr

// CUmemPool_attribute values.
const (
	poolAttrReleaseThreshold   = 4
	poolAttrReservedMemCurrent = 5
	poolAttrUsedMemCurrent     = 7
)

// DefaultMemPool returns the pool MemAllocAsync uses on d.
func (d Device) DefaultMemPool() (MemPool, error) {
	p, err := callOut(symDeviceGetDefaultMemPool, 2, uintptr(d), 0, 0)
	return MemPool(p), err
}

// SetReleaseThreshold sets how many reserved bytes the pool keeps at a
// synchronisation instead of giving them back to the driver; MaxUint64
// keeps everything cached.
func (p MemPool) SetReleaseThreshold(bytes uint64) error {
	v := bytes
	return call(symMemPoolSetAttribute, uintptr(p), poolAttrReleaseThreshold, uintptr(unsafe.Pointer(&v)))
}

// Reserved returns the bytes the pool holds from the driver.
func (p MemPool) Reserved() (uint64, error) { return p.attr64(poolAttrReservedMemCurrent) }

// Used returns the bytes of the pool handed out to allocations.
func (p MemPool) Used() (uint64, error) { return p.attr64(poolAttrUsedMemCurrent) }

func (p MemPool) attr64(a uintptr) (uint64, error) {
	var v uint64
	err := call(symMemPoolGetAttribute, uintptr(p), a, uintptr(unsafe.Pointer(&v)))
	return v, err
}

// TrimTo gives reserved but unused memory back to the driver, keeping at
// least keep bytes.
func (p MemPool) TrimTo(keep uint64) error {
	return callPlain(symMemPoolTrimTo, 2, uintptr(p), uintptr(keep), 0, 0, 0, 0)
}

// MemsetD8 sets n bytes at p to v.
func MemsetD8(p DevicePtr, v byte, n uint64) error {
	return callPlain(symMemsetD8, 3, uintptr(p), uintptr(v), uintptr(n), 0, 0, 0)
}

// MemsetD32 sets n 32-bit words at p (which must be 4-byte aligned) to v.
func MemsetD32(p DevicePtr, v uint32, n uint64) error {
	return callPlain(symMemsetD32, 3, uintptr(p), uintptr(v), uintptr(n), 0, 0, 0)
}

// MemsetD8Async is MemsetD8 ordered on s.
func MemsetD8Async(p DevicePtr, v byte, n uint64, s Stream) error {
	return callPlain(symMemsetD8Async, 4, uintptr(p), uintptr(v), uintptr(n), uintptr(s), 0, 0)
}

// MemsetD32Async is MemsetD32 ordered on s.
func MemsetD32Async(p DevicePtr, v uint32, n uint64, s Stream) error {
	return callPlain(symMemsetD32Async, 4, uintptr(p), uintptr(v), uintptr(n), uintptr(s), 0, 0)
}

// MemcpyDtoD copies n bytes between device buffers and waits.
func MemcpyDtoD(dst, src DevicePtr, n uint64) error {
	return callPlain(symMemcpyDtoD, 3, uintptr(dst), uintptr(src), uintptr(n), 0, 0, 0)
}

// MemcpyDtoDAsync copies n bytes between device buffers, ordered on s.
func MemcpyDtoDAsync(dst, src DevicePtr, n uint64, s Stream) error {
	return callPlain(symMemcpyDtoDAsync, 4, uintptr(dst), uintptr(src), uintptr(n), uintptr(s), 0, 0)
}

// CopyToDevice copies a Go slice to device memory and returns once src may
// be reused (cuMemcpyHtoD_v2). T must be plain data without Go pointers
// (numbers, or structs of them).
func CopyToDevice[T any](dst DevicePtr, src []T) error {
	if len(src) == 0 {
		return nil
	}
	n := uintptr(len(src)) * unsafe.Sizeof(src[0])
	return call(symMemcpyHtoD, uintptr(dst), uintptr(unsafe.Pointer(&src[0])), n)
}

// CopyFromDevice copies device memory into a Go slice and waits for it
// (cuMemcpyDtoH_v2). T must be plain data without Go pointers.
func CopyFromDevice[T any](dst []T, src DevicePtr) error {
	if len(dst) == 0 {
		return nil
	}
	n := uintptr(len(dst)) * unsafe.Sizeof(dst[0])
	return call(symMemcpyDtoH, uintptr(unsafe.Pointer(&dst[0])), uintptr(src), n)
}

// HostBuffer is page-locked host memory from cuMemAllocHost. The async
// copies accept only such buffers: the driver reads them after the call
// returns, which Go memory does not allow.
type HostBuffer struct {
	p unsafe.Pointer
	n int
}

// AllocHost allocates n bytes of page-locked host memory. It needs a
// current context.
func AllocHost(n int) (*HostBuffer, error) {
	if n <= 0 {
		return nil, fmt.Errorf("driver: AllocHost(%d): size must be positive", n)
	}
	var p unsafe.Pointer
	if err := call(symMemAllocHost, uintptr(unsafe.Pointer(&p)), uintptr(n)); err != nil {
		return nil, err
	}
	return &HostBuffer{p: p, n: n}, nil
}

// Bytes returns the buffer as a Go slice over the pinned memory. It must
// not be used after Free.
func (h *HostBuffer) Bytes() []byte { return unsafe.Slice((*byte)(h.p), h.n) }

// Len returns the buffer's size in bytes.
func (h *HostBuffer) Len() int { return h.n }

// Free releases the buffer; pending copies using it must have finished.
func (h *HostBuffer) Free() error {
	if h.p == nil {
		return nil
	}
	err := call(symMemFreeHost, uintptr(h.p))
	h.p, h.n = nil, 0
	return err
}

// span checks that [off, off+n) lies within h and returns its address.
func (h *HostBuffer) span(op string, off, n int) (uintptr, error) {
	if h == nil || h.p == nil {
		return 0, fmt.Errorf("driver: %s: host buffer is nil or freed", op)
	}
	if off < 0 || n < 0 || off > h.n || n > h.n-off {
		return 0, fmt.Errorf("driver: %s: range [%d, %d) outside host buffer of %d bytes", op, off, off+n, h.n)
	}
	return uintptr(h.p) + uintptr(off), nil
}

// MemcpyHtoDAsync copies n bytes from src[off:] to dst, ordered on s.
func MemcpyHtoDAsync(dst DevicePtr, src *HostBuffer, off, n int, s Stream) error {
	p, err := src.span("MemcpyHtoDAsync", off, n)
	if err != nil {
		return err
	}
	return callPlain(symMemcpyHtoDAsync, 4, uintptr(dst), p, uintptr(n), uintptr(s), 0, 0)
}

// MemcpyDtoHAsync copies n bytes from src to dst[off:], ordered on s.
func MemcpyDtoHAsync(dst *HostBuffer, off int, src DevicePtr, n int, s Stream) error {
	p, err := dst.span("MemcpyDtoHAsync", off, n)
	if err != nil {
		return err
	}
	return callPlain(symMemcpyDtoHAsync, 4, p, uintptr(src), uintptr(n), uintptr(s), 0, 0)
}
