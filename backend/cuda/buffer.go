package cuda

import (
	"fmt"
	"runtime"
	"sync/atomic"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cuda/alloc"
	"github.com/emberdl/ember/backend/cuda/driver"
)

// Buffer is device memory holding Len elements of one dtype. Its memory
// goes back to the device's caching allocator when the Buffer becomes
// unreachable (a runtime cleanup) or at once with Free. The Go collector
// does not see device memory, so a program that drops many large tensors
// between collections may hold more device memory than it uses; the
// allocator then runs a collection before it reports out of memory.
type Buffer struct {
	dt      backend.DType
	n       int
	be      *Backend
	mem     *deviceMem
	cleanup runtime.Cleanup
}

// deviceMem is the allocation behind a Buffer. It is separate from the
// Buffer so that the Buffer's cleanup can release it.
type deviceMem struct {
	ptr   driver.DevicePtr
	blk   *alloc.Block // nil for an empty buffer
	a     *alloc.Allocator
	freed atomic.Bool
}

// release returns the memory to the allocator; later calls do nothing.
// Work already queued on the device that uses the memory still completes
// first: the allocator hands the block out again only to later work on the
// same stream.
func (m *deviceMem) release() error {
	if m.freed.Swap(true) || m.blk == nil {
		return nil
	}
	return m.a.Free(m.blk)
}

// DType returns the element type.
func (b *Buffer) DType() backend.DType { return b.dt }

// Len returns the number of elements.
func (b *Buffer) Len() int { return b.n }

// Bytes returns the size in bytes.
func (b *Buffer) Bytes() int { return b.n * b.dt.Size() }

// Freed reports whether Free has released the buffer.
func (b *Buffer) Freed() bool { return b.mem.freed.Load() }

func (b *Buffer) String() string {
	return fmt.Sprintf("cuda.Buffer{%v, %d elements, %s}", b.dt, b.n, b.be.name)
}

// Free releases the memory of a CUDA buffer now rather than when the
// collector finds it unreachable. It is the explicit counterpart of the
// cleanup that every buffer has; the buffer (and every tensor viewing it)
// must not be used afterwards. Freeing twice does nothing. Work already
// queued that reads or writes the buffer is unaffected.
func Free(buf backend.Buffer) error {
	b, ok := buf.(*Buffer)
	if !ok {
		return fmt.Errorf("cuda.Free: %T is not a CUDA buffer", buf)
	}
	b.cleanup.Stop()
	return b.mem.release()
}

// Release returns the memory of a buffer that nothing uses any more to the
// caching allocator at once (Tensor.Free and the backward engine call it).
// Buffers of other backends are left alone; releasing twice does nothing.
func (be *Backend) Release(buf backend.Buffer) {
	if b, ok := buf.(*Buffer); ok && b.be == be {
		b.cleanup.Stop()
		b.mem.release()
	}
}

// newBuffer allocates n elements of d for use on the compute stream.
func (be *Backend) newBuffer(d backend.DType, n int) (*Buffer, error) {
	return be.newBufferOn(d, n, be.compute)
}

// newBufferOn allocates n elements of d from stream s's pool. Memory from
// another stream's pool is also recorded as used by the compute stream,
// which every buffer eventually is.
func (be *Backend) newBufferOn(d backend.DType, n int, s driver.Stream) (*Buffer, error) {
	if !d.Valid() || n < 0 {
		return nil, fmt.Errorf("alloc of %d elements of %v", n, d)
	}
	m := &deviceMem{a: be.alloc}
	if bytes := uint64(n) * uint64(d.Size()); bytes > 0 {
		blk, err := be.alloc.Malloc(bytes, s)
		if err != nil {
			return nil, err
		}
		if s != be.compute {
			be.alloc.RecordStream(blk, be.compute)
		}
		m.blk, m.ptr = blk, blk.Ptr()
	}
	b := &Buffer{dt: d, n: n, be: be, mem: m}
	b.cleanup = runtime.AddCleanup(b, func(m *deviceMem) { m.release() }, m)
	return b, nil
}

// devBuf returns the CUDA buffer of a view, checking that it belongs to be
// and is not freed.
func (be *Backend) devBuf(op string, v backend.View) *Buffer {
	b, ok := v.Buf.(*Buffer)
	if !ok {
		misuse(op, "a %T is not a CUDA buffer", v.Buf)
	}
	if b.be != be {
		misuse(op, "a buffer of %s used on %s", b.be.name, be.name)
	}
	if b.mem.freed.Load() {
		misuse(op, "use of a freed buffer")
	}
	return b
}

// ptr returns the device address of element 0 of buffer b.
func (b *Buffer) ptr() driver.DevicePtr { return b.mem.ptr }
