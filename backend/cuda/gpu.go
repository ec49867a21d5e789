package cuda

import (
	"time"

	"github.com/emberdl/ember/backend/cuda/blas"
	"github.com/emberdl/ember/backend/cuda/driver"
	"github.com/emberdl/ember/backend/cuda/kernels"
)

// gpu is the device layer under the backend's ops: one call per driver
// operation, nothing more. driverGPU implements it with libcuda and cuBLAS;
// emuGPU with the kernel emulator (EMBER_CUDA_EMULATOR=1), which is also how
// the tests run every op without a GPU. Everything above this interface
// (streams and their ordering, staging, the allocator, kernel dispatch) is
// shared by both.
//
// Calls that touch device state must run between bind and unbind.
type gpu interface {
	// bind locks the calling goroutine to its OS thread and makes the
	// device's context current there; unbind undoes one bind. Binds nest.
	bind() error
	unbind()
	// properties describes the device.
	properties() driver.Properties

	memAlloc(n uint64) (driver.DevicePtr, error)
	memFree(p driver.DevicePtr) error
	memInfo() (free, total uint64, err error)
	// hostAlloc returns n bytes of page-locked host memory.
	hostAlloc(n int) (hostMem, error)

	newStream() (driver.Stream, error)
	destroyStream(s driver.Stream) error
	newEvent() (driver.Event, error)
	// newTimingEvent returns an event that records when the work before
	// it finished, for elapsed.
	newTimingEvent() (driver.Event, error)
	// elapsed is the device time between two finished timing events.
	elapsed(start, end driver.Event) (time.Duration, error)
	recordEvent(e driver.Event, s driver.Stream) error
	// eventDone reports whether the work before e has finished.
	eventDone(e driver.Event) (bool, error)
	// waitEvent blocks the host until the work before e has finished.
	waitEvent(e driver.Event) error
	destroyEvent(e driver.Event) error
	// streamWait makes later work on s wait for e.
	streamWait(s driver.Stream, e driver.Event) error
	syncStream(s driver.Stream) error
	syncDevice() error

	// Asynchronous copies and memset, ordered on s. Host memory must come
	// from hostAlloc.
	copyHtoD(dst driver.DevicePtr, src hostMem, off, n int, s driver.Stream) error
	copyDtoH(dst hostMem, off int, src driver.DevicePtr, n int, s driver.Stream) error
	copyDtoD(dst, src driver.DevicePtr, n uint64, s driver.Stream) error
	memset(dst driver.DevicePtr, v byte, n uint64, s driver.Stream) error

	// function returns the kernel k, loading its module on first use.
	function(k kernels.Kernel) (driver.Function, error)
	launch(f driver.Function, l kernels.Launch, shared uint32, s driver.Stream, a *driver.Args) error

	// gemm runs a row-major GEMM (see blas.Gemm) on s. A nonzero bias
	// adds a vector of g.N elements of C's type to every row of C (alpha 1,
	// beta 0, one product); a device that cannot fuse it returns
	// errNoFusedBias having queued nothing.
	gemm(g blas.Gemm, alpha, beta float64, a, b, c, bias driver.DevicePtr, s driver.Stream) error

	// describe says how kernels and GEMMs run, for Backend.Info.
	describe() string
	close() error
}

// hostMem is page-locked host memory that asynchronous copies may use.
type hostMem interface {
	// Bytes returns the memory as a Go slice (valid until Free).
	Bytes() []byte
	Free() error
}
