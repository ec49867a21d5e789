package cuda

import (
	"fmt"
	"sync"
	"time"

	"github.com/emberdl/ember/backend/cuda/blas"
	"github.com/emberdl/ember/backend/cuda/driver"
	"github.com/emberdl/ember/backend/cuda/internal/emu"
	"github.com/emberdl/ember/backend/cuda/kernels"
)

// EmulatorEnv is the environment variable that, set to 1, makes Open use
// the kernel emulator instead of a GPU: the kernels run on the CPU (built
// with g++ on first use), GEMMs in float64 on the host. It exists to test
// the CUDA backend, and everything written on top of it, on machines
// without a GPU; it is far too slow for anything else.
const EmulatorEnv = "EMBER_CUDA_EMULATOR"

// emuCapacity is the emulated device's memory size.
const emuCapacity = 4 << 30

var (
	emuOnce    sync.Once
	emuMachine *emu.Machine
	emuErr     error
)

// sharedEmulator builds (or takes from the disk cache) the emulator of
// every catalog kernel and starts it, once per process.
func sharedEmulator() (*emu.Machine, error) {
	emuOnce.Do(func() {
		files := map[string]string{kernels.HeaderName: kernels.Header()}
		var units []emu.Unit
		for _, u := range kernels.Catalog() {
			src, err := kernels.Source(u.File)
			if err != nil {
				emuErr = err
				return
			}
			files[u.File] = src
			units = append(units, emu.Unit{File: u.File, Exprs: u.Exprs})
		}
		bin, err := emu.Build(emu.Sources{Files: files, Units: units})
		if err != nil {
			emuErr = fmt.Errorf("building the kernel emulator: %w", err)
			return
		}
		emuMachine, emuErr = emu.Start(bin)
	})
	return emuMachine, emuErr
}

// emuGPU is the gpu of the kernel emulator. Every call runs to completion
// before it returns, so streams and events are trivially ordered: an event
// is done as soon as it is recorded.
type emuGPU struct {
	m *emu.Machine

	mu       sync.Mutex
	capacity uint64
	used     uint64
	sizes    map[driver.DevicePtr]uint64
	exprs    []string
	fnIndex  map[string]driver.Function
	nextID   uintptr
	launches int
	marks    map[driver.Event]time.Time // when timing events were recorded
}

func newEmuGPU(m *emu.Machine, capacity uint64) *emuGPU {
	return &emuGPU{m: m, capacity: capacity, sizes: map[driver.DevicePtr]uint64{}, fnIndex: map[string]driver.Function{}}
}

func (g *emuGPU) bind() error { return nil }
func (g *emuGPU) unbind()     {}

func (g *emuGPU) properties() driver.Properties {
	return driver.Properties{Name: "Ember kernel emulator", Major: 9, Minor: 0, TotalMem: g.capacity,
		Multiprocessors: 1, MaxThreadsPerBlock: 1024, MaxThreadsPerSM: 2048, WarpSize: 32,
		SharedMemPerBlock: 48 << 10, SharedMemPerBlockOptin: 48 << 10}
}

func (g *emuGPU) memAlloc(n uint64) (driver.DevicePtr, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.used+n > g.capacity {
		return 0, fmt.Errorf("emulated cuMemAlloc(%d): %w", n, driver.ErrOutOfMemory)
	}
	p, err := g.m.Alloc(int(max(n, 1)))
	if err != nil {
		return 0, err
	}
	g.sizes[p] = n
	g.used += n
	return p, nil
}

func (g *emuGPU) memFree(p driver.DevicePtr) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	n, ok := g.sizes[p]
	if !ok {
		return fmt.Errorf("emulated cuMemFree(%#x): %w", p, driver.ErrInvalidValue)
	}
	delete(g.sizes, p)
	g.used -= n
	return g.m.Free(p)
}

func (g *emuGPU) memInfo() (uint64, uint64, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.capacity - g.used, g.capacity, nil
}

// emuHost is Go memory standing in for pinned memory.
type emuHost struct{ b []byte }

func (h *emuHost) Bytes() []byte { return h.b }
func (h *emuHost) Free() error   { h.b = nil; return nil }

func (g *emuGPU) hostAlloc(n int) (hostMem, error) { return &emuHost{b: make([]byte, n)}, nil }

func (g *emuGPU) id() uintptr {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.nextID++
	return g.nextID
}

func (g *emuGPU) newStream() (driver.Stream, error)     { return driver.Stream(g.id()), nil }
func (g *emuGPU) destroyStream(driver.Stream) error     { return nil }
func (g *emuGPU) newEvent() (driver.Event, error)       { return driver.Event(g.id()), nil }
func (g *emuGPU) newTimingEvent() (driver.Event, error) { return driver.Event(g.id()), nil }

