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
				if got == want { // the sign of a zero result is not checked
					continue
				}
				differ++
				if ulps := math.Abs(float64(int64(math.Float32bits(got)) - int64(math.Float32bits(want)))); ulps > 3 || math.Signbit(float64(got)) != math.Signbit(float64(want)) {
					t.Fatalf("%v(%v) = %v, want %v (%v ulps apart)", op, x, got, want, ulps)
				}
			}
			t.Logf("%v, stride %d: %d of %d results differ from float64 math rounded (each within 3 ulps)", op, stride, differ, len(xs))
		}
	}
}

// BenchmarkActivation32 times the sigmoid and tanh kernels on 64k
// elements: float32 (this file's path) against float64 (the math package's
// functions through the generic element-wise path).
func BenchmarkActivation32(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	const n = 1 << 16
	x32, x64 := make([]float32, n), make([]float64, n)
	for i := range x32 {
		x64[i] = r.NormFloat64() * 2 // activations of both signs, in no order
		x32[i] = float32(x64[i])
	}
	c := New()
	views := map[string][2]backend.View{
		"float32": {backend.Dense(NewBuffer(backend.Float32, make([]float32, n)), n), backend.Dense(NewBuffer(backend.Float32, x32), n)},
		"float64": {backend.Dense(NewBuffer(backend.Float64, make([]float64, n)), n), backend.Dense(NewBuffer(backend.Float64, x64), n)},
	}
	for _, op := range []backend.UnaryOp{backend.Sigmoid, backend.Tanh} {
		for _, dt := range []string{"float32", "float64"} {
			v := views[dt]
			b.Run(op.String()+"/"+dt, func(b *testing.B) {
				for b.Loop() {
					c.Unary(op, v[0], v[1], 0, 0)
				}
				b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N*n), "ns/element")
			})
		}
	}
}
