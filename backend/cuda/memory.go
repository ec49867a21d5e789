package cuda

import (
	"errors"
	"fmt"
	"time"

	"github.com/emberdl/ember/backend/cuda/alloc"
	"github.com/emberdl/ember/backend/cuda/driver"
	"github.com/emberdl/ember/internal/gcwait"
)

// allocDevice adapts a gpu to the caching allocator. Each call binds the
// device: the allocator may call from any goroutine (a buffer's cleanup
// runs on the runtime's cleanup goroutines).
type allocDevice struct{ g gpu }

var _ alloc.Device = allocDevice{}

func (d allocDevice) Malloc(size uint64) (driver.DevicePtr, error) {
	if err := d.g.bind(); err != nil {
		return 0, err
	}
	defer d.g.unbind()
	p, err := d.g.memAlloc(size)
	if errors.Is(err, driver.ErrOutOfMemory) {
		err = fmt.Errorf("%w: %w", alloc.ErrOutOfMemory, err)
	}
	return p, err
}

func (d allocDevice) Free(p driver.DevicePtr) error {
	if err := d.g.bind(); err != nil {
		return err
	}
	defer d.g.unbind()
	return d.g.memFree(p)
}

func (d allocDevice) MemInfo() (uint64, uint64, error) {
	if err := d.g.bind(); err != nil {
		return 0, 0, err
	}
	defer d.g.unbind()
	return d.g.memInfo()
}

func (d allocDevice) RecordEvent(s driver.Stream) (driver.Event, error) {
	if err := d.g.bind(); err != nil {
		return 0, err
	}
	defer d.g.unbind()
	e, err := d.g.newEvent()
	if err != nil {
		return 0, err
	}
	if err := d.g.recordEvent(e, s); err != nil {
		d.g.destroyEvent(e)
		return 0, err
	}
	return e, nil
}

func (d allocDevice) EventDone(e driver.Event) (bool, error) {
	if err := d.g.bind(); err != nil {
		return false, err
	}
	defer d.g.unbind()
	return d.g.eventDone(e)
}

func (d allocDevice) DestroyEvent(e driver.Event) error {
	if err := d.g.bind(); err != nil {
		return err
	}
	defer d.g.unbind()
	return d.g.destroyEvent(e)
}

func (d allocDevice) Synchronize() error {
	if err := d.g.bind(); err != nil {
		return err
	}
	defer d.g.unbind()
	return d.g.syncDevice()
}

// cleanupWait bounds how long the out-of-memory hook waits for the
// cleanups that a garbage collection queued.
const cleanupWait = 2 * time.Second

// collectAfter is the allocator's CollectAfter for a device of total
// bytes (its CollectAbove is three quarters of them): a 64th of its memory,
// at least 256 MiB, so that a program whose live tensors come near the
// limit is not collected on every allocation. Once the allocator holds
// three quarters of the device, a cache miss runs the collector (when
// that much was handed out since the last run) before the allocator grows,
// instead of the out-of-memory path emptying the whole cache when the
// device is full.
func collectAfter(total uint64) uint64 { return max(total/64, 256<<20) }

// collectGarbage is the allocator's out-of-memory hook: the Go collector
// does not see device memory, so tensors that are no longer reachable may
// still hold it. It runs a collection and waits (up to cleanupWait) until
// the cleanups it queued, which return those buffers to the allocator,
// have run.
func collectGarbage() { gcwait.Collect(cleanupWait) }
