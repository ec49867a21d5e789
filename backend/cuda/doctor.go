// Package cuda is Ember's CUDA backend: Open returns a backend.Backend for
// an NVIDIA GPU, built without cgo on the binding layer in the subpackages
// (driver for libcuda, nvrtc, blas for cuBLAS and cuBLASLt, kernels and jit
// for Ember's CUDA C, alloc for the caching allocator).
//
// Ops are queued on one compute stream and return at once; host transfers
// go through pinned staging buffers on their own streams; only ToHost,
// Synchronize and Nonzero wait for the GPU (README.md has the rules).
// Device memory is returned by Free or by a cleanup when a buffer becomes
// unreachable. Device failures panic with *OpError. SetAllowTF32 switches
// float32 matmuls to TF32 tensor cores.
//
// Doctor is the report behind `ember info`: which NVIDIA libraries were
// found (or every place that was searched, and why each failed), the driver
// version, and the devices.
//
// With EMBER_CUDA_EMULATOR=1, device 0 is the kernel emulator: the whole
// backend runs, kernels on the CPU, so that code using CUDA can be tested
// on machines without a GPU.
package cuda

import (
	"errors"
	"fmt"
	"strings"

	"github.com/emberdl/ember/backend/cuda/blas"
	"github.com/emberdl/ember/backend/cuda/driver"
	"github.com/emberdl/ember/backend/cuda/internal/dl"
	"github.com/emberdl/ember/backend/cuda/jit"
	"github.com/emberdl/ember/backend/cuda/nvrtc"
)

// Report is what Doctor found.
type Report struct {
	// Available says whether the CUDA backend can run: libcuda loads, the
	// driver initialises and there is at least one device.
	Available bool
	// Reason explains why not, when Available is false.
	Reason string

	Driver        Library
	DriverVersion string // CUDA version the driver supports, such as "12.2"
	Devices       []Device

	NVRTC        Library
	NVRTCVersion string
	NVRTCArchs   []int // SM versions NVRTC compiles for

	CUBLASLt, CUBLAS Library
	CUBLASVersion    string
}

// Library is the search for one shared library.
type Library struct {
	Name string
	// Path is the file loaded, "" if none.
	Path string
	// Err says why the library is unusable ("" when it loaded).
	Err string
	// Attempts lists every place tried, in order.
	Attempts []Attempt
}

// Attempt is one place a library was looked for.
type Attempt struct {
	Path, Source string
	// Err is why it failed, "" for the one that loaded.
	Err string
}

// Device describes one GPU.
type Device struct {
	Ordinal int
	driver.Properties
	// Target is how kernels would be compiled for it (such as "sm_90"),
	// "" without NVRTC.
	Target string
	// Err is set when the device could not be queried.
	Err string
}

// Doctor inspects the machine. It never panics and works without a GPU;
// results of library loading are cached for the process, as the rest of
// the backend sees them.
func Doctor() Report {
	var r Report
	r.Driver = library(dl.Driver.Name, driver.Library(), driver.Load())
	r.NVRTC = library(dl.NVRTC.Name, nvrtc.Library(), nvrtc.Load())
	if r.NVRTC.Err == "" {
		if ma, mi, err := nvrtc.Version(); err == nil {
			r.NVRTCVersion = fmt.Sprintf("%d.%d", ma, mi)
		}
		r.NVRTCArchs, _ = nvrtc.SupportedArchs()
	}
	cb, lt := blas.Libraries()
	berr := blas.Load()
	r.CUBLASLt = library(dl.CUBLASLt.Name, lt, berr)
	r.CUBLAS = library(dl.CUBLAS.Name, cb, berr)
	if berr == nil {
		v, _ := blas.LoadedVersion()
		r.CUBLASVersion = v.String()
	} else if nf := (*dl.NotFoundError)(nil); errors.As(berr, &nf) && nf.Report.Library == dl.CUBLASLt.Name {
		r.CUBLAS.Err = "not searched: libcublasLt is missing"
		r.CUBLAS.Attempts = nil
	}

	if r.Driver.Err != "" {
		r.Reason = "libcuda.so.1 (the NVIDIA driver) could not be loaded"
		return r
	}
	if v, err := driver.Version(); err == nil {
		r.DriverVersion = driver.VersionString(v)
	}
	if err := driver.Init(); err != nil {
		r.Reason = "the driver did not initialise: " + err.Error()
		return r
	}
	n, err := driver.DeviceCount()
	if err != nil || n == 0 {
		r.Reason = "the driver reports no CUDA device"
		if err != nil {
			r.Reason += ": " + err.Error()
		}
		return r
	}
	for i := 0; i < n; i++ {
		r.Devices = append(r.Devices, device(i, r.NVRTCArchs))
	}
	r.Available = true
	return r
}

