package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/emberdl/ember/backend"
)

// TestMatmulBias checks dst = x·y + bias against Matmul onto rows of the
// bias, and that operands the method does not take are refused untouched.
func TestMatmulBias(t *testing.T) {
	c := New()
	r := rand.New(rand.NewPCG(3, 4))
	const m, k, n = 37, 29, 41
	data := func(size int) []float32 {
		s := make([]float32, size)
		for i := range s {
			s[i] = float32(2*r.Float64() - 1)
		}
		return s
	}
	xs, ys, bs := data(m*k), data(k*n), data(n)
	x := backend.Dense(NewBuffer(backend.Float32, xs), 1, m, k)
	y := backend.Dense(NewBuffer(backend.Float32, ys), 1, k, n)
	bias := backend.Dense(NewBuffer(backend.Float32, bs), n)
	got := backend.Dense(NewBuffer(backend.Float32, make([]float32, m*n)), 1, m, n)
	if !c.MatmulBias(got, x, y, bias) {
		t.Fatal("MatmulBias refused dense float32 operands")
	}
	wantBuf := make([]float32, m*n)
	for i := range m {
		copy(wantBuf[i*n:(i+1)*n], bs)
	}
	want := backend.Dense(NewBuffer(backend.Float32, wantBuf), 1, m, n)
	c.Matmul(want, x, y, 1)
	g := buf(got).F32
	for i, w := range wantBuf {
		if math.Abs(float64(g[i]-w)) > 1e-5 {
			t.Fatalf("element %d = %v, want %v", i, g[i], w)
		}
	}

	strided := backend.Dense(NewBuffer(backend.Float32, data(2*n)), n)
	strided.Strides = []int{2}
	batch2 := backend.Dense(NewBuffer(backend.Float32, make([]float32, 2*m*n)), 2, m, n)
	f64 := backend.Dense(NewBuffer(backend.Float64, make([]float64, n)), n)
	for name, call := range map[string]func() bool{
		"a bias with stride 2":     func() bool { return c.MatmulBias(got, x, y, strided) },
		"a batch of 2":             func() bool { return c.MatmulBias(batch2, x, y, bias) },
		"a float64 bias":           func() bool { return c.MatmulBias(got, x, y, f64) },
		"a bias of the wrong size": func() bool { return c.MatmulBias(got, x, y, backend.Dense(NewBuffer(backend.Float32, bs[:n-1]), n-1)) },
	} {
		if call() {
			t.Errorf("MatmulBias took %s", name)
		}
	}
}
