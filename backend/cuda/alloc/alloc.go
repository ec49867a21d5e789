// Package alloc is Ember's caching device-memory allocator, after PyTorch's
// CUDACachingAllocator: device memory is taken from the driver in segments
// and carved into blocks that are cached and reused, because cuMemAlloc and
// cuMemFree are slow and synchronise the device.
//
//   - Sizes are rounded up to 512 bytes.
//   - Requests up to 1 MiB come from 2 MiB segments (the small pool);
//     larger ones below 10 MiB from 20 MiB segments; 10 MiB and more get a
//     segment of their size rounded up to 2 MiB.
//   - A request takes the smallest cached block that fits (best fit),
//     splitting off the rest; freed neighbours in a segment merge again.
//   - Blocks belong to the stream they were allocated on and are reused only
//     for that stream, so stream order makes reuse safe without a sync. A
//     block also used on other streams (RecordStream) is reused only after
//     events recorded on those streams at Free time have completed.
//   - When the driver runs out of memory, the allocator returns every
//     cached segment to it and retries; then it calls the OnOOM hook (Ember
//     runs the garbage collector there, so that dropped tensors free their
//     blocks), and retries once more; then it fails with an *OOMError that
//     names the request, what Ember holds and what the device has left.
//
// The driver is reached through the Device interface, so all of this is
// unit-tested with a fake device.
package alloc

import (
	"errors"

	"github.com/emberdl/ember/backend/cuda/driver"
)

// Device is what the allocator needs from a GPU. The CUDA backend adapts
// the driver package to it; tests use a fake.
type Device interface {
	// Malloc allocates size bytes; on exhaustion the error must satisfy
	// errors.Is(err, ErrOutOfMemory).
	Malloc(size uint64) (driver.DevicePtr, error)
	// Free releases memory from Malloc.
	Free(p driver.DevicePtr) error
	// MemInfo reports the device's free and total bytes.
	MemInfo() (free, total uint64, err error)
	// RecordEvent returns an event recorded on s now.
	RecordEvent(s driver.Stream) (driver.Event, error)
	// EventDone reports whether the work before e has finished.
	EventDone(e driver.Event) (bool, error)
	// DestroyEvent releases an event from RecordEvent.
	DestroyEvent(e driver.Event) error
	// Synchronize waits for all work on the device.
	Synchronize() error
}

// ErrOutOfMemory marks device memory exhaustion, from the Device or from
// the allocator once its retries are spent.
var ErrOutOfMemory = errors.New("out of device memory")

// Size classes (PyTorch's constants).
const (
	MinBlock     = 512      // every size is rounded up to this
	SmallSize    = 1 << 20  // requests up to this use the small pool
	SmallSegment = 2 << 20  // segment size of the small pool
	MinLarge     = 10 << 20 // requests below this share LargeSegment segments
	LargeSegment = 20 << 20 // segment size for 1–10 MiB requests
	RoundLarge   = 2 << 20  // big requests are rounded up to this
)

// roundSize rounds a request to the block granularity.
func roundSize(n uint64) uint64 {
	if n < MinBlock {
		return MinBlock
	}
	return (n + MinBlock - 1) / MinBlock * MinBlock
}

// segmentSize is the driver allocation made for a (rounded) request that
// no cached block can serve.
func segmentSize(n uint64) uint64 {
	switch {
	case n <= SmallSize:
		return SmallSegment
	case n < MinLarge:
		return LargeSegment
	default:
		return (n + RoundLarge - 1) / RoundLarge * RoundLarge
	}
}

// shouldSplit reports whether a block with remaining spare bytes is split:
// any spare block in the small pool, only spares over 1 MiB in the large
// pool (smaller leftovers would fragment it).
func shouldSplit(small bool, remaining uint64) bool {
	if small {
		return remaining >= MinBlock
	}
	return remaining > SmallSize
}