func device(i int, archs []int) Device {
	d := Device{Ordinal: i}
	dev, err := driver.GetDevice(i)
	if err == nil {
		d.Properties, err = dev.Properties()
	}
	if err != nil {
		d.Err = err.Error()
		return d
	}
	if len(archs) > 0 {
		if t, err := jit.ChooseTarget(d.Major*10+d.Minor, archs); err == nil {
			d.Target = t.String()
		}
	}
	return d
}

// library turns a search result into its report.
func library(name string, lib *dl.Library, err error) Library {
	out := Library{Name: name}
	var rep dl.Report
	switch {
	case err == nil && lib != nil:
		out.Path = lib.Path
		rep = lib.Report
	case err != nil:
		out.Err = err.Error()
		var nf *dl.NotFoundError
		if errors.As(err, &nf) && nf.Report.Library == name {
			rep = nf.Report
		} else if lib != nil {
			rep = lib.Report
		}
	}
	for _, a := range rep.Attempts {
		out.Attempts = append(out.Attempts, Attempt{Path: a.Path, Source: a.Source, Err: a.Err})
	}
	return out
}

// String formats the report for people: a summary, then each library with
// its search when it was not found.
func (r Report) String() string {
	var b strings.Builder
	if r.Available {
		fmt.Fprintf(&b, "CUDA: available, driver supports CUDA %s, %d device(s)\n", r.DriverVersion, len(r.Devices))
	} else {
		fmt.Fprintf(&b, "CUDA: unavailable: %s\n", r.Reason)
	}
	for _, d := range r.Devices {
		if d.Err != "" {
			fmt.Fprintf(&b, "  device %d: %s\n", d.Ordinal, d.Err)
			continue
		}
		fmt.Fprintf(&b, "  device %d: %s, sm_%d%d, %d SMs, %.1f GiB, PCI %s", d.Ordinal, d.Name, d.Major, d.Minor,
			d.Multiprocessors, float64(d.TotalMem)/(1<<30), d.PCIBusID)
		if d.Target != "" {
			fmt.Fprintf(&b, ", kernels as %s", d.Target)
		}
		b.WriteString("\n")
	}
	for _, l := range []struct {
		lib     Library
		version string
	}{{r.Driver, r.DriverVersion}, {r.NVRTC, r.NVRTCVersion}, {r.CUBLASLt, ""}, {r.CUBLAS, r.CUBLASVersion}} {
		writeLibrary(&b, l.lib, l.version)
	}
	return b.String()
}

func writeLibrary(b *strings.Builder, l Library, version string) {
	if l.Err == "" {
		fmt.Fprintf(b, "%s: %s", l.Name, l.Path)
		if version != "" {
			fmt.Fprintf(b, " (%s)", version)
		}
		b.WriteString("\n")
		return
	}
	fmt.Fprintf(b, "%s: not available: %s\n", l.Name, firstLine(l.Err))
	for _, a := range l.Attempts {
		fmt.Fprintf(b, "    %-16s %s: %s\n", a.Source, a.Path, a.Err)
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
