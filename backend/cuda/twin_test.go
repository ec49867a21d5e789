package cuda

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cpu"
	"github.com/emberdl/ember/internal/half"
)

// The tests run every op twice, on the CPU backend (the reference
// semantics) and on a CUDA backend whose device is the kernel emulator,
// and compare. Everything of the CUDA backend runs except the thin driver
// layer (driverGPU): launches with their packed parameters, stream and
// event calls, staging, the allocator.

var (
	emuBackendOnce sync.Once
	emuBackend     *Backend
	emuBackendErr  error
)

// emuDevice returns the shared emulated backend (the emulator is built on
// first use, then cached on disk).
func emuDevice(t testing.TB) *Backend {
	t.Helper()
	emuBackendOnce.Do(func() {
		m, err := sharedEmulator()
		if err != nil {
			emuBackendErr = err
			return
		}
		emuBackend, emuBackendErr = newBackend(newEmuGPU(m, emuCapacity), 0, 2)
	})
	if emuBackendErr != nil {
		t.Fatal(emuBackendErr)
	}
	return emuBackend
}

// twin holds the two backends of a differential test.
type twin struct {
	t   *testing.T
	c   *cpu.Backend
	g   *Backend
	rng *rand.Rand
}

func newTwin(t *testing.T) *twin {
	return &twin{t: t, c: cpu.New(), g: emuDevice(t), rng: rand.New(rand.NewPCG(1, 2))}
}

// pair is one view on each backend, over identical data.
type pair struct{ c, g backend.View }

// hostSlice converts values to the Go slice type of dtype d (rounding to
// it; bool is x != 0).
func hostSlice(d backend.DType, vals []float64) any {
	switch d {
	case backend.Float32:
		s := make([]float32, len(vals))
		for i, v := range vals {
			s[i] = float32(v)
		}
		return s
	case backend.Float64:
		return append([]float64(nil), vals...)
	case backend.BFloat16, backend.Float16:
		s := make([]uint16, len(vals))
		for i, v := range vals {
			if d == backend.BFloat16 {
				s[i] = half.BF16FromF32(float32(v))
			} else {
				s[i] = half.F16FromF32(float32(v))
			}
		}
		return s
	case backend.Int64:
		s := make([]int64, len(vals))
		for i, v := range vals {
			s[i] = int64(v)
		}
		return s
	case backend.Int32:
		s := make([]int32, len(vals))
		for i, v := range vals {
			s[i] = int32(v)
		}
		return s
	case backend.Uint8:
		s := make([]uint8, len(vals))
		for i, v := range vals {
			s[i] = uint8(int64(v))
		}
		return s
	case backend.Bool:
		s := make([]bool, len(vals))
		for i, v := range vals {
			s[i] = v != 0
		}
		return s
	}
	panic("hostSlice: dtype")
}

// floats converts a host slice to float64s.
func floats(s any) []float64 {
	var out []float64
	switch s := s.(type) {
	case []float32:
		for _, v := range s {
			out = append(out, float64(v))
		}
	case []float64:
		out = append(out, s...)
	case []int64:
		for _, v := range s {
			out = append(out, float64(v))
		}
	case []int32:
		for _, v := range s {
			out = append(out, float64(v))
		}
	case []uint8:
		for _, v := range s {
			out = append(out, float64(v))
		}
	case []bool:
		for _, v := range s {
			if v {
				out = append(out, 1)
			} else {
				out = append(out, 0)
			}
		}
	}
	return out
}

// read downloads a view as float64s.
func read(be backend.Backend, v backend.View) []float64 {
	d := v.DType()
	n := v.Numel()
	switch d {
	case backend.BFloat16, backend.Float16:
		s := make([]uint16, n)
		be.ToHost(v, s)
		out := make([]float64, n)
		for i, b := range s {
			if d == backend.BFloat16 {
				out[i] = float64(half.BF16ToF32(b))
			} else {
				out[i] = float64(half.F16ToF32(b))
			}
		}
		return out
	}
	s := hostSlice(d, make([]float64, n))
	be.ToHost(v, s)
	return floats(s)
}

// buffer uploads the same n values of dtype d to both backends.
func (w *twin) buffer(d backend.DType, vals []float64) (backend.Buffer, backend.Buffer) {
	return w.c.FromHost(d, hostSlice(d, vals)), w.g.FromHost(d, hostSlice(d, vals))
}

// dense returns a dense pair of shape filled with vals.
func (w *twin) dense(d backend.DType, vals []float64, shape ...int) pair {
	if len(vals) != backend.Numel(shape) {
		w.t.Fatalf("dense: %d values for shape %v", len(vals), shape)
	}
	cb, gb := w.buffer(d, vals)
	return pair{backend.Dense(cb, shape...), backend.Dense(gb, shape...)}
}

