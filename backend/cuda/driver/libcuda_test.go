package driver

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"unsafe"

	"github.com/emberdl/ember/backend/cuda/internal/cudatest"
	"github.com/emberdl/ember/backend/cuda/internal/dl"
)

// realLibcuda loads the real libcuda.so.1 (EMBER_LIBCUDA, or the system's).
// CI installs one from Debian's libcuda1 package and sets
// EMBER_REQUIRE_NVRTC=1, which makes a missing library a failure.
func realLibcuda(t *testing.T) *dl.Library {
	t.Helper()
	cudatest.Require(t, "libcuda.so.1 (EMBER_LIBCUDA)", Load())
	// Tests with the fake driver swap the table; put the real one back.
	lib := Library()
	if err := lib.Bind(symNames[:], fns[:]); err != nil {
		t.Fatal(err)
	}
	return lib
}

func TestRealLibcudaBindsTable(t *testing.T) {
	lib := realLibcuda(t)
	for i, name := range symNames {
		if fns[i] == 0 {
			t.Errorf("%s not bound", name)
		}
	}
	// A plain name that also exists as name_v2 is the legacy ABI: binding
	// it would be a silent bug (cuMemAlloc takes a 32-bit size). Likewise a
	// _vN name with a _vN+1 twin is an outdated choice.
	versioned := regexp.MustCompile(`^(.*)_v(\d)$`)
	// The check must be able to see the trap it guards against.
	if _, err := lib.Sym("cuMemAlloc"); err != nil {
		t.Fatalf("libcuda lacks the legacy cuMemAlloc: %v", err)
	}
	if _, err := lib.Sym("cuMemAlloc_v2"); err != nil {
		t.Fatalf("libcuda lacks cuMemAlloc_v2: %v", err)
	}
	for _, name := range symNames {
		next := name + "_v2"
		if m := versioned.FindStringSubmatch(name); m != nil {
			next = m[1] + "_v" + string(rune(m[2][0]+1))
		}
		if _, err := lib.Sym(next); err == nil {
			t.Errorf("table binds %s but libcuda also exports %s: use the newer ABI", name, next)
		}
	}
}

func TestRealLibcudaVersionAndInit(t *testing.T) {
	realLibcuda(t)
	v, err := Version()
	if err != nil {
		t.Fatal(err)
	}
	if v < 11020 || v > 20000 {
		t.Errorf("driver version %d outside the plausible range", v)
	}
	t.Logf("libcuda %s supports CUDA %s", Library().Path, VersionString(v))
	err = Init()
	if err == nil {
		// A GPU machine: the device list must be usable.
		n, err := DeviceCount()
		if err != nil || n < 1 {
			t.Fatalf("Init succeeded but DeviceCount = %d, %v", n, err)
		}
		return
	}
	var de *Error
	if !errors.As(err, &de) || de.Op != "cuInit" {
		t.Fatalf("Init error = %v, want a cuInit status", err)
	}
	// Without a GPU (or without the kernel module) cuInit reports one of
	// these; anything else means the call itself went wrong.
	t.Logf("cuInit: %v", de.Code)
	switch de.Code {
	case ErrNoDevice, ErrSystemDriverMismatch, Result(304) /* OPERATING_SYSTEM */ :
	default:
		t.Errorf("cuInit = %v, want NO_DEVICE or a driver-setup error", de.Code)
	}
	if !strings.HasPrefix(err.Error(), "cuInit: CUDA_ERROR_") {
		t.Errorf("error text %q", err)
	}
}

func TestRealLibcudaErrorNamesMatchTable(t *testing.T) {
	realLibcuda(t)
	known := 0
	for code, info := range resultInfo {
		var p *byte
		if err := call(symGetErrorName, uintptr(code), uintptr(unsafe.Pointer(&p))); err != nil {
			continue // a code newer than this driver
		}
		known++
		if got := cString(p); got != info.name {
			t.Errorf("code %d: libcuda says %s, table says %s", code, got, info.name)
		}
		if code.Name() != info.name || code.Message() == "" {
			t.Errorf("code %d: Name() = %q, Message() = %q", code, code.Name(), code.Message())
		}
	}
	t.Logf("libcuda names %d of the table's %d codes", known, len(resultInfo))
	if known < 60 {
		t.Errorf("libcuda named only %d of the table's codes", known)
	}
}
