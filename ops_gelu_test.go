package ember

import (
	"math"
	"testing"
)

// TestGeluKeepsGrad checks the CPU's float32 GELU that keeps its
// derivative: the forward has the unfused kernel's bits, the gradient
// GeluGrad's, and a recorded backward pass still gives second derivatives.
func TestGeluKeepsGrad(t *testing.T) {
	x := randT(9700, -4, 4, 3, 37).To(Float32)
	g := randT(9701, -1, 1, 3, 37).To(Float32)
	xl := x.Detach().SetRequiresGrad(true)
	y := xl.Gelu()
	if fn := y.GradFn(); fn != "GeluBackward0" {
		t.Fatalf("grad_fn %q, want GeluBackward0", fn)
	}
	var plain *Tensor
	NoGrad(func() { plain = x.Gelu() })
	wantGrad := geluBackward(g, x)
	y.Backward(WithGradient(g))
	for _, c := range []struct {
		what      string
		got, want *Tensor
	}{{"output", y, plain}, {"gradient", xl.Grad(), wantGrad}} {
		gv, wv := c.got.Float32s(), c.want.Float32s()
		for i := range gv {
			if math.Float32bits(gv[i]) != math.Float32bits(wv[i]) {
				t.Fatalf("%s[%d] = %v, want %v (the unfused kernel's bits)", c.what, i, gv[i], wv[i])
			}
		}
	}
	// Second derivative through the recorded backward: d²/dx² of
	// Σ GELU(x) is φ(x)·(2 - x²).
	xl = x.Detach().SetRequiresGrad(true)
	first := Grad([]*Tensor{xl.Gelu().Sum()}, []*Tensor{xl}, CreateGraph())[0]
	second := Grad([]*Tensor{first.Sum()}, []*Tensor{xl})[0]
	xs := x.Float64s()
	want := make([]float64, len(xs))
	for i, v := range xs {
		want[i] = math.Exp(-v*v/2) / math.Sqrt(2*math.Pi) * (2 - v*v)
	}
	assertClose(t, "second derivative", second, x.Shape(), want, 1e-4, 1e-5)
}
