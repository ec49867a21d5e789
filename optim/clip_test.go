package optim

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/emberdl/ember"
)

// clipParams returns three parameters of dtype dt: the first two with the
// golden gradients, the third without one.
func clipParams(g *golden, dt ember.DType) []*ember.Tensor {
	ps := []*ember.Tensor{
		ember.Zeros([]int{3, 4}, dt).SetRequiresGrad(true),
		ember.Zeros([]int{5}, dt).SetRequiresGrad(true),
		ember.Zeros([]int{2}, dt).SetRequiresGrad(true),
	}
	for i, vals := range g.ClipGrads {
		v := floats(vals)
		for j := range v {
			v[j] = float64(float32(v[j]))
		}
		ps[i].SetGrad(ember.FromSlice(v, ps[i].Shape()...).To(dt))
	}
	return ps
}

// TestClipMatchesPyTorch compares ClipGradNorm (p = 2, 1, inf, 3, 0.5;
// clipping and not; a non-finite gradient) and ClipGradValue with
// PyTorch's clip_grad_norm_ and clip_grad_value_.
func TestClipMatchesPyTorch(t *testing.T) {
	g := loadGolden(t)
	for i, c := range g.Clip {
		name := fmt.Sprintf("%d_%s_%s_max%v_p%v", i, c.Kind, c.DType, c.MaxNorm, float64(c.NormType))
		t.Run(name, func(t *testing.T) {
			dt := dtypeOf(t, c.DType)
			ps := clipParams(g, dt)
			if c.Kind == "norm_inf" {
				ps[0].Grad().Narrow(0, 1, 1).Narrow(1, 2, 1).FillInPlace(math.Inf(1))
			}
			switch c.Kind {
			case "norm", "norm_inf":
				total := ClipGradNorm(ps, c.MaxNorm, float64(c.NormType))
				assertClose(t, "total norm", []float64{total}, []float64{float64(c.Total)}, tolerance(dt))
			case "value":
				ClipGradValue(ps, c.Clip)
			}
			for k, want := range c.Grads {
				assertClose(t, fmt.Sprintf("gradient %d", k), ps[k].Grad().Float64s(), floats(want), tolerance(dt))
			}
			if ps[2].Grad() != nil {
				t.Fatal("a parameter without a gradient got one")
			}
		})
	}
}

// TestClipGradNormChecked checks that a non-finite norm is an error that
// leaves the gradients alone, and that a finite one clips as ClipGradNorm.
func TestClipGradNormChecked(t *testing.T) {
	g := loadGolden(t)
	for _, bad := range []float64{math.Inf(1), math.NaN()} {
		ps := clipParams(g, ember.Float32)
		ps[1].Grad().Narrow(0, 3, 1).FillInPlace(bad)
		before := ps[0].Grad().Float64s()
		total, err := ClipGradNormChecked(ps, 1, 2)
		if err == nil || !strings.Contains(err.Error(), "non-finite") {
			t.Fatalf("gradient %v: error %v, want a non-finite norm error", bad, err)
		}
		if !math.IsNaN(total) && !math.IsInf(total, 1) {
			t.Fatalf("gradient %v: total %v", bad, total)
		}
		assertClose(t, "untouched gradient", ps[0].Grad().Float64s(), before, 0)
	}
	a, b := clipParams(g, ember.Float64), clipParams(g, ember.Float64)
	total, err := ClipGradNormChecked(a, 0.5, 2)
	if err != nil || total != ClipGradNorm(b, 0.5, 2) {
		t.Fatalf("checked total %v, %v; unchecked %v", total, err, ClipGradNorm(b, 0.5, 2))
	}
	assertClose(t, "checked clip", a[0].Grad().Float64s(), b[0].Grad().Float64s(), 0)
}

// TestClipEdgeCases: no gradients, mixed dtypes, a bad norm type.
func TestClipEdgeCases(t *testing.T) {
	if got := ClipGradNorm([]*ember.Tensor{ember.Zeros([]int{2})}, 1, 2); got != 0 {
		t.Fatalf("no gradients: total %v, want 0", got)
	}
	if got := ClipGradNorm(nil, 1, 2); got != 0 {
		t.Fatalf("no parameters: total %v, want 0", got)
	}
	// A float32 and a float64 gradient: norms 5 and 12, total 13.
	a := ember.Zeros([]int{2}).SetRequiresGrad(true)
	a.SetGrad(ember.From([]float32{3, 4}))
	b := ember.Zeros([]int{2}, ember.Float64).SetRequiresGrad(true)
	b.SetGrad(ember.FromSlice([]float64{0, 12}, 2))
	total := ClipGradNorm([]*ember.Tensor{a, b}, 6.5, 2)
	assertClose(t, "mixed total", []float64{total}, []float64{13}, 1e-12)
	want := 6.5 / (13 + 1e-6)
	assertClose(t, "mixed a", a.Grad().Float64s(), []float64{3 * want, 4 * want}, 1e-6)
	assertClose(t, "mixed b", b.Grad().Float64s(), []float64{0, 12 * want}, 1e-12)
	if err := ember.Catch(func() { ClipGradNorm([]*ember.Tensor{a}, 1, 0) }); err == nil || !strings.Contains(err.Error(), "norm type") {
		t.Fatalf("norm type 0: %v", err)
	}
}
