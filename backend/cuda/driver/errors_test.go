package driver

import (
	"errors"
	"fmt"
	"testing"
)

func TestResultFallbackTable(t *testing.T) {
	saved := fns
	fns = [numSyms]uintptr{} // no libcuda: the Go table must answer
	t.Cleanup(func() { fns = saved })
	tests := []struct {
		r    Result
		want string
	}{
		{ErrOutOfMemory, "CUDA_ERROR_OUT_OF_MEMORY (2): out of device memory"},
		{ErrNoDevice, "CUDA_ERROR_NO_DEVICE (100): no CUDA-capable device is detected"},
		{ErrUnsupportedPTX, "CUDA_ERROR_UNSUPPORTED_PTX_VERSION (222): PTX is newer than this driver supports"},
		{Result(12345), "CUresult(12345) (12345): unrecognised CUDA error code"},
	}
	for _, tt := range tests {
		if got := tt.r.Error(); got != tt.want {
			t.Errorf("Result(%d).Error() = %q, want %q", int32(tt.r), got, tt.want)
		}
	}
	for code, info := range resultInfo {
		if code.Name() != info.name {
			t.Errorf("Result(%d).Name() = %q, want %q", code, code.Name(), info.name)
		}
	}
}

func TestErrorWrapsResult(t *testing.T) {
	saved := fns
	fns = [numSyms]uintptr{}
	t.Cleanup(func() { fns = saved })
	var err error = fmt.Errorf("allocating weights: %w", &Error{Op: "cuMemAlloc_v2", Code: ErrOutOfMemory})
	if !errors.Is(err, ErrOutOfMemory) {
		t.Error("errors.Is(err, ErrOutOfMemory) = false")
	}
	if errors.Is(err, ErrNoDevice) {
		t.Error("errors.Is(err, ErrNoDevice) = true")
	}
	var de *Error
	if !errors.As(err, &de) || de.Op != "cuMemAlloc_v2" {
		t.Errorf("errors.As: %v", de)
	}
	want := "allocating weights: cuMemAlloc_v2: CUDA_ERROR_OUT_OF_MEMORY (2): out of device memory"
	if err.Error() != want {
		t.Errorf("got %q, want %q", err, want)
	}
}

func TestCallsBeforeLoadFail(t *testing.T) {
	saved := fns
	fns = [numSyms]uintptr{}
	t.Cleanup(func() { fns = saved })
	if _, err := MemAlloc(16); !errors.Is(err, ErrNotLoaded) {
		t.Errorf("MemAlloc: %v, want ErrNotLoaded", err)
	}
	if err := Function(1).Launch(D1(1), D1(1), 0, 0, NewArgs()); !errors.Is(err, ErrNotLoaded) {
		t.Errorf("Launch: %v, want ErrNotLoaded", err)
	}
	if _, err := (Device(0)).Name(); !errors.Is(err, ErrNotLoaded) {
		t.Errorf("Name: %v, want ErrNotLoaded", err)
	}
}

func TestVersionString(t *testing.T) {
	for v, want := range map[int]string{12020: "12.2", 11080: "11.8", 13000: "13.0", 12090: "12.9"} {
		if got := VersionString(v); got != want {
			t.Errorf("VersionString(%d) = %q, want %q", v, got, want)
		}
	}
}
