package driver

import (
	"errors"
	"fmt"
	"unsafe"
)

// Result is a CUresult, the status code every driver call returns. It is an
// error, so errors.Is(err, driver.ErrOutOfMemory) works on any error this
// package returns.
type Result int32

// The driver status codes Ember handles by name. The full table of names is
// in [Result.Name].
const (
	Success                 Result = 0
	ErrInvalidValue         Result = 1
	ErrOutOfMemory          Result = 2
	ErrNotInitialized       Result = 3
	ErrStubLibrary          Result = 34
	ErrNoDevice             Result = 100
	ErrInvalidDevice        Result = 101
	ErrInvalidImage         Result = 200
	ErrInvalidContext       Result = 201
	ErrNoBinaryForGPU       Result = 209
	ErrInvalidPTX           Result = 218
	ErrUnsupportedPTX       Result = 222
	ErrInvalidHandle        Result = 400
	ErrNotFound             Result = 500
	ErrNotReady             Result = 600
	ErrIllegalAddress       Result = 700
	ErrLaunchOutOfResources Result = 701
	ErrLaunchFailed         Result = 719
	ErrNotSupported         Result = 801
	ErrSystemDriverMismatch Result = 803
	ErrUnknown              Result = 999
)

// resultInfo is the fallback table of names and messages, used when libcuda
// cannot be asked (not loaded, or a code older drivers do not know).
var resultInfo = map[Result]struct{ name, msg string }{
	0:   {"CUDA_SUCCESS", "no error"},
	1:   {"CUDA_ERROR_INVALID_VALUE", "invalid argument"},
	2:   {"CUDA_ERROR_OUT_OF_MEMORY", "out of device memory"},
	3:   {"CUDA_ERROR_NOT_INITIALIZED", "the driver has not been initialised"},
	4:   {"CUDA_ERROR_DEINITIALIZED", "the driver is shutting down"},
	5:   {"CUDA_ERROR_PROFILER_DISABLED", "profiler disabled"},
	6:   {"CUDA_ERROR_PROFILER_NOT_INITIALIZED", "profiler not initialised"},
	7:   {"CUDA_ERROR_PROFILER_ALREADY_STARTED", "profiler already started"},
	8:   {"CUDA_ERROR_PROFILER_ALREADY_STOPPED", "profiler already stopped"},
	34:  {"CUDA_ERROR_STUB_LIBRARY", "libcuda is the toolkit's stub, not the real driver"},
	46:  {"CUDA_ERROR_DEVICE_UNAVAILABLE", "the device is busy or unavailable"},
	100: {"CUDA_ERROR_NO_DEVICE", "no CUDA-capable device is detected"},
	101: {"CUDA_ERROR_INVALID_DEVICE", "invalid device ordinal"},
	102: {"CUDA_ERROR_DEVICE_NOT_LICENSED", "device not licensed for compute"},
	200: {"CUDA_ERROR_INVALID_IMAGE", "invalid kernel image"},
	201: {"CUDA_ERROR_INVALID_CONTEXT", "invalid or missing current context"},
	202: {"CUDA_ERROR_CONTEXT_ALREADY_CURRENT", "context already current"},
	205: {"CUDA_ERROR_MAP_FAILED", "mapping failed"},
	206: {"CUDA_ERROR_UNMAP_FAILED", "unmapping failed"},
	207: {"CUDA_ERROR_ARRAY_IS_MAPPED", "array is mapped"},
	208: {"CUDA_ERROR_ALREADY_MAPPED", "resource already mapped"},
	209: {"CUDA_ERROR_NO_BINARY_FOR_GPU", "no kernel image for this GPU"},
	210: {"CUDA_ERROR_ALREADY_ACQUIRED", "resource already acquired"},
	211: {"CUDA_ERROR_NOT_MAPPED", "resource not mapped"},
	212: {"CUDA_ERROR_NOT_MAPPED_AS_ARRAY", "resource not mapped as array"},
	213: {"CUDA_ERROR_NOT_MAPPED_AS_POINTER", "resource not mapped as pointer"},
	214: {"CUDA_ERROR_ECC_UNCORRECTABLE", "uncorrectable ECC error"},
	215: {"CUDA_ERROR_UNSUPPORTED_LIMIT", "limit not supported by the device"},
	216: {"CUDA_ERROR_CONTEXT_ALREADY_IN_USE", "context already in use by another thread"},
	217: {"CUDA_ERROR_PEER_ACCESS_UNSUPPORTED", "peer access not supported"},
	218: {"CUDA_ERROR_INVALID_PTX", "PTX failed to compile"},
	219: {"CUDA_ERROR_INVALID_GRAPHICS_CONTEXT", "invalid graphics context"},
	220: {"CUDA_ERROR_NVLINK_UNCORRECTABLE", "uncorrectable NVLink error"},
	221: {"CUDA_ERROR_JIT_COMPILER_NOT_FOUND", "the PTX JIT compiler library is missing"},
	222: {"CUDA_ERROR_UNSUPPORTED_PTX_VERSION", "PTX is newer than this driver supports"},
	223: {"CUDA_ERROR_JIT_COMPILATION_DISABLED", "PTX JIT compilation is disabled"},
	224: {"CUDA_ERROR_UNSUPPORTED_EXEC_AFFINITY", "execution affinity not supported"},
	225: {"CUDA_ERROR_UNSUPPORTED_DEVSIDE_SYNC", "device-side synchronisation not supported"},
	300: {"CUDA_ERROR_INVALID_SOURCE", "invalid source"},
	301: {"CUDA_ERROR_FILE_NOT_FOUND", "file not found"},
	302: {"CUDA_ERROR_SHARED_OBJECT_SYMBOL_NOT_FOUND", "shared object symbol not found"},
	303: {"CUDA_ERROR_SHARED_OBJECT_INIT_FAILED", "shared object initialisation failed"},
	304: {"CUDA_ERROR_OPERATING_SYSTEM", "an operating system call failed"},
	400: {"CUDA_ERROR_INVALID_HANDLE", "invalid resource handle"},
	401: {"CUDA_ERROR_ILLEGAL_STATE", "the resource is in an illegal state"},
	402: {"CUDA_ERROR_LOSSY_QUERY", "the query would lose information"},
	500: {"CUDA_ERROR_NOT_FOUND", "named symbol not found"},
	600: {"CUDA_ERROR_NOT_READY", "work not yet complete"},
	700: {"CUDA_ERROR_ILLEGAL_ADDRESS", "a kernel accessed an illegal address"},
	701: {"CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES", "too many resources requested for launch"},
	702: {"CUDA_ERROR_LAUNCH_TIMEOUT", "the launch timed out"},
	703: {"CUDA_ERROR_LAUNCH_INCOMPATIBLE_TEXTURING", "incompatible texturing in launch"},
	704: {"CUDA_ERROR_PEER_ACCESS_ALREADY_ENABLED", "peer access already enabled"},
	705: {"CUDA_ERROR_PEER_ACCESS_NOT_ENABLED", "peer access not enabled"},
	708: {"CUDA_ERROR_PRIMARY_CONTEXT_ACTIVE", "primary context already active"},
	709: {"CUDA_ERROR_CONTEXT_IS_DESTROYED", "context destroyed"},
	710: {"CUDA_ERROR_ASSERT", "device-side assert triggered"},
	711: {"CUDA_ERROR_TOO_MANY_PEERS", "too many peers"},
	712: {"CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED", "host memory already registered"},
	713: {"CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED", "host memory not registered"},
	714: {"CUDA_ERROR_HARDWARE_STACK_ERROR", "hardware stack error"},
	715: {"CUDA_ERROR_ILLEGAL_INSTRUCTION", "illegal instruction"},
	716: {"CUDA_ERROR_MISALIGNED_ADDRESS", "misaligned address"},
	717: {"CUDA_ERROR_INVALID_ADDRESS_SPACE", "invalid address space"},
	718: {"CUDA_ERROR_INVALID_PC", "invalid program counter"},
	719: {"CUDA_ERROR_LAUNCH_FAILED", "unspecified launch failure"},
	720: {"CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE", "cooperative launch too large"},
	800: {"CUDA_ERROR_NOT_PERMITTED", "operation not permitted"},
	801: {"CUDA_ERROR_NOT_SUPPORTED", "operation not supported"},
	802: {"CUDA_ERROR_SYSTEM_NOT_READY", "system not ready"},
	803: {"CUDA_ERROR_SYSTEM_DRIVER_MISMATCH", "driver and kernel module versions differ"},
	804: {"CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE", "forward compatibility not supported on this device"},
	805: {"CUDA_ERROR_MPS_CONNECTION_FAILED", "MPS connection failed"},
	806: {"CUDA_ERROR_MPS_RPC_FAILURE", "MPS RPC failure"},
	807: {"CUDA_ERROR_MPS_SERVER_NOT_READY", "MPS server not ready"},
	808: {"CUDA_ERROR_MPS_MAX_CLIENTS_REACHED", "MPS client limit reached"},
	809: {"CUDA_ERROR_MPS_MAX_CONNECTIONS_REACHED", "MPS connection limit reached"},
	810: {"CUDA_ERROR_MPS_CLIENT_TERMINATED", "MPS client terminated"},
	811: {"CUDA_ERROR_CDP_NOT_SUPPORTED", "dynamic parallelism not supported"},
	812: {"CUDA_ERROR_CDP_VERSION_MISMATCH", "dynamic parallelism version mismatch"},
	900: {"CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED", "operation not permitted while capturing"},
	901: {"CUDA_ERROR_STREAM_CAPTURE_INVALIDATED", "stream capture invalidated"},
	902: {"CUDA_ERROR_STREAM_CAPTURE_MERGE", "stream capture merge"},
	903: {"CUDA_ERROR_STREAM_CAPTURE_UNMATCHED", "stream capture unmatched"},
	904: {"CUDA_ERROR_STREAM_CAPTURE_UNJOINED", "stream capture unjoined"},
	905: {"CUDA_ERROR_STREAM_CAPTURE_ISOLATION", "stream capture isolation"},
	906: {"CUDA_ERROR_STREAM_CAPTURE_IMPLICIT", "implicit stream in capture"},
	907: {"CUDA_ERROR_CAPTURED_EVENT", "operation not permitted on a captured event"},
	908: {"CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD", "stream capture ended on another thread"},
	909: {"CUDA_ERROR_TIMEOUT", "timeout"},
	910: {"CUDA_ERROR_GRAPH_EXEC_UPDATE_FAILURE", "graph update failed"},
	911: {"CUDA_ERROR_EXTERNAL_DEVICE", "error in an external device"},
	912: {"CUDA_ERROR_INVALID_CLUSTER_SIZE", "invalid cluster size"},
	999: {"CUDA_ERROR_UNKNOWN", "unknown error"},
}

