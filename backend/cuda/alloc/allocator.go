package alloc

import (
	"errors"
	"fmt"
	"sync"

	"github.com/emberdl/ember/backend/cuda/driver"
)

// Options configures an Allocator.
type Options struct {
	// OnOOM runs when the device is out of memory even after the cache was
	// emptied, before the last retry. It runs without the allocator's lock,
	// so it may free blocks (Ember runs the GC and waits for cleanups).
	OnOOM func()
	// OnCollect runs when a request misses the cache, a new segment
	// would take the memory held from the driver above CollectAbove, and
	// at least CollectAfter bytes were handed out since OnCollect last ran;
	// the request is then retried from the cache before a segment is
	// reserved. It runs without the allocator's lock, so it may free
	// blocks. Ember runs the Go collector there: device memory is
	// invisible to the collector's pacing, so without this the memory of
	// dropped tensors comes back only when the device is full, through the
	// out-of-memory path, which returns every cached segment to the driver.
	// CollectAbove 0 disables it.
	OnCollect                  func()
	CollectAbove, CollectAfter uint64
	// CollectPaced also runs OnCollect below CollectAbove, on a miss, once
	// the bytes handed out since the last collection reach both
	// CollectAfter and the bytes in use right after it: the Go collector's
	// own pacing (GOGC=100) applied to device memory. A training loop's
	// dropped activations then come back about once per step, instead of
	// each step taking new segments from the driver (cuMemAlloc, a
	// millisecond-scale host call) until the device is ¾ full.
	CollectPaced bool
}

// Allocator caches device memory of one device. It is safe for concurrent
// use.
type Allocator struct {
	dev  Device
	opts Options

	mu       sync.Mutex
	pools    map[poolKey]*pool
	segments map[*segment]bool
	pending  []pendingFree
	stats    Stats
	// handedOut counts bytes handed out since OnCollect last ran;
	// liveAfterCollect is Stats.Allocated right after it ran.
	handedOut, liveAfterCollect uint64
}

// pendingFree is a freed block waiting for events on the streams that
// also used it.
type pendingFree struct {
	b      *Block
	events []driver.Event
}

// New returns an allocator over dev.
func New(dev Device, opts Options) *Allocator {
	return &Allocator{dev: dev, opts: opts, pools: map[poolKey]*pool{}, segments: map[*segment]bool{}}
}

func (a *Allocator) pool(k poolKey) *pool {
	p := a.pools[k]
	if p == nil {
		p = &pool{}
		a.pools[k] = p
	}
	return p
}

// Malloc returns a block of at least size bytes for use on stream s.
func (a *Allocator) Malloc(size uint64, s driver.Stream) (*Block, error) {
	n := roundSize(size)
	a.mu.Lock()
	if a.shouldCollect(n) && !a.cached(n, s) {
		a.handedOut = 0
		a.stats.Collections++
		a.mu.Unlock()
		a.opts.OnCollect()
		a.mu.Lock()
		a.liveAfterCollect = a.stats.Allocated
	}
	b, err := a.malloc(n, s)
	if errors.Is(err, ErrOutOfMemory) {
		// Give back everything cached, then retry.
		if err = a.releaseCached(); err == nil {
			b, err = a.malloc(n, s)
		}
	}
	if errors.Is(err, ErrOutOfMemory) && a.opts.OnOOM != nil {
		a.mu.Unlock()
		a.opts.OnOOM()
		a.mu.Lock()
		a.stats.OOMHooks++
		if err = a.releaseCached(); err == nil {
			b, err = a.malloc(n, s)
		}
	}
	if errors.Is(err, ErrOutOfMemory) {
		err = a.oomError(size, n, err)
	}
	if err == nil {
		b.requested = size
		a.stats.Allocated += b.size
		a.stats.Requested += size
		a.stats.PeakAllocated = max(a.stats.PeakAllocated, a.stats.Allocated)
		a.stats.Allocs++
		a.handedOut += b.size
	}
	a.mu.Unlock()
	return b, err
}

