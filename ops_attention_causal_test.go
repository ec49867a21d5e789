package ember

import (
	"fmt"
	"math"
	"testing"
)

// composedCausal is AttentionWeights' causal path written with the general
// ops, the reference for the one-pass kernel.
func composedCausal(q, k *Tensor, scale float64) *Tensor {
	scores := q.Matmul(k.MT()).MulScalar(scale)
	return scores.MaskedFill(scores.triMask(0, false).LogicalNot(), math.Inf(-1)).Softmax(-1)
}

// TestCausalSoftmaxMatchesComposed checks the fused causal softmax (the
// float32 fast path) against the composed ops: values, first and second
// derivatives, for square and rectangular score matrices.
func TestCausalSoftmaxMatchesComposed(t *testing.T) {
	for _, sh := range [][2]int{{5, 5}, {3, 6}, {6, 3}, {1, 1}, {33, 33}} {
		l, s := sh[0], sh[1]
		t.Run(fmt.Sprintf("L%d_S%d", l, s), func(t *testing.T) {
			g := NewGenerator(uint64(l*100 + s))
			q := Randn([]int{2, 3, l, 8}, g).SetRequiresGrad(true)
			k := Randn([]int{2, 3, s, 8}, g).SetRequiresGrad(true)
			r := Randn([]int{2, 3, l, s}, g)
			scale := 1 / math.Sqrt(8)
			fused := AttentionWeights(q, k, nil, true, 0)
			if causalSoftmax(q.Matmul(k.MT()), scale) == nil {
				t.Fatal("the CPU backend took the composed path: the fast path is not under test")
			}
			ref := composedCausal(q, k, scale)
			if d := fused.Sub(ref).Abs().Max().Item(); d > 1e-6 {
				t.Fatalf("weights differ by %g", d)
			}
			lossF, lossR := fused.Mul(r).Sum(), ref.Mul(r).Sum()
			gf := Grad([]*Tensor{lossF}, []*Tensor{q, k}, CreateGraph())
			gr := Grad([]*Tensor{lossR}, []*Tensor{q, k}, CreateGraph())
			for i := range gf {
				if d := gf[i].Sub(gr[i]).Abs().Max().Item(); d > 1e-5 {
					t.Fatalf("gradient %d differs by %g", i, d)
				}
			}
			// Second order: the gradient of the squared gradient norm.
			hf := Grad([]*Tensor{gf[0].Square().Sum()}, []*Tensor{q, k})
			hr := Grad([]*Tensor{gr[0].Square().Sum()}, []*Tensor{q, k})
			for i := range hf {
				if d := hf[i].Sub(hr[i]).Abs().Max().Item(); d > 1e-4 {
					t.Fatalf("second derivative %d differs by %g", i, d)
				}
			}
		})
	}
}
