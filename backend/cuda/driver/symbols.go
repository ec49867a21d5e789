package driver

// sym indexes the table of driver entry points.
type sym int

// The driver entry points Ember binds. Names are the ones cuda.h's macros
// expand to: libcuda still exports the legacy ABI under many plain names
// (cuMemAlloc takes a 32-bit size), so a plain name is used only where no
// versioned one exists. Never the _ptsz/_ptds variants: Ember always passes
// an explicit stream. The CI test binds this table against a real libcuda
// and checks that no plain name in it has a _v2 twin.
const (
	symGetErrorName sym = iota
	symGetErrorString
	symInit
	symDriverGetVersion

	symDeviceGetCount
	symDeviceGet
	symDeviceGetName
	symDeviceGetAttribute
	symDeviceTotalMem
	symDeviceGetDefaultMemPool

	symDevicePrimaryCtxRetain
	symDevicePrimaryCtxRelease
	symDevicePrimaryCtxSetFlags
	symDevicePrimaryCtxGetState
	symCtxGetCurrent
	symCtxSetCurrent
	symCtxSynchronize
	symMemGetInfo

	symStreamCreate
	symStreamDestroy
	symStreamSynchronize
	symStreamQuery
	symStreamWaitEvent

	symEventCreate
	symEventDestroy
	symEventRecord
	symEventSynchronize
	symEventQuery
	symEventElapsedTime

	symMemAlloc
	symMemFree
	symMemAllocAsync
	symMemFreeAsync
	symMemPoolSetAttribute
	symMemPoolGetAttribute
	symMemPoolTrimTo
	symMemAllocHost
	symMemFreeHost

	symMemsetD8
	symMemsetD32
	symMemsetD8Async
	symMemsetD32Async
	symMemcpyHtoD
	symMemcpyDtoH
	symMemcpyDtoD
	symMemcpyHtoDAsync
	symMemcpyDtoHAsync
	symMemcpyDtoDAsync

	symModuleLoadDataEx
	symModuleGetFunction
	symModuleUnload
	symFuncGetAttribute
	symFuncSetAttribute
	symLaunchKernel

	numSyms
)

// symNames maps each entry point to the exported symbol it binds to.
var symNames = [numSyms]string{
	symGetErrorName:     "cuGetErrorName",
	symGetErrorString:   "cuGetErrorString",
	symInit:             "cuInit",
	symDriverGetVersion: "cuDriverGetVersion",

	symDeviceGetCount:          "cuDeviceGetCount",
	symDeviceGet:               "cuDeviceGet",
	symDeviceGetName:           "cuDeviceGetName",
	symDeviceGetAttribute:      "cuDeviceGetAttribute",
	symDeviceTotalMem:          "cuDeviceTotalMem_v2",
	symDeviceGetDefaultMemPool: "cuDeviceGetDefaultMemPool",

	symDevicePrimaryCtxRetain:   "cuDevicePrimaryCtxRetain",
	symDevicePrimaryCtxRelease:  "cuDevicePrimaryCtxRelease_v2",
	symDevicePrimaryCtxSetFlags: "cuDevicePrimaryCtxSetFlags_v2",
	symDevicePrimaryCtxGetState: "cuDevicePrimaryCtxGetState",
	symCtxGetCurrent:            "cuCtxGetCurrent",
	symCtxSetCurrent:            "cuCtxSetCurrent",
	symCtxSynchronize:           "cuCtxSynchronize",
	symMemGetInfo:               "cuMemGetInfo_v2",

	symStreamCreate:      "cuStreamCreate",
	symStreamDestroy:     "cuStreamDestroy_v2",
	symStreamSynchronize: "cuStreamSynchronize",
	symStreamQuery:       "cuStreamQuery",
	symStreamWaitEvent:   "cuStreamWaitEvent",

	symEventCreate:      "cuEventCreate",
	symEventDestroy:     "cuEventDestroy_v2",
	symEventRecord:      "cuEventRecord",
	symEventSynchronize: "cuEventSynchronize",
	symEventQuery:       "cuEventQuery",
	symEventElapsedTime: "cuEventElapsedTime",

	symMemAlloc:            "cuMemAlloc_v2",
	symMemFree:             "cuMemFree_v2",
	symMemAllocAsync:       "cuMemAllocAsync",
	symMemFreeAsync:        "cuMemFreeAsync",
	symMemPoolSetAttribute: "cuMemPoolSetAttribute",
	symMemPoolGetAttribute: "cuMemPoolGetAttribute",
	symMemPoolTrimTo:       "cuMemPoolTrimTo",
	symMemAllocHost:        "cuMemAllocHost_v2",
	symMemFreeHost:         "cuMemFreeHost",

	symMemsetD8:        "cuMemsetD8_v2",
	symMemsetD32:       "cuMemsetD32_v2",
	symMemsetD8Async:   "cuMemsetD8Async",
	symMemsetD32Async:  "cuMemsetD32Async",
	symMemcpyHtoD:      "cuMemcpyHtoD_v2",
	symMemcpyDtoH:      "cuMemcpyDtoH_v2",
	symMemcpyDtoD:      "cuMemcpyDtoD_v2",
	symMemcpyHtoDAsync: "cuMemcpyHtoDAsync_v2",
	symMemcpyDtoHAsync: "cuMemcpyDtoHAsync_v2",
	symMemcpyDtoDAsync: "cuMemcpyDtoDAsync_v2",

	symModuleLoadDataEx:  "cuModuleLoadDataEx",
	symModuleGetFunction: "cuModuleGetFunction",
	symModuleUnload:      "cuModuleUnload",
	symFuncGetAttribute:  "cuFuncGetAttribute",
	symFuncSetAttribute:  "cuFuncSetAttribute",
	symLaunchKernel:      "cuLaunchKernel",
}

// SymbolNames returns the exported names the binding uses, in table order.
func SymbolNames() []string {
	return append([]string(nil), symNames[:]...)
}
