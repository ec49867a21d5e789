package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/emberdl/ember/backend"
)

// TestActivation32 compares the float32 sigmoid and tanh kernels with
// float64 math rounded to float32: at most one unit in the last place
// apart (and almost always equal), with exact special values, through
// contiguous and strided views.
func TestActivation32(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	xs := []float32{0, float32(math.Copysign(0, -1)), 1e-30, -1e-8, 0.0625, -0.0625, 0.06249, 20, -20, 44, -44, 89, -104,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())}
	for range 100000 {
		xs = append(xs, float32(r.NormFloat64()*4))
	}
	for range 2000 {
		xs = append(xs, float32(r.Float64()*0.2-0.1))
	}
	ref := map[backend.UnaryOp]func(float64) float64{backend.Sigmoid: sigmoid, backend.Tanh: math.Tanh}
	c := New()
	for op, f := range ref {
		for _, stride := range []int{1, 2} {
			src := make([]float32, len(xs)*stride)
			for i, x := range xs {
				src[i*stride] = x
			}
			dst := make([]float32, len(xs)*stride)
			sv := backend.View{Buf: NewBuffer(backend.Float32, src), Shape: []int{len(xs)}, Strides: []int{stride}}
			dv := backend.View{Buf: NewBuffer(backend.Float32, dst), Shape: []int{len(xs)}, Strides: []int{stride}}
			c.Unary(op, dv, sv, 0, 0)
			differ := 0
			for i, x := range xs {
				got, want := dst[i*stride], float32(f(float64(x)))
				if math.IsNaN(float64(want)) {
					if !math.IsNaN(float64(got)) {
						t.Fatalf("%v(%v) = %v, want NaN", op, x, got)
					}
					continue
				}
				if got == want && math.Signbit(float64(got)) == math.Signbit(float64(want)) {
					continue
				}
				differ++
				if ulps := math.Abs(float64(int64(math.Float32bits(got)) - int64(math.Float32bits(want)))); ulps > 1 || math.Signbit(float64(got)) != math.Signbit(float64(want)) {
					t.Fatalf("%v(%v) = %v, want %v (%v ulps apart)", op, x, got, want, ulps)
				}
			}
			if differ > len(xs)/1000 {
				t.Errorf("%v: %d of %d results differ by one ulp", op, differ, len(xs))
			}
		}
	}
}

// BenchmarkActivation32 compares the float32 kernels with the float64
// math functions they replace (scalar, 64k elements).
func BenchmarkActivation32(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	xs := make([]float32, 1<<16)
	for i := range xs {
		xs[i] = float32(r.NormFloat64() * 2) // activations of both signs, in no order
	}
	out := make([]float32, len(xs))
	fns := []struct {
		name string
		f    func(float64) float64
	}{{"sigmoid_math", sigmoid}, {"sigmoid_fast", sigmoidFast}, {"tanh_math", math.Tanh}, {"tanh_fast", tanhFast}}
	for _, fn := range fns {
		b.Run(fn.name, func(b *testing.B) {
			for b.Loop() {
				for i, x := range xs {
					out[i] = float32(fn.f(float64(x)))
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N*len(xs)), "ns/element")
		})
	}
}