// Name returns the CUDA_ERROR_* name of r, asking libcuda when it is loaded
// and falling back to Ember's table.
func (r Result) Name() string {
	if s, ok := r.fromDriver(symGetErrorName); ok {
		return s
	}
	if info, ok := resultInfo[r]; ok {
		return info.name
	}
	return fmt.Sprintf("CUresult(%d)", int32(r))
}

// Message returns a short description of r.
func (r Result) Message() string {
	if s, ok := r.fromDriver(symGetErrorString); ok {
		return s
	}
	if info, ok := resultInfo[r]; ok {
		return info.msg
	}
	return "unrecognised CUDA error code"
}

// Error formats r as "CUDA_ERROR_OUT_OF_MEMORY (2): out of memory".
func (r Result) Error() string {
	return fmt.Sprintf("%s (%d): %s", r.Name(), int32(r), r.Message())
}

// fromDriver asks cuGetErrorName or cuGetErrorString.
func (r Result) fromDriver(s sym) (string, bool) {
	if fns[s] == 0 {
		return "", false
	}
	var p *byte
	if err := call(s, uintptr(r), uintptr(unsafe.Pointer(&p))); err != nil || p == nil {
		return "", false
	}
	return cString(p), true
}

// Error is a failed driver call: the entry point and its status.
type Error struct {
	// Op is the driver function that failed, such as "cuMemAlloc_v2".
	Op string
	// Code is its status.
	Code Result
}

func (e *Error) Error() string { return e.Op + ": " + e.Code.Error() }

// Unwrap returns the status, so errors.Is matches Result values.
func (e *Error) Unwrap() error { return e.Code }

// ErrNotLoaded is returned by calls made before [Load] succeeded.
var ErrNotLoaded = errors.New("cuda driver: libcuda is not loaded (call driver.Init first)")

func notLoaded(s sym) error { return fmt.Errorf("%s: %w", symNames[s], ErrNotLoaded) }
