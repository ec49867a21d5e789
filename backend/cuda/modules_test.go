package cuda

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emberdl/ember/backend/cuda/driver"
	"github.com/emberdl/ember/backend/cuda/internal/cudatest"
	"github.com/emberdl/ember/backend/cuda/jit"
	"github.com/emberdl/ember/backend/cuda/kernels"
	"github.com/emberdl/ember/backend/cuda/nvrtc"
)

// fakeSource serves images named after itself, or fails.
type fakeSource struct {
	name  string
	err   error
	calls int
}

func (s *fakeSource) image(file string) ([]byte, map[string]string, error) {
	s.calls++
	if s.err != nil {
		return nil, nil, s.err
	}
	lowered := map[string]string{}
	for _, e := range catalogExprs(file) {
		lowered[e] = s.name + ":" + e
	}
	return []byte(s.name + " image of " + file), lowered, nil
}

func (s *fakeSource) String() string { return s.name }

// fakeLoader loads images (rejecting those named in reject) and resolves
// functions by their lowered names.
type fakeLoader struct {
	mu      sync.Mutex
	reject  map[string]error
	modules []string
	loads   int
}

func (l *fakeLoader) load(image []byte) (driver.Module, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.loads++
	for prefix, err := range l.reject {
		if strings.HasPrefix(string(image), prefix) {
			return 0, err
		}
	}
	l.modules = append(l.modules, string(image))
	return driver.Module(len(l.modules)), nil
}

func (l *fakeLoader) lookup(m driver.Module, name string) (driver.Function, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	img := l.modules[m-1]
	src, _, _ := strings.Cut(img, " ")
	if !strings.HasPrefix(name, src+":") {
		return 0, fmt.Errorf("%q is not in module %q", name, img)
	}
	return driver.Function(int(m)*1000 + len(name)), nil
}

func TestModuleTableFallsBackAndCaches(t *testing.T) {
	unary := kernels.UnaryKernel(kernels.F32)
	binary := kernels.BinaryKernel(kernels.F64)
	softmax := kernels.SoftmaxKernel(kernels.BF16, true, false)
	for _, c := range []struct {
		name     string
		jitErr   error
		reject   map[string]error
		wantFrom string
		wantErr  string
	}{
		{name: "jit", wantFrom: "jit"},
		{name: "compile fails", jitErr: errors.New("nvrtc: boom"), wantFrom: "prebuilt"},
		{name: "driver rejects the JIT image", reject: map[string]error{"jit": driver.ErrUnsupportedPTX}, wantFrom: "prebuilt"},
		{name: "nothing loads", jitErr: errors.New("nvrtc: boom"), reject: map[string]error{"prebuilt": driver.ErrInvalidPTX},
			wantErr: "jit: nvrtc: boom"},
	} {
		t.Run(c.name, func(t *testing.T) {
			jit, pre := &fakeSource{name: "jit", err: c.jitErr}, &fakeSource{name: "prebuilt"}
			ld := &fakeLoader{reject: c.reject}
			mt := newModuleTable([]imageSource{jit, pre}, ld.load, ld.lookup)
			for range 3 {
				for _, k := range []kernels.Kernel{unary, binary, softmax} {
					f, err := mt.function(k)
					if c.wantErr != "" {
						if err == nil || !strings.Contains(err.Error(), c.wantErr) || !strings.Contains(err.Error(), "prebuilt: loading the module") {
							t.Fatalf("%s: error %v, want both failures named", k, err)
						}
						continue
					}
					if err != nil || f == 0 {
						t.Fatalf("%s: %v", k, err)
					}
				}
			}
			if c.wantErr != "" {
				return
			}
			// Two files, each produced and loaded once.
			if got := mt.loaded(); len(got) != 2 || got["ember_elementwise.cu"] != c.wantFrom || got["ember_softmax.cu"] != c.wantFrom {
				t.Errorf("loaded %v, want both from %s", got, c.wantFrom)
			}
			wantLoads := 2
			if c.reject != nil {
				wantLoads = 4 // each file: the rejected JIT image, then the prebuilt one
			}
			if ld.loads != wantLoads || jit.calls != 2 {
				t.Errorf("%d loads and %d JIT images, want %d and 2", ld.loads, jit.calls, wantLoads)
			}
		})
	}
}

func TestModuleTableCatalogMismatch(t *testing.T) {
	src := &fakeSource{name: "jit"}
	ld := &fakeLoader{}
	mt := newModuleTable([]imageSource{src}, ld.load, ld.lookup)
	_, err := mt.function(kernels.Kernel{File: "ember_elementwise.cu", Expr: "ember::nope<float>"})
	if err == nil || !strings.Contains(err.Error(), "catalog and the image disagree") {
		t.Errorf("unknown expression: %v", err)
	}
}

