package alloc_test

import (
	"fmt"

	"github.com/emberdl/ember/backend/cuda/alloc"
	"github.com/emberdl/ember/backend/cuda/driver"
)

// bumpDevice is a toy Device: it never frees, and its events are always
// done.
type bumpDevice struct{ next driver.DevicePtr }

func (d *bumpDevice) Malloc(n uint64) (driver.DevicePtr, error) {
	p := d.next
	d.next += driver.DevicePtr(n)
	return p, nil
}
func (d *bumpDevice) Free(driver.DevicePtr) error                     { return nil }
func (d *bumpDevice) MemInfo() (uint64, uint64, error)                { return 0, 0, nil }
func (d *bumpDevice) RecordEvent(driver.Stream) (driver.Event, error) { return 1, nil }
func (d *bumpDevice) EventDone(driver.Event) (bool, error)            { return true, nil }
func (d *bumpDevice) DestroyEvent(driver.Event) error                 { return nil }
func (d *bumpDevice) Synchronize() error                              { return nil }

// Small allocations share one 2 MiB segment, and a freed block is reused.
func ExampleAllocator() {
	a := alloc.New(&bumpDevice{next: 1 << 20}, alloc.Options{})
	x, _ := a.Malloc(1000, 0)
	y, _ := a.Malloc(3000, 0)
	a.Free(x)
	z, _ := a.Malloc(800, 0)
	s := a.Stats()
	fmt.Println(x.Size(), y.Ptr()-x.Ptr(), z.Ptr() == x.Ptr())
	fmt.Println(alloc.FormatBytes(s.Reserved), alloc.FormatBytes(s.Allocated), s.Segments)
	// Output:
	// 1024 1024 true
	// 2.00 MiB 4.00 KiB 1
}
