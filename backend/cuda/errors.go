package cuda

import "fmt"

// OpError is the panic value of a backend method that the device failed:
// an allocation beyond the device's memory (errors.Is(err,
// alloc.ErrOutOfMemory)), a kernel that could not be loaded or launched, a
// driver error surfacing at a synchronisation. ember.Catch turns it into an
// error. Kernel failures are asynchronous: they are reported by the next
// call that waits for the device (ToHost, Synchronize, Nonzero), not by the
// op that queued them.
type OpError struct {
	Device string // "cuda:0"
	Op     string // the backend method, such as "Matmul"
	Err    error
}

func (e *OpError) Error() string { return fmt.Sprintf("%s: %s: %v", e.Device, e.Op, e.Err) }

// Unwrap returns the cause.
func (e *OpError) Unwrap() error { return e.Err }

// check panics with an *OpError when err is not nil.
func (b *Backend) check(op string, err error) {
	if err != nil {
		panic(&OpError{Device: b.name, Op: op, Err: err})
	}
}

// misuse panics for a programming error in a caller (mismatched views or
// dtypes), as the CPU backend does.
func misuse(op, format string, args ...any) {
	panic(fmt.Sprintf("cuda.%s: %s", op, fmt.Sprintf(format, args...)))
}
