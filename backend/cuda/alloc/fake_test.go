package alloc

import (
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/emberdl/ember/backend/cuda/driver"
)

// fakeDevice hands out address ranges from a capacity, as a GPU would, and
// records every call.
type fakeDevice struct {
	mu       sync.Mutex
	capacity uint64
	used     uint64
	next     driver.DevicePtr
	live     map[driver.DevicePtr]uint64
	mallocs  []uint64 // sizes asked for
	frees    int
	syncs    int
	events   map[driver.Event]bool // event -> done
	nextEv   driver.Event
}

func newFakeDevice(capacity uint64) *fakeDevice {
	return &fakeDevice{capacity: capacity, next: 1 << 32, live: map[driver.DevicePtr]uint64{}, events: map[driver.Event]bool{}}
}

func (d *fakeDevice) Malloc(size uint64) (driver.DevicePtr, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.mallocs = append(d.mallocs, size)
	if d.used+size > d.capacity {
		return 0, fmt.Errorf("fake cuMemAlloc(%d): %w", size, ErrOutOfMemory)
	}
	p := d.next
	d.next += driver.DevicePtr(size + 4096) // gaps catch accesses past a segment
	d.live[p] = size
	d.used += size
	return p, nil
}

func (d *fakeDevice) Free(p driver.DevicePtr) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	size, ok := d.live[p]
	if !ok {
		return errors.New("fake: free of unknown pointer")
	}
	delete(d.live, p)
	d.used -= size
	d.frees++
	return nil
}

func (d *fakeDevice) MemInfo() (uint64, uint64, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.capacity - d.used, d.capacity, nil
}

func (d *fakeDevice) RecordEvent(s driver.Stream) (driver.Event, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.nextEv++
	d.events[d.nextEv] = false
	return d.nextEv, nil
}

func (d *fakeDevice) EventDone(e driver.Event) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	done, ok := d.events[e]
	if !ok {
		return false, errors.New("fake: unknown event")
	}
	return done, nil
}

func (d *fakeDevice) DestroyEvent(e driver.Event) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.events, e)
	return nil
}

func (d *fakeDevice) Synchronize() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.syncs++
	for e := range d.events {
		d.events[e] = true
	}
	return nil
}

// completeEvents marks every recorded event done.
func (d *fakeDevice) completeEvents() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for e := range d.events {
		d.events[e] = true
	}
}

// checkNoOverlap verifies that live blocks lie inside live segments and do
// not overlap.
func checkNoOverlap(d *fakeDevice, blocks []*Block) error {
	sort.Slice(blocks, func(i, j int) bool { return blocks[i].ptr < blocks[j].ptr })
	for i, b := range blocks {
		if b.ptr%MinBlock != 0 {
			return fmt.Errorf("block at %#x is not 512-byte aligned", b.ptr)
		}
		inside := false
		for p, size := range d.live {
			if b.ptr >= p && b.ptr+driver.DevicePtr(b.size) <= p+driver.DevicePtr(size) {
				inside = true
			}
		}
		if !inside {
			return fmt.Errorf("block %#x+%d is outside every segment", b.ptr, b.size)
		}
		if i > 0 && blocks[i-1].ptr+driver.DevicePtr(blocks[i-1].size) > b.ptr {
			return fmt.Errorf("blocks %#x and %#x overlap", blocks[i-1].ptr, b.ptr)
		}
	}
	return nil
}

// checkPools verifies the allocator's bookkeeping: pooled blocks are free,
// not waiting and sorted, and each segment's block chain is linked both
// ways and covers the segment exactly.
func checkPools(a *Allocator) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	heads := map[*segment]*Block{}
	for k, p := range a.pools {
		for i, b := range p.blocks {
			if !b.free || b.waiting {
				return fmt.Errorf("pool %v holds block %#x free=%v waiting=%v", k, b.ptr, b.free, b.waiting)
			}
			if i > 0 && blockOrder(p.blocks[i-1], b) >= 0 {
				return fmt.Errorf("pool %v is not sorted", k)
			}
			if b.stream != k.stream || b.small != k.small {
				return fmt.Errorf("block %#x in the wrong pool", b.ptr)
			}
			h := b
			for h.prev != nil {
				h = h.prev
			}
			heads[b.seg] = h
		}
	}
	for seg, h := range heads {
		var total uint64
		for b := h; b != nil; b = b.next {
			if b.next != nil && (b.next.prev != b || b.ptr+driver.DevicePtr(b.size) != b.next.ptr) {
				return fmt.Errorf("segment %#x: broken chain at %#x", seg.ptr, b.ptr)
			}
			if b.free && !b.waiting && b.next != nil && b.next.free && !b.next.waiting {
				return fmt.Errorf("segment %#x: free neighbours %#x and %#x not merged", seg.ptr, b.ptr, b.next.ptr)
			}
			total += b.size
		}
		if h.ptr != seg.ptr || total != seg.size {
			return fmt.Errorf("segment %#x+%d: blocks cover %#x+%d", seg.ptr, seg.size, h.ptr, total)
		}
	}
	return nil
}
