// Package nvrtc binds NVIDIA's run-time CUDA C++ compiler (libnvrtc) without
// cgo, through purego. It turns kernel source into PTX or CUBIN images that
// the driver loads.
//
// The library is optional for Ember: without it the prebuilt kernels still
// run, and only run-time compilation is unavailable. [Load] says why it is
// missing. NVRTC is safe to use from many goroutines at once, one [Program]
// per goroutine.
package nvrtc

import (
	"fmt"
	"sync"
	"unsafe"

	"github.com/ebitengine/purego"

	"github.com/emberdl/ember/backend/cuda/internal/dl"
)

type sym int

const (
	symVersion sym = iota
	symGetNumSupportedArchs
	symGetSupportedArchs
	symCreateProgram
	symDestroyProgram
	symCompileProgram
	symGetPTXSize
	symGetPTX
	symGetCUBINSize
	symGetCUBIN
	symGetProgramLogSize
	symGetProgramLog
	symAddNameExpression
	symGetLoweredName
	numSyms
)

var symNames = [numSyms]string{
	symVersion:              "nvrtcVersion",
	symGetNumSupportedArchs: "nvrtcGetNumSupportedArchs",
	symGetSupportedArchs:    "nvrtcGetSupportedArchs",
	symCreateProgram:        "nvrtcCreateProgram",
	symDestroyProgram:       "nvrtcDestroyProgram",
	symCompileProgram:       "nvrtcCompileProgram",
	symGetPTXSize:           "nvrtcGetPTXSize",
	symGetPTX:               "nvrtcGetPTX",
	symGetCUBINSize:         "nvrtcGetCUBINSize",
	symGetCUBIN:             "nvrtcGetCUBIN",
	symGetProgramLogSize:    "nvrtcGetProgramLogSize",
	symGetProgramLog:        "nvrtcGetProgramLog",
	symAddNameExpression:    "nvrtcAddNameExpression",
	symGetLoweredName:       "nvrtcGetLoweredName",
}

var (
	fns            [numSyms]uintptr
	getErrorString func(code int32) string

	loadOnce sync.Once
	loadErr  error
	loadLib  *dl.Library
)

// Load opens libnvrtc (see package dl for the search: EMBER_NVRTC, then the
// usual places) and binds it. The result is cached.
func Load() error {
	loadOnce.Do(func() {
		lib, err := dl.Open(dl.NVRTC)
		if err != nil {
			loadErr = err
			return
		}
		var addrs [numSyms]uintptr
		if err := lib.Bind(symNames[:], addrs[:]); err != nil {
			loadErr = fmt.Errorf("NVRTC is too old for Ember (11.2 or newer needed): %w", err)
			return
		}
		es, err := lib.Sym("nvrtcGetErrorString")
		if err != nil {
			loadErr = err
			return
		}
		purego.RegisterFunc(&getErrorString, es)
		fns = addrs
		loadLib = lib
	})
	return loadErr
}

// Library returns the libnvrtc that Load opened, or nil.
func Library() *dl.Library {
	if Load() != nil {
		return nil
	}
	return loadLib
}

// call invokes an NVRTC function; see driver's twin for why uintptrescapes.
//
//go:uintptrescapes
func call(s sym, args ...uintptr) error {
	if err := Load(); err != nil {
		return err
	}
	r, _, _ := purego.SyscallN(fns[s], args...)
	if code := int32(uint32(r)); code != 0 {
		return &Error{Op: symNames[s], Code: code}
	}
	return nil
}

// Error is a failed NVRTC call.
type Error struct {
	// Op is the NVRTC function that failed.
	Op string
	// Code is its nvrtcResult.
	Code int32
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("nvrtcResult %d", e.Code)
	if getErrorString != nil {
		msg = getErrorString(e.Code)
	}
	return fmt.Sprintf("%s: %s (%d)", e.Op, msg, e.Code)
}

// errCompilation is NVRTC_ERROR_COMPILATION.
const errCompilation = 6

// Version returns NVRTC's version, such as 11, 8.
func Version() (major, minor int, err error) {
	var ma, mi int32
	if err := call(symVersion, uintptr(unsafe.Pointer(&ma)), uintptr(unsafe.Pointer(&mi))); err != nil {
		return 0, 0, err
	}
	return int(ma), int(mi), nil
}

// SupportedArchs returns the SM versions NVRTC can compile for, such as
// [35 37 50 ... 90], ascending.
func SupportedArchs() ([]int, error) {
	var n int32
	if err := call(symGetNumSupportedArchs, uintptr(unsafe.Pointer(&n))); err != nil {
		return nil, err
	}
	if n <= 0 || n > 1024 {
		return nil, fmt.Errorf("nvrtc: implausible number of supported architectures %d", n)
	}
	archs := make([]int32, n)
	if err := call(symGetSupportedArchs, uintptr(unsafe.Pointer(&archs[0]))); err != nil {
		return nil, err
	}
	out := make([]int, n)
	for i, a := range archs {
		out[i] = int(a)
	}
	return out, nil
}
