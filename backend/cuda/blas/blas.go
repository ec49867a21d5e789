// Package blas binds cuBLAS and cuBLASLt without cgo, through purego, and
// wraps them for row-major matrices (Ember's tensors are row-major; both
// libraries are column-major).
//
// libcublasLt is opened first with RTLD_GLOBAL, then libcublas from the same
// folder when possible, and their major versions must agree. Handles belong
// to one device: create them, and call everything here, with the device's
// context bound (driver.Context.Bind).
package blas

import (
	"fmt"
	"sync"
	"unsafe"

	"github.com/ebitengine/purego"

	"github.com/emberdl/ember/backend/cuda/internal/dl"
)

type sym int

// Entry points. cuBLAS names are the _v2 ones its header maps to; the plain
// names are the handle-less v1 API.
const (
	symCreate sym = iota
	symDestroy
	symSetStream
	symSetMathMode
	symSgemm
	symGemmEx
	symGemmStridedBatchedEx
	symGetProperty

	symLtCreate
	symLtDestroy
	symLtMatmulDescCreate
	symLtMatmulDescDestroy
	symLtMatmulDescSetAttribute
	symLtMatrixLayoutCreate
	symLtMatrixLayoutDestroy
	symLtMatrixLayoutSetAttribute
	symLtMatmulPreferenceCreate
	symLtMatmulPreferenceDestroy
	symLtMatmulPreferenceSetAttribute
	symLtMatmulAlgoGetHeuristic
	symLtMatmul

	symSetWorkspace // optional: older cuBLAS 11 releases lack it
	numSyms
)

var symNames = [numSyms]string{
	symCreate:               "cublasCreate_v2",
	symDestroy:              "cublasDestroy_v2",
	symSetStream:            "cublasSetStream_v2",
	symSetMathMode:          "cublasSetMathMode",
	symSgemm:                "cublasSgemm_v2",
	symGemmEx:               "cublasGemmEx",
	symGemmStridedBatchedEx: "cublasGemmStridedBatchedEx",
	symGetProperty:          "cublasGetProperty",

	symLtCreate:                       "cublasLtCreate",
	symLtDestroy:                      "cublasLtDestroy",
	symLtMatmulDescCreate:             "cublasLtMatmulDescCreate",
	symLtMatmulDescDestroy:            "cublasLtMatmulDescDestroy",
	symLtMatmulDescSetAttribute:       "cublasLtMatmulDescSetAttribute",
	symLtMatrixLayoutCreate:           "cublasLtMatrixLayoutCreate",
	symLtMatrixLayoutDestroy:          "cublasLtMatrixLayoutDestroy",
	symLtMatrixLayoutSetAttribute:     "cublasLtMatrixLayoutSetAttribute",
	symLtMatmulPreferenceCreate:       "cublasLtMatmulPreferenceCreate",
	symLtMatmulPreferenceDestroy:      "cublasLtMatmulPreferenceDestroy",
	symLtMatmulPreferenceSetAttribute: "cublasLtMatmulPreferenceSetAttribute",
	symLtMatmulAlgoGetHeuristic:       "cublasLtMatmulAlgoGetHeuristic",
	symLtMatmul:                       "cublasLtMatmul",

	symSetWorkspace: "cublasSetWorkspace_v2",
}

var (
	fns          [numSyms]uintptr
	statusString func(status int32) string // cublasGetStatusString, when present
	ltVersion    func() uint64

	loadOnce      sync.Once
	loadErr       error
	cublasLib     *dl.Library
	cublasLtLib   *dl.Library
	loadedVersion Version
)

// Version is a cuBLAS version.
type Version struct{ Major, Minor, Patch int }

func (v Version) String() string { return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch) }

// Load opens libcublasLt then libcublas and binds both. It fails if either
// is missing, too old, or their major versions differ. The result is cached.
func Load() error {
	loadOnce.Do(func() { loadErr = load() })
	return loadErr
}

func load() error {
	lt, err := dl.Open(dl.CUBLASLt)
	if err != nil {
		return err
	}
	cb, err := dl.OpenBeside(dl.CUBLAS, lt)
	if err != nil {
		return err
	}
	var addrs [numSyms]uintptr
	if err := cb.Bind(symNames[:symLtCreate], addrs[:symLtCreate]); err != nil {
		return fmt.Errorf("cuBLAS is too old for Ember (11.0 or newer needed): %w", err)
	}
	if err := lt.Bind(symNames[symLtCreate:symSetWorkspace], addrs[symLtCreate:symSetWorkspace]); err != nil {
		return fmt.Errorf("cuBLASLt is too old for Ember (11.0 or newer needed): %w", err)
	}
	addrs[symSetWorkspace], _ = cb.Sym(symNames[symSetWorkspace])
	if p, err := cb.Sym("cublasGetStatusString"); err == nil {
		purego.RegisterFunc(&statusString, p)
	}
	lv, err := lt.Sym("cublasLtGetVersion")
	if err != nil {
		return err
	}
	purego.RegisterFunc(&ltVersion, lv)
	fns = addrs

	var v Version
	for i, dst := range []*int{&v.Major, &v.Minor, &v.Patch} {
		var x int32
		if err := call(symGetProperty, uintptr(i), uintptr(unsafe.Pointer(&x))); err != nil {
			fns = [numSyms]uintptr{}
			return err
		}
		*dst = int(x)
	}
	ltMajor := int(ltVersion() / 10000)
	if v.Major < 11 || v.Major != ltMajor {
		fns = [numSyms]uintptr{}
		return fmt.Errorf("cuBLAS %v (%s) and cuBLASLt %d.x (%s) do not match or are older than 11", v, cb.Path, ltMajor, lt.Path)
	}
	cublasLib, cublasLtLib, loadedVersion = cb, lt, v
	return nil
}

// Libraries returns the opened cuBLAS and cuBLASLt, or nils.
func Libraries() (cublas, cublasLt *dl.Library) {
	if Load() != nil {
		return nil, nil
	}
	return cublasLib, cublasLtLib
}

// LoadedVersion returns the version of the loaded cuBLAS.
func LoadedVersion() (Version, error) {
	if err := Load(); err != nil {
		return Version{}, err
	}
	return loadedVersion, nil
}

// call invokes an entry point; uintptrescapes keeps Go memory passed as
// uintptr alive and in place for the call.
//
//go:uintptrescapes
func call(s sym, args ...uintptr) error {
	f := fns[s]
	if f == 0 {
		return notLoaded(s)
	}
	r, _, _ := purego.SyscallN(f, args...)
	return check(s, r)
}

func check(s sym, r uintptr) error {
	if code := Status(int32(uint32(r))); code != StatusSuccess {
		return &Error{Op: symNames[s], Code: code}
	}
	return nil
}

func notLoaded(s sym) error {
	if err := Load(); err != nil {
		return fmt.Errorf("%s: %w", symNames[s], err)
	}
	return fmt.Errorf("%s: not available in this cuBLAS", symNames[s])
}
