package cpu

import (
	"math"
	"testing"

	"github.com/emberdl/ember/backend"
)

func TestCausalSoftmax(t *testing.T) {
	c := New()
	const l, s = 3, 4
	x := make([]float32, 2*l*s)
	for i := range x {
		x[i] = float32(i%7) - 3
	}
	y := make([]float32, len(x))
	for i := range y {
		y[i] = float32(math.NaN()) // every element must be written
	}
	v := func(b []float32) backend.View {
		return backend.View{Buf: NewBuffer(backend.Float32, b), Shape: []int{2, l, s}, Strides: []int{l * s, s, 1}}
	}
	if !c.CausalSoftmax(v(y), v(x), 0.5) {
		t.Fatal("refused dense float32 scores")
	}
	for m := range 2 {
		for i := range l {
			row := x[m*l*s+i*s:]
			den := 0.0
			for j := 0; j <= i; j++ {
				den += math.Exp(0.5 * float64(row[j]))
			}
			for j := range s {
				want := 0.0
				if j <= i {
					want = math.Exp(0.5*float64(row[j])) / den
				}
				if got := y[m*l*s+i*s+j]; math.Abs(float64(got)-want) > 1e-6 {
					t.Fatalf("matrix %d row %d col %d: got %v, want %v", m, i, j, got, want)
				}
			}
		}
	}
	strided := v(x)
	strided.Strides = []int{l * s, 1, l} // transposed matrices
	if c.CausalSoftmax(v(y), strided, 1) {
		t.Error("took scores whose rows are not contiguous")
	}
	f64 := backend.View{Buf: NewBuffer(backend.Float64, make([]float64, l*s)), Shape: []int{l, s}, Strides: []int{s, 1}}
	if c.CausalSoftmax(f64, f64, 1) {
		t.Error("took float64 scores")
	}
}
