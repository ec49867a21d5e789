package cuda

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cpu"
	"github.com/emberdl/ember/backend/cuda/alloc"
	"github.com/emberdl/ember/backend/cuda/driver"
)

// Backend is one CUDA device as an Ember backend (backend.Backend). All
// its work is queued on one compute stream; host-to-device copies run on
// their own stream, device-to-host copies on a third, ordered with the
// compute stream by events. Methods may be called from any goroutine; each
// binds the device's primary context to its OS thread for its duration.
// See README.md for which calls wait for the GPU.
type Backend struct {
	index int
	key   deviceKey // its entry in devices
	prof  profiler
	idx   indexFlags
	name  string
	g     gpu
	props driver.Properties

	compute, h2d, d2h driver.Stream
	alloc             *alloc.Allocator
	up, down          *stager
	maxBlocks         int          // grid size cap of grid-stride kernels
	host              *cpu.Backend // runs the host fallbacks
	args              sync.Pool    // *driver.Args

	fallbackMu sync.Mutex
	fallbacks  map[string]int
}

var _ backend.Backend = (*Backend)(nil)

var (
	devicesMu sync.Mutex
	devices   = map[deviceKey]*Backend{}
)

// deviceKey names an opened device: its ordinal, and whether it is the
// kernel emulator (EMBER_CUDA_EMULATOR=1 when it was opened), so that a
// process that opened the real device 0 still gets the emulator when it
// asks for it, and the other way round.
type deviceKey struct {
	index    int
	emulated bool
}

