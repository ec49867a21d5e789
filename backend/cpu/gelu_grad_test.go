package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cpu/vec"
)

// TestGeluWithGrad checks the fused GELU forward on dense and strided
// views against the vector kernels it pairs (Gelu, and GeluGrad as g·d).
func TestGeluWithGrad(t *testing.T) {
	c := New()
	r := rand.New(rand.NewPCG(71, 72))
	const rows, cols = 9, 133
	xs := make([]float32, rows*cols)
	for i := range xs {
		xs[i] = float32(r.NormFloat64() * 2)
	}
	wantY, wantD := make([]float32, len(xs)), make([]float32, len(xs))
	ones := make([]float32, len(xs))
	for i := range ones {
		ones[i] = 1
	}
	vec.Gelu(wantY, xs)
	vec.GeluGrad(wantD, ones, xs)
	x := backend.Dense(NewBuffer(backend.Float32, xs), rows, cols)
	// Dense, then x read transposed into transposed outputs.
	for _, transposed := range []bool{false, true} {
		ys, ds := make([]float32, len(xs)), make([]float32, len(xs))
		y, d, xv := backend.Dense(NewBuffer(backend.Float32, ys), rows, cols), backend.Dense(NewBuffer(backend.Float32, ds), rows, cols), x
		if transposed {
			for _, v := range []*backend.View{&y, &d, &xv} {
				v.Shape, v.Strides = []int{cols, rows}, []int{1, cols}
			}
		}
		if !c.GeluWithGrad(y, d, xv) {
			t.Fatal("GeluWithGrad refused float32 views")
		}
		for i := range xs {
			if math.Float32bits(ys[i]) != math.Float32bits(wantY[i]) || math.Float32bits(ds[i]) != math.Float32bits(wantD[i]) {
				t.Fatalf("transposed=%v: element %d: y, d = %v, %v; want %v, %v", transposed, i, ys[i], ds[i], wantY[i], wantD[i])
			}
		}
	}
	f64 := backend.Dense(NewBuffer(backend.Float64, make([]float64, 4)), 4)
	if c.GeluWithGrad(f64, f64, f64) {
		t.Error("GeluWithGrad took float64 views")
	}
}
