package cuda

import (
	"fmt"
	"sync"

	"github.com/emberdl/ember/backend/cuda/driver"
)

// Staging sizes: each direction has stageSlots page-locked buffers of
// stageChunk bytes; a transfer goes through them in chunks, the host copy
// of one chunk overlapping the DMA of the previous one.
const (
	stageChunk = 4 << 20
	stageSlots = 2
)

// stager moves bytes between Go memory and the device through a ring of
// pinned buffers on its own stream (h2d or d2h), ordered with the compute
// stream by events. It is safe for concurrent use (transfers in one
// direction are serialised).
type stager struct {
	g       gpu
	stream  driver.Stream // the copy stream
	compute driver.Stream
	chunk   int

	mu    sync.Mutex
	slots []*stageSlot
	next  int
	order driver.Event // cross-stream ordering, re-recorded per transfer
}

// stageSlot is one pinned buffer; ev marks the end of the last copy that
// used it.
type stageSlot struct {
	mem    hostMem
	ev     driver.Event
	busy   bool
	dstOff int // downloads: where the slot's bytes go
	n      int
}

func newStager(g gpu, stream, compute driver.Stream, chunk int) *stager {
	return &stager{g: g, stream: stream, compute: compute, chunk: chunk}
}

// init allocates the slots on first use. Locked, device bound.
func (s *stager) init() error {
	if s.slots != nil {
		return nil
	}
	ev, err := s.g.newEvent()
	if err != nil {
		return err
	}
	slots := make([]*stageSlot, stageSlots)
	for i := range slots {
		mem, err := s.g.hostAlloc(s.chunk)
		if err == nil {
			var e driver.Event
			if e, err = s.g.newEvent(); err == nil {
				slots[i] = &stageSlot{mem: mem, ev: e}
				continue
			}
			mem.Free()
		}
		for _, sl := range slots[:i] {
			sl.mem.Free()
			s.g.destroyEvent(sl.ev)
		}
		s.g.destroyEvent(ev)
		return fmt.Errorf("allocating %d bytes of pinned staging memory: %w", s.chunk, err)
	}
	s.slots, s.order = slots, ev
	return nil
}

// take returns the next slot, waiting for the copy that last used it.
// Locked, device bound.
func (s *stager) take() (*stageSlot, error) {
	sl := s.slots[s.next]
	s.next = (s.next + 1) % len(s.slots)
	if sl.busy {
		if err := s.g.waitEvent(sl.ev); err != nil {
			return nil, err
		}
		sl.busy = false
	}
	return sl, nil
}

// upload copies src to device memory at dst. It returns once src has been
// copied to pinned memory (src may then be reused); the device copy runs
// on the h2d stream and the compute stream waits for it, so every op
// queued afterwards sees the data. dst must not be in use by earlier,
// unfinished work (memory from the h2d stream's pool is not).
func (s *stager) upload(dst driver.DevicePtr, src []byte) error {
	if len(src) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.init(); err != nil {
		return err
	}
	for off := 0; off < len(src); off += s.chunk {
		n := min(s.chunk, len(src)-off)
		sl, err := s.take()
		if err != nil {
			return err
		}
		copy(sl.mem.Bytes()[:n], src[off:off+n])
		if err := s.g.copyHtoD(dst+driver.DevicePtr(off), sl.mem, 0, n, s.stream); err != nil {
			return err
		}
		if err := s.g.recordEvent(sl.ev, s.stream); err != nil {
			return err
		}
		sl.busy = true
	}
	if err := s.g.recordEvent(s.order, s.stream); err != nil {
		return err
	}
	return s.g.streamWait(s.compute, s.order)
}

// download copies len(dst) bytes from device memory at src into dst,
// after all work queued on the compute stream so far, and returns when dst
// holds them.
func (s *stager) download(dst []byte, src driver.DevicePtr) error {
	if len(dst) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.init(); err != nil {
		return err
	}
	if err := s.g.recordEvent(s.order, s.compute); err != nil {
		return err
	}
	if err := s.g.streamWait(s.stream, s.order); err != nil {
		return err
	}
	// Slots are issued in ring order; a slot found busy holds the oldest
	// chunk still to be copied out.
	drain := func(sl *stageSlot) error {
		if err := s.g.waitEvent(sl.ev); err != nil {
			return err
		}
		copy(dst[sl.dstOff:sl.dstOff+sl.n], sl.mem.Bytes()[:sl.n])
		sl.busy = false
		return nil
	}
	for off := 0; off < len(dst); off += s.chunk {
		n := min(s.chunk, len(dst)-off)
		sl := s.slots[s.next]
		s.next = (s.next + 1) % len(s.slots)
		if sl.busy {
			if err := drain(sl); err != nil {
				return err
			}
		}
		if err := s.g.copyDtoH(sl.mem, 0, src+driver.DevicePtr(off), n, s.stream); err != nil {
			return err
		}
		if err := s.g.recordEvent(sl.ev, s.stream); err != nil {
			return err
		}
		sl.busy, sl.dstOff, sl.n = true, off, n
	}
	for range s.slots {
		sl := s.slots[s.next]
		s.next = (s.next + 1) % len(s.slots)
		if sl.busy {
			if err := drain(sl); err != nil {
				return err
			}
		}
	}
	return nil
}

// close frees the pinned memory and events. Device bound.
func (s *stager) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sl := range s.slots {
		if sl.busy {
			s.g.waitEvent(sl.ev)
		}
		sl.mem.Free()
		s.g.destroyEvent(sl.ev)
	}
	if s.slots != nil {
		s.g.destroyEvent(s.order)
	}
	s.slots = nil
}