// Open returns the backend of CUDA device index (0-based), initialising it
// on first use: libcuda is found and initialised, the device's primary
// context retained, three non-blocking streams created, cuBLAS loaded with
// its workspace, and the kernel sources chosen (NVRTC for the device's
// exact architecture when it loads, else the prebuilt PTX). Later calls
// return the same backend. On failure the error says what is missing: the
// driver, a device, a library (with every path tried) or a version.
//
// With EMBER_CUDA_EMULATOR=1, device 0 is the kernel emulator instead (see
// EmulatorEnv).
func Open(index int) (backend.Backend, error) {
	b, err := OpenDevice(index)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// OpenDevice is Open returning the concrete type, for the methods beyond
// backend.Backend (memory statistics, the cache, fallback counts).
func OpenDevice(index int) (*Backend, error) {
	devicesMu.Lock()
	defer devicesMu.Unlock()
	key := deviceKey{index, os.Getenv(EmulatorEnv) == "1"}
	if b, ok := devices[key]; ok {
		return b, nil
	}
	var g gpu
	maxBlocks := 0
	if key.emulated {
		if index != 0 {
			return nil, fmt.Errorf("cuda: %s=1 emulates device 0 only, not %d", EmulatorEnv, index)
		}
		m, err := sharedEmulator()
		if err != nil {
			return nil, fmt.Errorf("cuda: %s=1: %w", EmulatorEnv, err)
		}
		g, maxBlocks = newEmuGPU(m, emuCapacity), 2
	} else {
		dg, err := openDriverGPU(index)
		if err != nil {
			return nil, fmt.Errorf("cuda: %w", err)
		}
		g, maxBlocks = dg, 8*max(dg.props.Multiprocessors, 1)
	}
	b, err := newBackend(g, index, maxBlocks)
	if err != nil {
		g.close()
		return nil, fmt.Errorf("cuda: device %d: %w", index, err)
	}
	b.key = key
	devices[key] = b
	return b, nil
}

// newBackend sets up streams, the allocator and staging on g.
func newBackend(g gpu, index, maxBlocks int) (*Backend, error) {
	b := &Backend{index: index, name: fmt.Sprintf("cuda:%d", index), g: g, props: g.properties(),
		maxBlocks: max(maxBlocks, 1), host: cpu.New(), fallbacks: map[string]int{}}
	b.args.New = func() any { return driver.NewArgs() }
	if err := g.bind(); err != nil {
		return nil, err
	}
	defer g.unbind()
	var streams []driver.Stream
	for _, dst := range []*driver.Stream{&b.compute, &b.h2d, &b.d2h} {
		s, err := g.newStream()
		if err != nil {
			for _, s := range streams {
				g.destroyStream(s)
			}
			return nil, fmt.Errorf("creating a stream: %w", err)
		}
		*dst = s
		streams = append(streams, s)
	}
	b.alloc = alloc.New(allocDevice{g}, alloc.Options{OnOOM: collectGarbage,
		OnCollect: collectGarbage, CollectAbove: b.props.TotalMem / 4 * 3, CollectAfter: collectAfter(b.props.TotalMem),
		CollectPaced: true})
	b.up = newStager(g, b.h2d, b.compute, stageChunk)
	b.down = newStager(g, b.d2h, b.compute, stageChunk)
	return b, nil
}

// Name returns "cuda:N".
func (b *Backend) Name() string { return b.name }

// SupportsMath reports true for every dtype: the kernels compute on
// bfloat16 and float16 directly (in float32 registers), and matmuls use
// their tensor cores.
func (b *Backend) SupportsMath(d backend.DType) bool { return d.Valid() }

// Synchronize waits until all work queued on the device has finished, and
// panics with an *OpError if any of it failed.
func (b *Backend) Synchronize() {
	b.bind("Synchronize")
	defer b.g.unbind()
	b.check("Synchronize", b.g.syncDevice())
	b.checkIndexErrors("Synchronize")
}

// Properties describes the device.
func (b *Backend) Properties() driver.Properties { return b.props }

// MemoryStats returns the caching allocator's counters.
func (b *Backend) MemoryStats() alloc.Stats { return b.alloc.Stats() }

// DeviceMemoryStats returns the allocator's main counters in the form
// ember.MemoryStats reports them.
func (b *Backend) DeviceMemoryStats() backend.MemoryStats {
	s := b.alloc.Stats()
	return backend.MemoryStats{Allocated: s.Allocated, Reserved: s.Reserved, PeakAllocated: s.PeakAllocated,
		PeakReserved: s.PeakReserved, Allocs: s.Allocs, CacheHits: s.CacheHits, Collections: s.Collections, OOMHooks: s.OOMHooks}
}

// EmptyCache returns the allocator's unused cached memory to the driver
// (like torch.cuda.empty_cache).
func (b *Backend) EmptyCache() error { return b.alloc.EmptyCache() }

// Info describes how the backend runs: the device, where kernels come
// from, and the ops that went to the host fallback so far.
func (b *Backend) Info() string {
	var s strings.Builder
	fmt.Fprintf(&s, "%s: %s, sm_%d%d, %d SMs; %s", b.name, b.props.Name, b.props.Major, b.props.Minor,
		b.props.Multiprocessors, b.g.describe())
	if fb := b.Fallbacks(); len(fb) > 0 {
		ops := make([]string, 0, len(fb))
		for op, n := range fb {
			ops = append(ops, fmt.Sprintf("%s×%d", op, n))
		}
		sort.Strings(ops)
		fmt.Fprintf(&s, "; host fallbacks: %s", strings.Join(ops, ", "))
	}
	return s.String()
}

// Fallbacks returns how many times each op ran through the host fallback
// (copy to the CPU, run the CPU backend, copy back) since the backend
// opened; see README.md for which ops and cases use it.
func (b *Backend) Fallbacks() map[string]int {
	b.fallbackMu.Lock()
	defer b.fallbackMu.Unlock()
	out := make(map[string]int, len(b.fallbacks))
	for k, v := range b.fallbacks {
		out[k] = v
	}
	return out
}

// Close waits for the device, releases the staging memory, the streams,
// the allocator's cache and the context. Buffers of the backend must not
// be used afterwards. Open then initialises the device again.
func (b *Backend) Close() error {
	devicesMu.Lock()
	if devices[b.key] == b {
		delete(devices, b.key)
	}
	devicesMu.Unlock()
	if err := b.g.bind(); err != nil {
		return err
	}
	errs := []error{b.g.syncDevice()}
	b.up.close()
	b.down.close()
	errs = append(errs, b.alloc.EmptyCache())
	for _, s := range []driver.Stream{b.compute, b.h2d, b.d2h} {
		errs = append(errs, b.g.destroyStream(s))
	}
	b.g.unbind()
	errs = append(errs, b.g.close())
	return errors.Join(errs...)
}

// bind binds the device for one method; pair it with b.g.unbind().
func (b *Backend) bind(op string) { b.check(op, b.g.bind()) }