// alloc returns a pair of fresh buffers of n elements, both filled with
// fill (the CUDA one is not zeroed by Alloc), viewed densely as shape.
func (w *twin) alloc(d backend.DType, fill float64, shape ...int) pair {
	n := backend.Numel(shape)
	vals := make([]float64, n)
	for i := range vals {
		vals[i] = fill
	}
	return w.dense(d, vals, shape...)
}

// strided returns a pair viewing a buffer of n elements with the given
// shape, strides and offset, filled with random values in [lo, hi).
func (w *twin) strided(d backend.DType, lo, hi float64, n int, shape, strides []int, offset int) pair {
	vals := w.uniform(n, lo, hi)
	cb, gb := w.buffer(d, vals)
	return pair{
		backend.View{Buf: cb, Shape: shape, Strides: strides, Offset: offset},
		backend.View{Buf: gb, Shape: shape, Strides: strides, Offset: offset},
	}
}

// random returns a dense pair of random values in [lo, hi).
func (w *twin) random(d backend.DType, lo, hi float64, shape ...int) pair {
	return w.dense(d, w.uniform(backend.Numel(shape), lo, hi), shape...)
}

func (w *twin) uniform(n int, lo, hi float64) []float64 {
	vals := make([]float64, n)
	for i := range vals {
		vals[i] = lo + (hi-lo)*w.rng.Float64()
	}
	return vals
}

// run calls op on the CPU views and on the CUDA views of the pairs.
func (w *twin) run(op func(be backend.Backend, v []backend.View), ps ...pair) {
	cv, gv := make([]backend.View, len(ps)), make([]backend.View, len(ps))
	for i, p := range ps {
		cv[i], gv[i] = p.c, p.g
	}
	op(w.c, cv)
	op(w.g, gv)
}

// tol is a comparison tolerance: |got - want| <= atol + rtol*|want|.
type tol struct{ rtol, atol float64 }

var (
	exact   = tol{}
	tolF32  = tol{2e-6, 1e-6}
	tolF64  = tol{1e-12, 1e-12}
	tolHalf = tol{1e-2, 1e-2}
)

// tolFor is the tolerance of an elementwise result of dtype d computed in
// single-precision functions (the GPU's libm differs from Go's in the last
// bits).
func tolFor(d backend.DType) tol {
	switch d {
	case backend.Float32:
		return tolF32
	case backend.Float64:
		return tolF64
	case backend.BFloat16, backend.Float16:
		return tolHalf
	}
	return exact
}

// same checks that the CUDA view holds what the CPU view holds.
func (w *twin) same(what string, p pair, tl tol) {
	w.t.Helper()
	want, got := read(w.c, p.c), read(w.g, p.g)
	if msg := compare(got, want, tl); msg != "" {
		w.t.Errorf("%s: %s\n got  %v\n want %v", what, msg, clip(got), clip(want))
	}
}

func compare(got, want []float64, tl tol) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d elements, want %d", len(got), len(want))
	}
	for i := range got {
		a, b := got[i], want[i]
		switch {
		case math.IsNaN(b) || math.IsNaN(a):
			if math.IsNaN(a) != math.IsNaN(b) {
				return fmt.Sprintf("element %d: %v, want %v", i, a, b)
			}
		case math.IsInf(b, 0) || math.IsInf(a, 0):
			if a != b {
				return fmt.Sprintf("element %d: %v, want %v", i, a, b)
			}
		case math.Abs(a-b) > tl.atol+tl.rtol*math.Abs(b):
			return fmt.Sprintf("element %d: %v, want %v (diff %.3g)", i, a, b, a-b)
		}
	}
	return ""
}

func clip(v []float64) []float64 {
	if len(v) > 12 {
		return v[:12]
	}
	return v
}

// floatTypes are the dtypes of the arithmetic kernels.
var floatTypes = []backend.DType{backend.Float32, backend.Float64, backend.BFloat16, backend.Float16}

// launches returns how many kernels the emulated device has run.
func launches(b *Backend) int {
	g := b.g.(*emuGPU)
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.launches
}

// onDevice checks that f launched at least one kernel and used no host
// fallback.
func onDevice(t *testing.T, b *Backend, what string, f func()) {
	t.Helper()
	l0, fb0 := launches(b), b.Fallbacks()
	f()
	if launches(b) == l0 {
		t.Errorf("%s launched no kernel", what)
	}
	for op, n := range b.Fallbacks() {
		if n != fb0[op] {
			t.Errorf("%s went through the host fallback (%s)", what, op)
		}
	}
}

func distName(d backend.Dist) string {
	return [...]string{"uniform", "normal", "bernoulli", "randint"}[d]
}

// runDev is run, checking that the CUDA side launched kernels and used no
// host fallback.
func (w *twin) runDev(what string, op func(be backend.Backend, v []backend.View), ps ...pair) {
	w.t.Helper()
	onDevice(w.t, w.g, what, func() { w.run(op, ps...) })
}
