package nvrtc

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/emberdl/ember/backend/cuda/internal/cudatest"
)

// requireNVRTC loads NVRTC, or skips (fails in CI) without it.
func requireNVRTC(t *testing.T) {
	t.Helper()
	cudatest.Require(t, "NVRTC", Load())
}

const axpySource = `
#include "scale.cuh"
template <typename T>
__global__ void axpy(T a, const T* x, T* y, int n) {
	int i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n) y[i] = scale(a, x[i]) + y[i];
}
extern "C" __global__ void plain_kernel(float* p) { p[threadIdx.x] = 1.0f; }
`

var scaleHeader = Header{Name: "scale.cuh", Source: "template <typename T> __device__ T scale(T a, T x) { return a * x; }\n"}

func TestVersionAndArchs(t *testing.T) {
	requireNVRTC(t)
	major, minor, err := Version()
	if err != nil {
		t.Fatal(err)
	}
	if major < 11 || (major == 11 && minor < 2) {
		t.Errorf("version %d.%d below the 11.2 minimum", major, minor)
	}
	archs, err := SupportedArchs()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.IsSorted(archs) || !slices.Contains(archs, 80) || !slices.Contains(archs, 90) {
		t.Errorf("SupportedArchs = %v, want ascending and containing 80 and 90", archs)
	}
	t.Logf("NVRTC %d.%d at %s, archs %v", major, minor, Library().Path, archs)
}

func TestCompileTemplatesWithHeaders(t *testing.T) {
	requireNVRTC(t)
	exprs := []string{"axpy<float>", "axpy<double>"}
	for _, target := range []string{"compute_80", "sm_90"} {
		res, err := Compile(Request{
			Name: "axpy.cu", Source: axpySource, Headers: []Header{scaleHeader},
			NameExpressions: exprs,
			Options:         []string{"--gpu-architecture=" + target, "-std=c++17"},
		})
		if err != nil {
			t.Fatalf("%s: %v", target, err)
		}
		// Itanium mangling of axpy<float>(float, const float*, float*, int).
		wantLowered := map[string]string{
			"axpy<float>":  "_Z4axpyIfEvT_PKS0_PS0_i",
			"axpy<double>": "_Z4axpyIdEvT_PKS0_PS0_i",
		}
		for e, want := range wantLowered {
			if got := res.Lowered[e]; got != want {
				t.Errorf("%s: lowered %s = %q, want %q", target, e, got, want)
			}
			if !bytes.Contains(res.PTX, []byte(".entry "+want+"(")) {
				t.Errorf("%s: PTX lacks entry %s", target, want)
			}
		}
		if !bytes.Contains(res.PTX, []byte(".entry plain_kernel(")) {
			t.Errorf("%s: PTX lacks extern \"C\" plain_kernel", target)
		}
		if !bytes.Contains(res.PTX, []byte(".target "+strings.Replace(target, "compute", "sm", 1))) {
			t.Errorf("%s: PTX has the wrong .target", target)
		}
		isELF := bytes.HasPrefix(res.CUBIN, []byte("\x7fELF"))
		if strings.HasPrefix(target, "sm_") != isELF {
			t.Errorf("%s: CUBIN present = %v (%d bytes)", target, isELF, len(res.CUBIN))
		}
	}
}

func TestCompileErrorCarriesLog(t *testing.T) {
	requireNVRTC(t)
	_, err := Compile(Request{
		Name:    "bad.cu",
		Source:  "__global__ void k(float* p) { p[0] = undefined_thing; }\n",
		Options: []string{"--gpu-architecture=compute_80"},
	})
	var ce *CompileError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want *CompileError", err)
	}
	if !strings.Contains(ce.Log, "undefined_thing") || !strings.Contains(ce.Log, "bad.cu") {
		t.Errorf("log does not point at the error:\n%s", ce.Log)
	}
	var ne *Error
	if !errors.As(err, &ne) || ne.Code != errCompilation || !strings.Contains(err.Error(), "NVRTC_ERROR_COMPILATION") {
		t.Errorf("err = %v, want NVRTC_ERROR_COMPILATION", err)
	}
}

func TestBadOptionAndNameExpression(t *testing.T) {
	requireNVRTC(t)
	_, err := Compile(Request{Name: "x.cu", Source: axpySource, Headers: []Header{scaleHeader},
		Options: []string{"--no-such-option"}})
	if err == nil {
		t.Error("unknown option accepted")
	}
	_, err = Compile(Request{Name: "x.cu", Source: axpySource, Headers: []Header{scaleHeader},
		NameExpressions: []string{"axpy<NoSuchType>"}, Options: []string{"--gpu-architecture=compute_80"}})
	if err == nil {
		t.Error("name expression of an unknown type accepted")
	}
}

func TestConcurrentCompiles(t *testing.T) {
	requireNVRTC(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			src := fmt.Sprintf("extern \"C\" __global__ void k%d(int* p) { p[0] = %d; }\n", i, i)
			res, err := Compile(Request{Name: "c.cu", Source: src, Options: []string{"--gpu-architecture=compute_80"}})
			if err == nil && !bytes.Contains(res.PTX, []byte(fmt.Sprintf(".entry k%d(", i))) {
				err = fmt.Errorf("PTX of k%d lacks its entry", i)
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
