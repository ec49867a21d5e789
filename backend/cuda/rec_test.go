package cuda

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/emberdl/ember/backend/cuda/blas"
	"github.com/emberdl/ember/backend/cuda/driver"
	"github.com/emberdl/ember/backend/cuda/kernels"
)

// recGPU wraps a gpu, recording the calls that order work (streams,
// events, copies, launches) and failing chosen ones.
type recGPU struct {
	gpu
	mu    sync.Mutex
	log   []string
	fail  map[string]error // call name -> error to return
	names map[uintptr]string
	args  [][]byte // parameter blocks of launches
	exprs []string // kernels of launches
}

func newRecGPU(g gpu) *recGPU {
	return &recGPU{gpu: g, fail: map[string]error{}, names: map[uintptr]string{}}
}

func (r *recGPU) note(call string, format string, a ...any) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log = append(r.log, call+" "+fmt.Sprintf(format, a...))
	return r.fail[call]
}

// name labels a stream or event handle in the log.
func (r *recGPU) name(h uintptr) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if n, ok := r.names[h]; ok {
		return n
	}
	return fmt.Sprintf("#%d", h)
}

func (r *recGPU) label(h uintptr, n string) {
	r.mu.Lock()
	r.names[h] = n
	r.mu.Unlock()
}

// calls returns the log and clears it.
func (r *recGPU) calls() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.log
	r.log = nil
	return l
}

func (r *recGPU) recordEvent(e driver.Event, s driver.Stream) error {
	if err := r.note("recordEvent", "%s on %s", r.name(uintptr(e)), r.name(uintptr(s))); err != nil {
		return err
	}
	return r.gpu.recordEvent(e, s)
}

func (r *recGPU) waitEvent(e driver.Event) error {
	if err := r.note("waitEvent", "%s", r.name(uintptr(e))); err != nil {
		return err
	}
	return r.gpu.waitEvent(e)
}

func (r *recGPU) streamWait(s driver.Stream, e driver.Event) error {
	if err := r.note("streamWait", "%s for %s", r.name(uintptr(s)), r.name(uintptr(e))); err != nil {
		return err
	}
	return r.gpu.streamWait(s, e)
}

func (r *recGPU) copyHtoD(dst driver.DevicePtr, src hostMem, off, n int, s driver.Stream) error {
	if err := r.note("copyHtoD", "+%d %d bytes on %s", off, n, r.name(uintptr(s))); err != nil {
		return err
	}
	return r.gpu.copyHtoD(dst, src, off, n, s)
}

func (r *recGPU) copyDtoH(dst hostMem, off int, src driver.DevicePtr, n int, s driver.Stream) error {
	if err := r.note("copyDtoH", "%d bytes on %s", n, r.name(uintptr(s))); err != nil {
		return err
	}
	return r.gpu.copyDtoH(dst, off, src, n, s)
}

func (r *recGPU) hostAlloc(n int) (hostMem, error) {
	if err := r.note("hostAlloc", "%d", n); err != nil {
		return nil, err
	}
	return r.gpu.hostAlloc(n)
}

func (r *recGPU) memAlloc(n uint64) (driver.DevicePtr, error) {
	if err := r.note("memAlloc", "%d", n); err != nil {
		return 0, err
	}
	return r.gpu.memAlloc(n)
}

func (r *recGPU) function(k kernels.Kernel) (driver.Function, error) {
	if err := r.note("function", "%s", k.Expr); err != nil {
		return 0, err
	}
	return r.gpu.function(k)
}

func (r *recGPU) launch(f driver.Function, l kernels.Launch, shared uint32, s driver.Stream, a *driver.Args) error {
	r.mu.Lock()
	r.args = append(r.args, append([]byte(nil), a.Bytes()...))
	r.mu.Unlock()
	if err := r.note("launch", "grid %d block %d on %s", l.Grid.X, l.Block.X, r.name(uintptr(s))); err != nil {
		return err
	}
	return r.gpu.launch(f, l, shared, s, a)
}

func (r *recGPU) gemm(g blas.Gemm, alpha, beta float64, a, b, c, bias driver.DevicePtr, s driver.Stream) error {
	if err := r.note("gemm", "%dx%dx%d batch %d on %s", g.M, g.N, g.K, g.Batch, r.name(uintptr(s))); err != nil {
		return err
	}
	return r.gpu.gemm(g, alpha, beta, a, b, c, bias, s)
}

// recBackend returns a backend over a recording emulated device with the
// given memory capacity; its streams are named in the log.
func recBackend(t *testing.T, capacity uint64) (*Backend, *recGPU) {
	t.Helper()
	m, err := sharedEmulator()
	if err != nil {
		t.Fatal(err)
	}
	r := newRecGPU(newEmuGPU(m, capacity))
	b, err := newBackend(r, 0, 2)
	if err != nil {
		t.Fatal(err)
	}
	r.label(uintptr(b.compute), "compute")
	r.label(uintptr(b.h2d), "h2d")
	r.label(uintptr(b.d2h), "d2h")
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Error(err)
		}
	})
	return b, r
}

// only keeps the log lines of the given calls.
func only(log []string, calls ...string) []string {
	var out []string
	for _, l := range log {
		for _, c := range calls {
			if strings.HasPrefix(l, c+" ") {
				out = append(out, l)
			}
		}
	}
	return out
}

// catchOp runs f and returns the *OpError it panicked with (nil if none).
func catchOp(t *testing.T, f func()) (err *OpError) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(*OpError)
			if !ok {
				panic(r)
			}
			err = e
		}
	}()
	f()
	return nil
}

var errInjected = errors.New("injected failure")