// shouldCollect reports whether a request for n bytes that the cache
// cannot serve should run OnCollect first (see Options). Locked.
func (a *Allocator) shouldCollect(n uint64) bool {
	if a.opts.OnCollect == nil || a.opts.CollectAbove == 0 || a.handedOut < a.opts.CollectAfter {
		return false
	}
	return a.stats.Reserved+segmentSize(n) > a.opts.CollectAbove || (a.opts.CollectPaced && a.handedOut >= a.liveAfterCollect)
}

// cached reports whether the cache can serve n bytes on stream s without a
// new segment. Locked.
func (a *Allocator) cached(n uint64, s driver.Stream) bool {
	a.processPending(false)
	p := a.pools[poolKey{s, n <= SmallSize}]
	return p != nil && p.hasFit(n)
}

// malloc serves n bytes from the cache or a new segment. Locked.
func (a *Allocator) malloc(n uint64, s driver.Stream) (*Block, error) {
	a.processPending(false)
	small := n <= SmallSize
	p := a.pool(poolKey{s, small})
	b := p.bestFit(n)
	if b != nil {
		a.stats.CacheHits++
	} else {
		segSize := segmentSize(n)
		ptr, err := a.dev.Malloc(segSize)
		if err != nil {
			return nil, err
		}
		seg := &segment{ptr: ptr, size: segSize}
		a.segments[seg] = true
		a.stats.Reserved += segSize
		a.stats.PeakReserved = max(a.stats.PeakReserved, a.stats.Reserved)
		a.stats.Segments++
		b = &Block{ptr: ptr, size: segSize, stream: s, small: small, seg: seg, owner: a}
	}
	if rest := b.size - n; shouldSplit(small, rest) {
		spare := &Block{ptr: b.ptr + driver.DevicePtr(n), size: rest, stream: s, small: small, seg: b.seg,
			prev: b, next: b.next, free: true, owner: a}
		if b.next != nil {
			b.next.prev = spare
		}
		b.next = spare
		b.size = n
		p.insert(spare)
	}
	b.free = false
	return b, nil
}

// Free returns b to the cache. Work already queued on b's stream may still
// use it: the next user of the block is on the same stream, so it runs
// after. Streams recorded with RecordStream are waited for through events.
func (a *Allocator) Free(b *Block) error {
	if b == nil {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if b.owner != a {
		return errors.New("alloc: Free of a block from another allocator")
	}
	if b.free {
		return errors.New("alloc: block freed twice")
	}
	a.stats.Allocated -= b.size
	a.stats.Requested -= b.requested
	a.stats.Frees++
	b.free = true // from now on the caller must not use it
	if len(b.uses) > 0 {
		var evs []driver.Event
		for _, s := range b.uses {
			e, err := a.dev.RecordEvent(s)
			if err != nil {
				// Without the event, reuse could race: wait instead.
				for _, e := range evs {
					a.dev.DestroyEvent(e)
				}
				if serr := a.dev.Synchronize(); serr != nil {
					return fmt.Errorf("alloc: recording a cross-stream event failed (%v) and so did synchronising: %w", err, serr)
				}
				evs = nil
				break
			}
			evs = append(evs, e)
		}
		b.uses = nil
		if len(evs) > 0 {
			b.waiting = true
			a.pending = append(a.pending, pendingFree{b, evs})
			return nil
		}
	}
	a.release(b)
	return nil
}

// RecordStream notes that b is used on stream s as well as its own; its
// memory is then reused only after that use completes.
func (a *Allocator) RecordStream(b *Block, s driver.Stream) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if s == b.stream || b.free {
		return
	}
	for _, u := range b.uses {
		if u == s {
			return
		}
	}
	b.uses = append(b.uses, s)
}

