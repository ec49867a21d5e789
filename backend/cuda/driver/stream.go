package driver

import "math"

// Stream is a CUstream. Ember only creates non-blocking streams, which do
// not synchronise with the legacy default stream.
type Stream uintptr

// streamNonBlocking is CU_STREAM_NON_BLOCKING.
const streamNonBlocking = 1

// NewStream creates a non-blocking stream in the current context.
func NewStream() (Stream, error) {
	h, err := callOut(symStreamCreate, 2, streamNonBlocking, 0, 0)
	return Stream(h), err
}

// Destroy releases the stream once its pending work is done.
func (s Stream) Destroy() error {
	return callPlain(symStreamDestroy, 1, uintptr(s), 0, 0, 0, 0, 0)
}

// Synchronize waits until all work queued on s has finished.
func (s Stream) Synchronize() error {
	return callPlain(symStreamSynchronize, 1, uintptr(s), 0, 0, 0, 0, 0)
}

// Query reports whether all work queued on s has finished, without waiting.
func (s Stream) Query() (bool, error) {
	return ready(callPlain(symStreamQuery, 1, uintptr(s), 0, 0, 0, 0, 0))
}

// WaitEvent makes later work on s wait until e has completed.
func (s Stream) WaitEvent(e Event) error {
	return callPlain(symStreamWaitEvent, 3, uintptr(s), uintptr(e), 0, 0, 0, 0)
}

// ready maps CUDA_ERROR_NOT_READY to (false, nil).
func ready(err error) (bool, error) {
	if err == nil {
		return true, nil
	}
	if e, ok := err.(*Error); ok && e.Code == ErrNotReady {
		return false, nil
	}
	return false, err
}

// Event is a CUevent, a marker in a stream's queue.
type Event uintptr

// Event creation flags (CU_EVENT_*).
const (
	eventBlockingSync  = 1
	eventDisableTiming = 2
)

// NewEvent creates an event in the current context. Events without timing
// are cheaper; ElapsedTime needs timing on both ends. Waiting on a blocking
// event sleeps instead of spinning.
func NewEvent(timing, blocking bool) (Event, error) {
	var flags uintptr
	if !timing {
		flags |= eventDisableTiming
	}
	if blocking {
		flags |= eventBlockingSync
	}
	h, err := callOut(symEventCreate, 2, flags, 0, 0)
	return Event(h), err
}

// Record captures the work queued on s so far.
func (e Event) Record(s Stream) error {
	return callPlain(symEventRecord, 2, uintptr(e), uintptr(s), 0, 0, 0, 0)
}

// Synchronize waits until the recorded work has finished.
func (e Event) Synchronize() error {
	return callPlain(symEventSynchronize, 1, uintptr(e), 0, 0, 0, 0, 0)
}

// Query reports whether the recorded work has finished, without waiting.
func (e Event) Query() (bool, error) {
	return ready(callPlain(symEventQuery, 1, uintptr(e), 0, 0, 0, 0, 0))
}

// Destroy releases the event.
func (e Event) Destroy() error {
	return callPlain(symEventDestroy, 1, uintptr(e), 0, 0, 0, 0, 0)
}

// ElapsedTime returns the milliseconds between two recorded timing events.
func ElapsedTime(start, end Event) (float32, error) {
	ms, err := callOut(symEventElapsedTime, 3, uintptr(start), uintptr(end), 0)
	return math.Float32frombits(uint32(ms)), err
}
