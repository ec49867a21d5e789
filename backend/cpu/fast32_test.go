package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/emberdl/ember/backend"
)

// TestGeluGradStrided: GELU's gradient over strided and broadcast operands
// (a gradient broadcast from a sum, an input read transposed) gives the
// dense kernel's results to the bit, without allocating per element.
func TestGeluGradStrided(t *testing.T) {
	c := New()
	const rows, cols = 37, 150 // several gather runs per row, and a tail
	r := rand.New(rand.NewPCG(3, 4))
	xt := make([]float32, rows*cols) // x stored transposed: [cols, rows]
	for i := range xt {
		xt[i] = float32(3 * r.NormFloat64())
	}
	x := backend.View{Buf: NewBuffer(backend.Float32, xt), Shape: []int{rows, cols}, Strides: []int{1, rows}}
	gval := []float32{0.75}
	g := backend.View{Buf: NewBuffer(backend.Float32, gval), Shape: []int{rows, cols}, Strides: []int{0, 0}}
	got := backend.Dense(NewBuffer(backend.Float32, make([]float32, rows*cols)), rows, cols)
	c.Binary(backend.GeluGrad, got, g, x)

	// The reference: the same values laid out densely.
	xd, gd := make([]float32, rows*cols), make([]float32, rows*cols)
	for i := range rows {
		for j := range cols {
			xd[i*cols+j], gd[i*cols+j] = xt[j*rows+i], gval[0]
		}
	}
	want := backend.Dense(NewBuffer(backend.Float32, make([]float32, rows*cols)), rows, cols)
	c.Binary(backend.GeluGrad, want, backend.Dense(NewBuffer(backend.Float32, gd), rows, cols), backend.Dense(NewBuffer(backend.Float32, xd), rows, cols))
	for i, w := range buf(want).F32 {
		if g := buf(got).F32[i]; math.Float32bits(g) != math.Float32bits(w) {
			t.Fatalf("element %d: strided %v, dense %v", i, g, w)
		}
	}
	// Per call, not per element: as many as an Add over the same views.
	if raceEnabled {
		return // the race detector's sync.Pool drops buffers on purpose
	}
	allocs := testing.AllocsPerRun(5, func() { c.Binary(backend.GeluGrad, got, g, x) })
	addAllocs := testing.AllocsPerRun(5, func() { c.Binary(backend.Add, got, g, x) })
	if allocs > addAllocs {
		t.Errorf("%v allocations per call of %d strided elements, Add makes %v", allocs, rows*cols, addAllocs)
	}
}
