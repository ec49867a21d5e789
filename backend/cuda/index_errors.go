package cuda

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cuda/driver"
)

// Out-of-range indices are found on the device. The index kernels skip an
// index outside [0, size) (a gather writes zeros there) and set their op's
// flag in a small device array; the next call that waits for the device
// (ToHost, Synchronize, Nonzero) reads the flags and panics with an
// *OpError naming the op, as PyTorch's device-side assertions do. So the
// ember package need not read every index tensor back to the host before
// an indexing op (ChecksIndices), which would stall the stream: an
// embedding forward, its backward and a cross-entropy's targets are three
// waits per training step otherwise.

// indexSlot is the flag of one index op.
type indexSlot int

const (
	slotIndexSelect indexSlot = iota
	slotIndexAdd
	slotGather
	slotScatter
	slotCrossEntropy
	nIndexSlots
)

var indexSlotOps = [nIndexSlots]string{"IndexSelect", "IndexAdd", "Gather", "Scatter", "CrossEntropy"}

// ErrIndexOutOfRange is wrapped by the *OpError of an index that an index
// kernel found out of bounds.
var ErrIndexOutOfRange = errors.New("an index was out of bounds")

// indexFlags holds the device's index-error flags.
type indexFlags struct {
	mu      sync.Mutex
	buf     *Buffer     // nIndexSlots int32, zeroed
	armed   atomic.Bool // a kernel may have set a flag since the last read
	reading sync.Mutex  // one read (and clearing) of the flags at a time
}

// ChecksIndices reports true: out-of-range indices are reported by the
// next call that waits for the device, so the caller need not check them
// on the host first.
func (b *Backend) ChecksIndices() bool { return true }

// indexFlag returns the address of op's flag, for an index kernel about to
// be queued; armIndexFlags must follow once it is. Bound.
func (b *Backend) indexFlag(op string, s indexSlot) driver.DevicePtr {
	f := &b.idx
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.buf == nil {
		buf := b.temp(op, backend.Int32, int(nIndexSlots))
		b.check(op, b.g.memset(buf.ptr(), 0, uint64(nIndexSlots)*4, b.compute))
		f.buf = buf
	}
	return f.buf.ptr() + driver.DevicePtr(4*s)
}

// armIndexFlags notes that an index kernel has been queued: the next read
// of the flags (queued after it, so it sees what the kernel wrote) is due.
func (b *Backend) armIndexFlags() { b.idx.armed.Store(true) }

// checkIndexErrors reads the flags once the work queued so far has run,
// and panics with an *OpError for the first op whose kernel found an index
// out of bounds, after clearing the flags. waiting is the call that
// waited. Bound.
func (b *Backend) checkIndexErrors(waiting string) {
	f := &b.idx
	if !f.armed.Load() {
		return
	}
	// One reader at a time, so that a flag is reported once: the clearing
	// memset of one read is queued before the next read's download.
	f.reading.Lock()
	defer f.reading.Unlock()
	if !f.armed.Swap(false) {
		return
	}
	f.mu.Lock()
	buf := f.buf
	f.mu.Unlock()
	var flags [nIndexSlots]int32
	raw := unsafe.Slice((*byte)(unsafe.Pointer(&flags[0])), len(flags)*4)
	b.check(waiting, b.down.download(raw, buf.ptr()))
	for s, v := range flags {
		if v != 0 {
			b.check(waiting, b.g.memset(buf.ptr(), 0, uint64(nIndexSlots)*4, b.compute))
			what := "indices must lie in [0, size) along the indexed dimension"
			if indexSlot(s) == slotCrossEntropy {
				what = "a target class must lie in [0, C) or be the ignore index"
			}
			panic(&OpError{Device: b.name, Op: indexSlotOps[s], Err: fmt.Errorf(
				"%w: %s (found on the device, reported by %s, the first call to wait for it)", ErrIndexOutOfRange, what, waiting)})
		}
	}
}

// hostIndexCheck is the flags' check for the host fallback: it panics as
// checkIndexErrors would when the host copy idx of an op's indices holds
// one outside [0, size).
func (b *Backend) hostIndexCheck(op string, idx backend.View, size int) {
	if idx.DType() != backend.Int64 {
		return
	}
	v := make([]int64, idx.Numel())
	b.host.ToHost(idx, v)
	for _, x := range v {
		if x < 0 || x >= int64(size) {
			panic(&OpError{Device: b.name, Op: op, Err: fmt.Errorf("%w: index %d is out of bounds for a dimension of size %d", ErrIndexOutOfRange, x, size)})
		}
	}
}