// release puts a free block back in its pool, merging free neighbours.
// Locked.
func (a *Allocator) release(b *Block) {
	p := a.pool(poolKey{b.stream, b.small})
	if prev := b.prev; prev != nil && prev.free && !prev.waiting {
		p.remove(prev)
		prev.size += b.size
		prev.next = b.next
		if b.next != nil {
			b.next.prev = prev
		}
		b = prev
	}
	if next := b.next; next != nil && next.free && !next.waiting {
		p.remove(next)
		b.size += next.size
		b.next = next.next
		if next.next != nil {
			next.next.prev = b
		}
	}
	p.insert(b)
}

// processPending releases pending blocks whose events have completed (or
// all of them when the device has been synchronised). Locked.
func (a *Allocator) processPending(synced bool) {
	kept := a.pending[:0]
	var ready []*Block
	for _, pf := range a.pending {
		done := synced
		if !done {
			done = true
			for _, e := range pf.events {
				ok, err := a.dev.EventDone(e)
				if err != nil || !ok {
					done = false
					break
				}
			}
		}
		if !done {
			kept = append(kept, pf)
			continue
		}
		for _, e := range pf.events {
			a.dev.DestroyEvent(e)
		}
		ready = append(ready, pf.b)
	}
	clear(a.pending[len(kept):])
	a.pending = kept
	// One at a time: a block still marked waiting is not merged into its
	// neighbour before its own release.
	for _, b := range ready {
		b.waiting = false
		a.release(b)
	}
}

// releaseCached waits for the device, then returns every segment that is
// wholly free to the driver. Locked.
func (a *Allocator) releaseCached() error {
	if len(a.pending) > 0 {
		if err := a.dev.Synchronize(); err != nil {
			return err
		}
		a.processPending(true)
	}
	for k, p := range a.pools {
		kept := p.blocks[:0]
		var firstErr error
		for _, b := range p.blocks {
			if b.prev != nil || b.next != nil || firstErr != nil {
				kept = append(kept, b)
				continue
			}
			if err := a.dev.Free(b.seg.ptr); err != nil {
				firstErr = err
				kept = append(kept, b)
				continue
			}
			delete(a.segments, b.seg)
			a.stats.Reserved -= b.seg.size
			a.stats.Segments--
			a.stats.SegmentsReleased++
		}
		clear(p.blocks[len(kept):])
		p.blocks = kept
		if len(kept) == 0 {
			delete(a.pools, k)
		}
		if firstErr != nil {
			return fmt.Errorf("alloc: freeing a cached segment: %w", firstErr)
		}
	}
	return nil
}

// EmptyCache returns every unused segment to the driver.
func (a *Allocator) EmptyCache() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.releaseCached()
}

// OOMError is the allocator's out-of-memory failure.
type OOMError struct {
	// Requested is the size asked for; Segment the driver allocation that
	// failed.
	Requested, Segment uint64
	// Reserved and Allocated are the allocator's totals at the time.
	Reserved, Allocated uint64
	// DeviceFree and DeviceTotal come from the driver (0 if it failed).
	DeviceFree, DeviceTotal uint64
	// Err is the driver's error.
	Err error
}

func (e *OOMError) Error() string {
	return fmt.Sprintf("out of device memory: allocating %s (a %s segment) failed; Ember holds %s reserved, %s allocated; the device has %s free of %s (%v)",
		FormatBytes(e.Requested), FormatBytes(e.Segment), FormatBytes(e.Reserved), FormatBytes(e.Allocated),
		FormatBytes(e.DeviceFree), FormatBytes(e.DeviceTotal), e.Err)
}

// Unwrap lets errors.Is(err, ErrOutOfMemory) match.
func (e *OOMError) Unwrap() []error { return []error{ErrOutOfMemory, e.Err} }

func (a *Allocator) oomError(requested, rounded uint64, err error) error {
	e := &OOMError{Requested: requested, Segment: segmentSize(rounded), Reserved: a.stats.Reserved,
		Allocated: a.stats.Allocated, Err: err}
	e.DeviceFree, e.DeviceTotal, _ = a.dev.MemInfo()
	a.stats.OOMs++
	return e
}

// FormatBytes prints a byte count with a binary unit, such as "1.50 GiB".
func FormatBytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.2f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
