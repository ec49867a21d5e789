package safetensors

import (
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"sync"

	"github.com/emberdl/ember/internal/parallel"
)

// copyGrain is the smallest piece of a tensor that one worker copies; below
// twice this size a copy is done by the caller alone.
const copyGrain = 4 << 20

// firstError keeps the first error reported by concurrent workers.
type firstError struct {
	mu  sync.Mutex
	err error
}

func (e *firstError) set(err error) {
	e.mu.Lock()
	if e.err == nil {
		e.err = err
	}
	e.mu.Unlock()
}

// splitCopy runs part over [0, n) in pieces on the CPU pool and returns the
// first error any piece reported.
func splitCopy(n int, part func(lo, hi int) error) error {
	if n < 2*copyGrain {
		return part(0, n)
	}
	var first firstError
	parallel.For(n, copyGrain, func(lo, hi int) {
		if err := part(lo, hi); err != nil {
			first.set(err)
		}
	})
	return first.err
}

// readFull fills dst from r at offset off. io.ReaderAt allows parallel calls,
// so large reads are split across workers.
func readFull(r io.ReaderAt, dst []byte, off int64) error {
	return splitCopy(len(dst), func(lo, hi int) error {
		n, err := r.ReadAt(dst[lo:hi], off+int64(lo))
		if n == hi-lo {
			return nil // io.ReaderAt may report io.EOF along with a full read
		}
		if err == nil || errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return err
	})
}

// copyMapped copies from a memory mapping into dst. A fault while reading the
// mapping (the file was truncated under it) becomes an error instead of a
// crash.
func copyMapped(dst, src []byte) error {
	return splitCopy(len(dst), func(lo, hi int) error {
		return copyGuarded(dst[lo:hi], src[lo:hi])
	})
}

// copyGuarded copies src to dst on the calling goroutine, turning a memory
// fault into an error.
func copyGuarded(dst, src []byte) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			if addr, ok := r.(interface{ Addr() uintptr }); ok {
				err = fmt.Errorf("memory fault at %#x reading the mapped file (was it truncated?)", addr.Addr())
				return
			}
			panic(r)
		}
	}()
	copy(dst, src)
	return nil
}