// recordEvent notes the time of timing events: the emulator runs every
// kernel before its launch returns, so that is when the work before the
// event finished.
func (g *emuGPU) recordEvent(e driver.Event, _ driver.Stream) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.marks == nil {
		g.marks = map[driver.Event]time.Time{}
	}
	g.marks[e] = time.Now()
	return nil
}

func (g *emuGPU) elapsed(start, end driver.Event) (time.Duration, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	a, ok1 := g.marks[start]
	b, ok2 := g.marks[end]
	if !ok1 || !ok2 {
		return 0, fmt.Errorf("emulated events %d and %d: not both recorded", start, end)
	}
	return b.Sub(a), nil
}
func (g *emuGPU) eventDone(driver.Event) (bool, error) { return true, nil }
func (g *emuGPU) waitEvent(driver.Event) error         { return nil }
func (g *emuGPU) destroyEvent(e driver.Event) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.marks, e)
	return nil
}
func (g *emuGPU) streamWait(driver.Stream, driver.Event) error { return nil }
func (g *emuGPU) syncStream(driver.Stream) error               { return nil }
func (g *emuGPU) syncDevice() error                            { return nil }
func (g *emuGPU) describe() string                             { return "kernel emulator (g++), host GEMM" }
func (g *emuGPU) close() error                                 { return nil }
func (g *emuGPU) copyDtoD(dst, src driver.DevicePtr, n uint64, _ driver.Stream) error {
	if n == 0 {
		return nil
	}
	b := make([]byte, n)
	if err := g.m.Read(src, b); err != nil {
		return err
	}
	return g.m.Write(dst, b)
}

func (g *emuGPU) copyHtoD(dst driver.DevicePtr, src hostMem, off, n int, _ driver.Stream) error {
	if n == 0 {
		return nil
	}
	return g.m.Write(dst, src.Bytes()[off:off+n])
}

func (g *emuGPU) copyDtoH(dst hostMem, off int, src driver.DevicePtr, n int, _ driver.Stream) error {
	if n == 0 {
		return nil
	}
	return g.m.Read(src, dst.Bytes()[off:off+n])
}

func (g *emuGPU) memset(dst driver.DevicePtr, v byte, n uint64, _ driver.Stream) error {
	if n == 0 {
		return nil
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = v
	}
	return g.m.Write(dst, b)
}

// function hands out one id per name expression; launch maps it back.
func (g *emuGPU) function(k kernels.Kernel) (driver.Function, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if f, ok := g.fnIndex[k.Expr]; ok {
		return f, nil
	}
	g.exprs = append(g.exprs, k.Expr)
	f := driver.Function(len(g.exprs))
	g.fnIndex[k.Expr] = f
	return f, nil
}

func (g *emuGPU) launch(f driver.Function, l kernels.Launch, shared uint32, _ driver.Stream, a *driver.Args) error {
	g.mu.Lock()
	if f == 0 || int(f) > len(g.exprs) {
		g.mu.Unlock()
		return fmt.Errorf("emulated launch of unknown function %d", f)
	}
	expr := g.exprs[f-1]
	g.launches++
	g.mu.Unlock()
	if err := a.Err(); err != nil {
		return err
	}
	return g.m.Launch(expr, l.Grid, l.Block, a.Bytes())
}

// gemm reads the operands' spans, multiplies on the host and writes C back.
func (g *emuGPU) gemm(m blas.Gemm, alpha, beta float64, a, b, c, bias driver.DevicePtr, _ driver.Stream) error {
	if m.M <= 0 || m.N <= 0 || m.K < 0 {
		return fmt.Errorf("emulated GEMM: bad size M=%d N=%d K=%d", m.M, m.N, m.K)
	}
	if bias != 0 && (max(m.Batch, 1) != 1 || alpha != 1 || beta != 0) {
		return errNoFusedBias
	}
	ops := gemmOperands(m)
	var bufs [3][]byte
	for i, p := range []driver.DevicePtr{a, b, c} {
		n, err := ops[i].span()
		if err != nil {
			return err
		}
		bufs[i] = make([]byte, n*int64(ops[i].t.Size()))
		if len(bufs[i]) > 0 {
			if err := g.m.Read(p, bufs[i]); err != nil {
				return err
			}
		}
	}
	var bb []byte
	if bias != 0 {
		bb = make([]byte, m.N*m.CType.Size())
		if err := g.m.Read(bias, bb); err != nil {
			return err
		}
	}
	hostGemm(m, alpha, beta, bufs[0], bufs[1], bufs[2], bb)
	return g.m.Write(c, bufs[2])
}