func TestKernelSources(t *testing.T) {
	archs := []int{50, 60, 70, 75, 80, 86, 87, 89, 90}
	for _, c := range []struct {
		name     string
		arch     int
		version  int
		nvrtcErr error
		want     string // sources, joined
		wantErr  string
	}{
		{name: "H100 with NVRTC", arch: 90, version: 12020, want: "NVRTC 11.8, sm_90 CUBIN; prebuilt compute_80 PTX"},
		{name: "newer GPU than NVRTC", arch: 100, version: 12080, want: "NVRTC 11.8, compute_90 PTX; prebuilt compute_80 PTX"},
		{name: "H100 without NVRTC", arch: 90, version: 12020, nvrtcErr: errors.New("libnvrtc not found"), want: "prebuilt compute_80 PTX"},
		{name: "T4 with NVRTC", arch: 75, version: 12020, want: "NVRTC 11.8, sm_75 CUBIN"},
		{name: "T4 without NVRTC", arch: 75, version: 12020, nvrtcErr: errors.New("libnvrtc not found"),
			wantErr: "NVRTC: libnvrtc not found; the prebuilt kernels are compute_80 PTX, which an sm_75 GPU cannot run"},
		{name: "old driver without NVRTC", arch: 80, version: 11040, nvrtcErr: errors.New("libnvrtc not found"),
			wantErr: "needs a driver for CUDA 11.8 or newer (this one supports 11.4)"},
	} {
		srcs, err := kernelSources(c.arch, c.version, c.nvrtcErr, archs, "11.8", "")
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%s: error %v, want %q", c.name, err, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		var names []string
		for _, s := range srcs {
			names = append(names, s.String())
		}
		if got := strings.Join(names, "; "); got != c.want {
			t.Errorf("%s: sources %q, want %q", c.name, got, c.want)
		}
	}
}

func TestPrebuiltSourceServesEveryCatalogFile(t *testing.T) {
	s := newPrebuiltSource()
	for _, u := range kernels.Catalog() {
		data, lowered, err := s.image(u.File)
		if err != nil {
			t.Fatal(err)
		}
		if len(data) == 0 || len(lowered) != len(u.Exprs) {
			t.Errorf("%s: %d bytes, %d names for %d expressions", u.File, len(data), len(lowered), len(u.Exprs))
		}
	}
	if _, _, err := s.image("ember_nothing.cu"); err == nil {
		t.Error("a file without PTX gave no error")
	}
}

// recordingCompiler is a jit.Compiler that records what it compiles.
type recordingCompiler struct {
	mu    sync.Mutex
	names []string
}

func (c *recordingCompiler) Version() (string, error) { return "test", nil }

func (c *recordingCompiler) Compile(req nvrtc.Request) (*nvrtc.Result, error) {
	c.mu.Lock()
	c.names = append(c.names, req.Name)
	c.mu.Unlock()
	lowered := map[string]string{}
	for _, e := range req.NameExpressions {
		lowered[e] = "_Z" + e
	}
	return &nvrtc.Result{PTX: []byte("ptx of " + req.Name), Lowered: lowered}, nil
}

func TestJITWarmUpCompilesEveryFileOnce(t *testing.T) {
	c := &recordingCompiler{}
	s := &jitSource{cache: jit.New(c, ""), target: jit.Target{Arch: 90, CUBIN: false}, version: "test"}
	s.warmUp()
	// Using a file while the warm-up runs waits for the same compile.
	for _, u := range kernels.Catalog() {
		data, lowered, err := s.image(u.File)
		if err != nil || string(data) != "ptx of "+u.File || len(lowered) != len(u.Exprs) {
			t.Fatalf("%s: %q, %d names, %v", u.File, data, len(lowered), err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		c.mu.Lock()
		n := len(c.names)
		names := slices.Clone(c.names)
		c.mu.Unlock()
		if n == len(kernels.Catalog()) || time.Now().After(deadline) {
			slices.Sort(names)
			if !slices.Equal(names, slices.Compact(slices.Clone(names))) || n != len(kernels.Catalog()) {
				t.Errorf("compiled %v, want each of the %d files once", names, len(kernels.Catalog()))
			}
			break
		}
		time.Sleep(time.Millisecond)
	}
}

// TestJITSourceWithNVRTC compiles a kernel file through the jit source
// with the real NVRTC, for an H100's exact architecture: the image is a
// CUBIN holding every catalog instantiation of the file.
func TestJITSourceWithNVRTC(t *testing.T) {
	cudatest.Require(t, "NVRTC", nvrtc.Load())
	archs, err := nvrtc.SupportedArchs()
	if err != nil {
		t.Fatal(err)
	}
	srcs, err := kernelSources(90, 12000, nil, archs, "test", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	j := srcs[0].(*jitSource)
	if !j.target.CUBIN || j.target.Arch != 90 {
		t.Fatalf("target %v, want sm_90 CUBIN", j.target)
	}
	data, lowered, err := j.image("ember_softmax.cu")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("\x7fELF")) {
		t.Errorf("image is not an ELF CUBIN: %q", data[:min(16, len(data))])
	}
	for _, e := range catalogExprs("ember_softmax.cu") {
		if lowered[e] == "" || !bytes.Contains(data, []byte(lowered[e])) {
			t.Errorf("%s (%q) is not in the CUBIN", e, lowered[e])
		}
	}
}
