package ember

import (
	"errors"
	"fmt"
	"io"

	"github.com/emberdl/ember/backend"
)

// cacheEmptier is implemented by backends that keep freed memory for reuse
// (the CPU's buffer pool, the CUDA caching allocator).
type cacheEmptier interface{ EmptyCache() error }

// EmptyCache returns the memory that the CPU's buffer pool and the opened
// GPUs' caching allocators keep for reuse to the system, after collecting
// the tensors that became unreachable (torch.cuda.empty_cache, for every
// device). Live tensors are untouched. Call it between phases whose tensors
// differ in size, such as training and evaluation in large batches, to keep
// the peak memory near the larger of the two instead of their sum; it costs
// a garbage collection or two.
func EmptyCache() error {
	backendsMu.Lock()
	bes := []any{cpuBackend}
	for _, b := range opened {
		bes = append(bes, b)
	}
	backendsMu.Unlock()
	var errs []error
	for _, b := range bes {
		if e, ok := b.(cacheEmptier); ok {
			errs = append(errs, e.EmptyCache())
		}
	}
	return errors.Join(errs...)
}

// memoryStatser is implemented by backends with a caching device allocator
// (CUDA's).
type memoryStatser interface{ DeviceMemoryStats() backend.MemoryStats }

// MemoryStats returns the counters of device d's caching allocator
// (torch.cuda.memory_stats): memory in use and held, their peaks, how many
// allocations the cache served, and how often the allocator had to run the
// garbage collector to reclaim dropped tensors. ok is false for a device
// without such an allocator (the CPU) or not opened yet.
func MemoryStats(d Device) (stats backend.MemoryStats, ok bool) {
	backendsMu.Lock()
	b := opened[d]
	backendsMu.Unlock()
	if m, isM := b.(memoryStatser); isM {
		return m.DeviceMemoryStats(), true
	}
	return stats, false
}

// deviceProfiler is implemented by backends that can time their work on
// the device (CUDA's).
type deviceProfiler interface {
	SetProfiling(on bool)
	Profiling() bool
	ResetProfile()
	WriteProfile(w io.Writer) error
}

// SetDeviceProfiling turns on (or off) a profile of the device time that
// d's work takes, by kernel, GEMM shape and copy (what a first look with
// NVIDIA's Nsight Systems would give); WriteDeviceProfile prints it. The
// CPU has none: its work shows in Go's own profiler (pprof).
func SetDeviceProfiling(d Device, on bool) error {
	p, err := deviceProfilerOf(d)
	if err != nil {
		return err
	}
	p.SetProfiling(on)
	return nil
}

// deviceProfilerOf returns d's backend as a deviceProfiler, or an error
// saying it has none.
func deviceProfilerOf(d Device) (deviceProfiler, error) {
	b, err := lookupBackend(d)
	if err != nil {
		return nil, err
	}
	p, ok := b.(deviceProfiler)
	if !ok {
		return nil, fmt.Errorf("ember: %s has no device profile (use pprof for the CPU)", d)
	}
	return p, nil
}

// DeviceProfiling reports whether d's device-time profile is on.
func DeviceProfiling(d Device) bool {
	p, err := deviceProfilerOf(d)
	return err == nil && p.Profiling()
}

// ResetDeviceProfile waits for device d and clears its profile, so that
// what follows (the timed steps after a warm-up, say) is profiled alone.
func ResetDeviceProfile(d Device) error {
	p, err := deviceProfilerOf(d)
	if err != nil {
		return err
	}
	p.ResetProfile()
	return nil
}

// WriteDeviceProfile waits for device d and writes its profile (see
// SetDeviceProfiling) as a table to w, the most time first.
func WriteDeviceProfile(w io.Writer, d Device) error {
	p, err := deviceProfilerOf(d)
	if err != nil {
		return err
	}
	return p.WriteProfile(w)
}
