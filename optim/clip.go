package optim

import (
	"fmt"
	"math"

	"github.com/emberdl/ember"
)

// ClipGradNorm rescales the gradients of params in place so that their
// total normType-norm (the norm of all gradients concatenated: 2 for
// Euclidean, math.Inf(1) for the largest magnitude, any p > 0) is at most
// maxNorm, and returns the total norm before clipping, as
// torch.nn.utils.clip_grad_norm_. Parameters without a gradient are
// skipped; with none it returns 0. A non-finite norm is returned too, and
// scales the gradients by NaN or 0 as PyTorch does; ClipGradNormChecked
// refuses it instead. Beyond the norms, it allocates nothing per
// parameter: the gradients are scaled in place.
func ClipGradNorm(params []*ember.Tensor, maxNorm, normType float64) float64 {
	total, _ := clipGradNorm(params, maxNorm, normType, false)
	return total
}

// ClipGradNormChecked is ClipGradNorm with error_if_nonfinite=True: when
// the total norm is NaN or infinite (a gradient overflowed), it returns an
// error and leaves the gradients as they are.
func ClipGradNormChecked(params []*ember.Tensor, maxNorm, normType float64) (float64, error) {
	return clipGradNorm(params, maxNorm, normType, true)
}

func clipGradNorm(params []*ember.Tensor, maxNorm, normType float64, checked bool) (total float64, err error) {
	check(normType > 0, "optim.ClipGradNorm", "norm type must be positive or +Inf, got %v", normType)
	var grads []*ember.Tensor
	for _, p := range params {
		if g := p.Grad(); g != nil {
			grads = append(grads, g)
		}
	}
	if len(grads) == 0 {
		return 0, nil
	}
	dev, dt := grads[0].Device(), grads[0].DType()
	for _, g := range grads[1:] {
		if g.DType() != dt {
			dt = ember.Float64
		}
	}
	ember.NoGrad(func() {
		norms := make([]*ember.Tensor, len(grads))
		for i, g := range grads {
			norms[i] = g.Norm(normType).To(dt, dev)
		}
		var t *ember.Tensor
		switch {
		case math.IsInf(normType, 1) && len(norms) == 1:
			t = norms[0]
		case math.IsInf(normType, 1):
			t = ember.Stack(norms, 0).Max()
		default:
			t = ember.Stack(norms, 0).Norm(normType)
		}
		total = t.Item()
	})
	if checked && (math.IsNaN(total) || math.IsInf(total, 0)) {
		return total, fmt.Errorf("optim: the total norm of order %v of the gradients is non-finite (%v), so it cannot be clipped", normType, total)
	}
	coef := clipCoef(total, maxNorm, dt)
	if coef >= 1 {
		return total, nil // PyTorch multiplies by 1: no change
	}
	ember.NoGrad(func() {
		for _, g := range grads {
			g.MulScalarInPlace(coef)
		}
	})
	return total, nil
}

// clipCoef is min(maxNorm/(total+1e-6), 1), computed as PyTorch computes
// it in the norm's dtype: reciprocal(total + 1e-6) * maxNorm.
func clipCoef(total, maxNorm float64, dt ember.DType) float64 {
	if dt == ember.Float64 {
		return math.Min(1/(total+1e-6)*maxNorm, 1)
	}
	r := float32(1) / (float32(total) + float32(1e-6))
	c := float64(r * float32(maxNorm))
	if c > 1 {
		c = 1
	}
	return c
}

// ClipGradValue clamps every gradient element of params to [-clip, clip]
// in place, as torch.nn.utils.clip_grad_value_.
func ClipGradValue(params []*ember.Tensor, clip float64) {
	ember.NoGrad(func() {
		for _, p := range params {
			if g := p.Grad(); g != nil {
				g.ClampInPlace(-clip, clip)
			}
		}
	})
}
