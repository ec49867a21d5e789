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

// TestCausalSoftmaxOnDevices runs the one-pass causal softmax on every test
// device (CUDA's kernel included) in float32, bfloat16 and under bfloat16
// autocast, against the composed ops on the same device: weights and the
// gradients of q and k.
func TestCausalSoftmaxOnDevices(t *testing.T) {
	for _, dev := range testDevices() {
		for _, c := range []struct {
			name     string
			dt       DType
			autocast bool
			tol      float64
		}{{"float32", Float32, false, 1e-5}, {"bfloat16", BFloat16, false, 3e-2}, {"autocast", Float32, true, 3e-2}} {
			for _, sh := range [][2]int{{5, 5}, {3, 6}, {6, 3}, {40, 40}} {
				l, s := sh[0], sh[1]
				t.Run(fmt.Sprintf("%s/%s/L%d_S%d", dev, c.name, l, s), func(t *testing.T) {
					mk := func(seed uint64, n int) *Tensor {
						return randT(seed, -1, 1, 2, 3, n, 8).To(c.dt, dev).Detach().SetRequiresGrad(true)
					}
					q, k := mk(uint64(9950+l), l), mk(uint64(9960+s), s)
					run := func(f func() *Tensor) (*Tensor, []*Tensor) {
						var w *Tensor
						if c.autocast {
							Autocast(BFloat16, func() { w = f() })
						} else {
							w = f()
						}
						r := randT(9970, -1, 1, 2, 3, l, s).To(w.DType(), dev)
						return w, Grad([]*Tensor{w.Mul(r).Sum()}, []*Tensor{q, k})
					}
					scale := 1 / math.Sqrt(8)
					if dev.Type == CUDAType || (c.dt == Float32 && !c.autocast) {
						var fast *Tensor
						probe := func() { fast = causalSoftmax(q.Matmul(k.MT()).Detach(), scale) }
						if c.autocast {
							Autocast(BFloat16, probe)
						} else {
							probe()
						}
						if fast == nil {
							t.Fatal("the one-pass kernel was not used")
						}
					}
					w, g := run(func() *Tensor { return AttentionWeights(q, k, nil, true, 0) })
					wr, gr := run(func() *Tensor { return composedCausal(q, k, scale) })
					if w.DType() != wr.DType() {
						t.Fatalf("weights of dtype %v, the composed ops give %v", w.DType(), wr.DType())
					}
					assertClose(t, "weights", w, wr.Shape(), wr.Float64s(), c.tol, c.tol)
					for i := range g {
						assertClose(t, fmt.Sprintf("gradient %d", i), g[i], gr[i].Shape(), gr[i].Float64s(), c.tol, c.tol)
					}
				})
			}
		}
	}
}
