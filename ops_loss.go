package ember

import (
	"fmt"
	"math"
	"slices"

	"github.com/emberdl/ember/backend"
)

// Reduction says how a loss combines its per-element values, as the
// reduction argument of PyTorch's losses. The zero value is ReductionMean,
// PyTorch's default.
type Reduction int

const (
	// ReductionMean averages the per-element losses ("mean"); class-weighted
	// losses divide by the total weight instead.
	ReductionMean Reduction = iota
	// ReductionSum adds the per-element losses ("sum").
	ReductionSum
	// ReductionNone returns the per-element losses unreduced ("none").
	ReductionNone
	// ReductionBatchMean sums and divides by the batch size (the size of
	// the first axis); only KLDiv accepts it ("batchmean").
	ReductionBatchMean
)

// String returns PyTorch's name for the reduction ("mean", "sum", ...).
func (r Reduction) String() string {
	switch r {
	case ReductionMean:
		return "mean"
	case ReductionSum:
		return "sum"
	case ReductionNone:
		return "none"
	case ReductionBatchMean:
		return "batchmean"
	}
	return fmt.Sprintf("Reduction(%d)", int(r))
}

// ParseReduction returns the reduction PyTorch names s ("mean", "sum",
// "none" or "batchmean").
func ParseReduction(s string) (Reduction, error) {
	for r := ReductionMean; r <= ReductionBatchMean; r++ {
		if r.String() == s {
			return r, nil
		}
	}
	return 0, fmt.Errorf("unknown reduction %q (want mean, sum, none or batchmean)", s)
}

// checkReduction panics with a *ValueError unless r is mean, sum or none
// (or, when batchMean is allowed, batchmean).
func checkReduction(op string, r Reduction, batchMean bool) {
	switch r {
	case ReductionMean, ReductionSum, ReductionNone:
		return
	case ReductionBatchMean:
		if batchMean {
			return
		}
	}
	panic(&ValueError{Op: op, Msg: r.String() + " is not a valid value for reduction"})
}

// reduceLoss applies a reduction to per-element losses (tracked).
func reduceLoss(l *Tensor, r Reduction) *Tensor {
	switch r {
	case ReductionSum:
		return l.Sum()
	case ReductionNone:
		return l
	}
	return l.Mean()
}

// extremaRaw returns the smallest and largest element of a non-empty t as
// 0-d tensors (NaN propagates), without recording.
func extremaRaw(t *Tensor) (lo, hi *Tensor) {
	all := normAxes("extrema", nil, t.Dim())
	return t.reduceRaw(backend.Min, all, t.dtype), t.reduceRaw(backend.Max, all, t.dtype)
}

// checkFloatLoss panics with a *DTypeError unless input is floating point.
func checkFloatLoss(op string, input *Tensor) {
	if !input.dtype.IsFloat() {
		panic(&DTypeError{Op: op, Msg: fmt.Sprintf("%q not implemented for '%s'", op, input.dtype)})
	}
}

// lossGradOut brings the gradient of a reduced loss back to the shape of
// the per-element losses.
func lossGradOut(g *Tensor, r Reduction, shape []int) *Tensor {
	switch r {
	case ReductionNone:
		return g
	case ReductionSum:
		return g.Expand(shape...)
	}
	return g.MulScalar(1 / float64(numelOf(shape))).Expand(shape...)
}

func numelOf(shape []int) int {
	n := 1
	for _, s := range shape {
		n *= s
	}
	return n
}

// diffLoss runs a loss of d = input - target elementwise (f gives the
// per-element loss, df its derivative, both of d) as one recorded op whose
// backward is composed of ember ops.
func diffLoss(op, gradName string, input, target *Tensor, r Reduction, f, df func(d *Tensor) *Tensor) *Tensor {
	if i, tg := autocast2(op, input, target); i != input || tg != target {
		return diffLoss(op, gradName, i, tg, r, f, df)
	}
	checkFloatLoss(op, input)
	checkReduction(op, r, false)
	sameDevice(op, input, target)
	shape := broadcastShapes(op, input.shape, target.shape)
	elem := f(input.Detach().Sub(target.Detach()))
	out := reduceLoss(elem, r)
	if rec := track(input, target); rec != nil {
		rec.record(out, gradName, func(g *Tensor) []*Tensor {
			gd := lossGradOut(g, r, shape).Mul(df(input.Sub(target)))
			var gi, gt *Tensor
			if rec.needs(0) {
				gi = sumTo(gd, input.shape)
			}
			if rec.needs(1) {
				gt = sumTo(gd.Neg(), target.shape)
			}
			return []*Tensor{gi, gt}
		}, input, target)
	}
	return out
}

// MSELoss returns the mean squared error (input - target)², reduced by r
// (PyTorch's F.mse_loss). Target broadcasts against input.
func MSELoss(input, target *Tensor, r Reduction) *Tensor {
	return diffLoss("mse_loss", "MseLossBackward0", input, target, r,
		func(d *Tensor) *Tensor { return d.Square() },
		func(d *Tensor) *Tensor { return d.MulScalar(2) })
}

// L1Loss returns the absolute error |input - target|, reduced by r
// (F.l1_loss). The gradient at equal values is 0.
func L1Loss(input, target *Tensor, r Reduction) *Tensor {
	checkFloatLoss("l1_loss", input)
	checkReduction("l1_loss", r, false)
	return reduceLoss(input.Sub(target).Abs(), r)
}

// SmoothL1Loss returns 0.5·d²/beta where |d| < beta and |d| - 0.5·beta
// elsewhere, d = input - target, reduced by r (F.smooth_l1_loss; PyTorch's
// default beta is 1). beta 0 gives L1Loss; a negative beta panics.
func SmoothL1Loss(input, target *Tensor, beta float64, r Reduction) *Tensor {
	if beta < 0 || math.IsNaN(beta) {
		panic(&ValueError{Op: "smooth_l1_loss", Msg: "smooth_l1_loss does not support negative values for beta."})
	}
	if beta == 0 {
		return L1Loss(input, target, r)
	}
	return diffLoss("smooth_l1_loss", "SmoothL1LossBackward0", input, target, r,
		func(d *Tensor) *Tensor {
			a := d.Abs()
			return Where(a.Lt(a.sc(beta)), d.Square().MulScalar(0.5/beta), a.SubScalar(0.5*beta))
		},
		func(d *Tensor) *Tensor {
			return Where(d.Abs().Lt(d.sc(beta)), d.MulScalar(1/beta), d.Sign())
		})
}

// HuberLoss returns 0.5·d² where |d| <= delta and delta·(|d| - 0.5·delta)
// elsewhere, d = input - target, reduced by r (F.huber_loss; PyTorch's
// default delta is 1). delta must be positive.
func HuberLoss(input, target *Tensor, delta float64, r Reduction) *Tensor {
	if !(delta > 0) {
		panic(&ValueError{Op: "huber_loss", Msg: "huber_loss does not support non-positive values for delta."})
	}
	return diffLoss("huber_loss", "HuberLossBackward0", input, target, r,
		func(d *Tensor) *Tensor {
			a := d.Abs()
			return Where(a.Lt(a.sc(delta)), d.Square().MulScalar(0.5), a.SubScalar(0.5*delta).MulScalar(delta))
		},
		func(d *Tensor) *Tensor {
			return Where(d.Abs().Lt(d.sc(delta)), d, d.Sign().MulScalar(delta))
		})
}

// checkSameSizeTarget panics, as PyTorch's binary cross-entropy losses do,
// when target and input differ in shape.
func checkSameSizeTarget(op string, input, target *Tensor, format string) {
	if !slices.Equal(input.shape, target.shape) {
		panic(shapeErr(op, fmt.Sprintf(format, shapeStr(target.shape), shapeStr(input.shape)), input.shape, target.shape))
	}
}

// BinaryCrossEntropy returns -w·(t·log(p) + (1-t)·log(1-p)) for
// probabilities p = input in [0, 1] and targets t of the same shape, each
// log clamped at -100 as PyTorch does (F.binary_cross_entropy). weight may
// be nil or broadcast to input's shape; it gets no gradient. Probabilities
// outside [0, 1] (or NaN) panic with a *ValueError.
func BinaryCrossEntropy(input, target, weight *Tensor, r Reduction) *Tensor {
	const op = "binary_cross_entropy"
	if i, tg, w := autocast3(op, input, target, weight); i != input || tg != target || w != weight {
		return BinaryCrossEntropy(i, tg, w, r)
	}
	checkFloatLoss(op, input)
	checkReduction(op, r, false)
	checkSameSizeTarget(op, input, target, "Using a target size (%s) that is different to the input size (%s) is deprecated. Please ensure they have the same size.")
	sameDevice(op, input, target)
	w := lossWeight(op, weight, input)
	p, t := input.Detach(), target.Detach().castNoGrad(input.dtype)
	if p.Numel() > 0 {
		lo, hi := extremaRaw(p)
		if !(lo.Item() >= 0 && hi.Item() <= 1) {
			panic(&ValueError{Op: op, Msg: "all elements of input should be between 0 and 1"})
		}
	}
	logP := p.Log().ClampMin(-100)
	log1mP := p.Neg().Log1p().ClampMin(-100)
	elem := t.SubScalar(1).Mul(log1mP).Sub(t.Mul(logP))
	if w != nil {
		elem = elem.Mul(w)
	}
	out := reduceLoss(elem, r)
	if rec := track(input, target); rec != nil {
		rec.record(out, "BinaryCrossEntropyBackward0", func(g *Tensor) []*Tensor {
			gd := lossGradOut(g, r, input.shape)
			if w != nil {
				gd = gd.Mul(w)
			}
			var gi, gt *Tensor
			if rec.needs(0) {
				// (p - t) / max(p(1-p), 1e-12)
				den := input.Mul(input.Neg().AddScalar(1)).ClampMin(1e-12)
				gi = gd.Mul(input.Sub(target)).Div(den)
			}
			if rec.needs(1) {
				// -logit(p)
				gt = gd.Mul(input.Neg().Log1p().Sub(input.Log()))
			}
			return []*Tensor{gi, gt}
		}, input, target)
	}
	return out
}

// lossWeight checks an optional elementwise weight against input (it must
// broadcast to input's shape) and returns it detached in input's dtype.
func lossWeight(op string, weight, input *Tensor) *Tensor {
	if weight == nil {
		return nil
	}
	sameDevice(op, input, weight)
	if !slices.Equal(broadcastShapes(op, input.shape, weight.shape), input.shape) {
		panic(shapeErr(op, fmt.Sprintf("weight of shape %s does not broadcast to the input's shape %s", shapeStr(weight.shape), shapeStr(input.shape)), input.shape, weight.shape))
	}
	return weight.Detach().castNoGrad(input.dtype)
}

// BinaryCrossEntropyWithLogits returns the binary cross-entropy of
// sigmoid(input) against target, computed stably from the logits
// (F.binary_cross_entropy_with_logits):
//
//	w · ((1-t)·x + (1 + (posWeight-1)·t) · log(1 + e^(-x)))
//
// weight broadcasts to input's shape; posWeight (the weight of positive
// examples, usually one per class) broadcasts against target. Either may
// be nil; neither gets a gradient.
func BinaryCrossEntropyWithLogits(input, target, weight, posWeight *Tensor, r Reduction) *Tensor {
	const op = "binary_cross_entropy_with_logits"
	if i, tg, w, pw := autocast4(op, input, target, weight, posWeight); i != input || tg != target || w != weight || pw != posWeight {
		return BinaryCrossEntropyWithLogits(i, tg, w, pw, r)
	}
	checkFloatLoss(op, input)
	checkReduction(op, r, false)
	checkSameSizeTarget(op, input, target, "Target size (%s) must be the same as input size (%s)")
	sameDevice(op, input, target)
	w := lossWeight(op, weight, input)
	pw := lossWeight(op, posWeight, input)
	x, t := input.Detach(), target.Detach().castNoGrad(input.dtype)
	// softplus(-x) = max(-x, 0) + log1p(exp(-|x|)), finite for any x.
	sp := x.Neg().Relu().Add(x.Abs().Neg().Exp().Log1p())
	elem := t.Neg().AddScalar(1).Mul(x)
	if pw != nil {
		elem = elem.Add(pw.SubScalar(1).Mul(t).AddScalar(1).Mul(sp))
	} else {
		elem = elem.Add(sp)
	}
	if w != nil {
		elem = elem.Mul(w)
	}
	out := reduceLoss(elem, r)
	if rec := track(input, target); rec != nil {
		rec.record(out, "BinaryCrossEntropyWithLogitsBackward0", func(g *Tensor) []*Tensor {
			gd := lossGradOut(g, r, input.shape)
			if w != nil {
				gd = gd.Mul(w)
			}
			var gi, gt *Tensor
			if rec.needs(0) {
				s := input.Sigmoid()
				if pw != nil {
					// (1 + (pw-1)·t)·σ(x) - pw·t
					gi = gd.Mul(pw.SubScalar(1).Mul(target).AddScalar(1).Mul(s).Sub(pw.Mul(target)))
				} else {
					gi = gd.Mul(s.Sub(target))
				}
			}
			if rec.needs(1) {
				if pw != nil {
					// pw·softplus(-x) - softplus(x)
					gt = gd.Mul(pw.Mul(input.Neg().Softplus(1, 20)).Sub(input.Softplus(1, 20)))
				} else {
					gt = gd.Mul(input).Neg()
				}
			}
			return []*Tensor{gi, gt}
		}, input, target)
	}
	return out
}

// KLDiv returns the Kullback-Leibler divergence loss of F.kl_div: input
// holds log-probabilities, target probabilities (or log-probabilities when
// logTarget is set), and the pointwise loss is t·(log t - input) (0 where
// t is 0), or e^t·(t - input). ReductionBatchMean divides the sum by the
// size of the first axis, which gives the true KL divergence; PyTorch's
// default, ReductionMean, divides by the number of elements instead.
func KLDiv(input, target *Tensor, r Reduction, logTarget bool) *Tensor {
	const op = "kl_div"
	input, target = autocast2(op, input, target)
	checkFloatLoss(op, input)
	checkReduction(op, r, true)
	sameDevice(op, input, target)
	var elem *Tensor
	if logTarget {
		elem = target.Exp().Mul(target.Sub(input))
	} else {
		// xlogy(t, t): t·log(t) with 0 at t == 0 (NaN still propagates).
		safe := Where(target.Eq(target.sc(0)), OnesLike(target), target)
		elem = target.Mul(safe.Log()).Sub(target.Mul(input))
	}
	if r == ReductionBatchMean {
		s := elem.Sum()
		if input.Dim() == 0 {
			return s
		}
		return s.DivScalar(float64(input.shape[0]))
	}
	return reduceLoss(elem, r)
}

// MarginRankingLoss returns max(0, -y·(x1 - x2) + margin), reduced by r
// (F.margin_ranking_loss): y = 1 says x1 should rank higher than x2, y = -1
// the reverse. The three inputs broadcast together.
func MarginRankingLoss(x1, x2, y *Tensor, margin float64, r Reduction) *Tensor {
	const op = "margin_ranking_loss"
	x1, x2, y = autocast3(op, x1, x2, y)
	checkFloatLoss(op, x1)
	checkReduction(op, r, false)
	if x1.Dim() != x2.Dim() || x1.Dim() != y.Dim() {
		panic(shapeErr(op, fmt.Sprintf("margin_ranking_loss : All input tensors should have same dimension but got sizes: input1: %s, input2: %s, target: %s ", shapeStr(x1.shape), shapeStr(x2.shape), shapeStr(y.shape)), x1.shape, x2.shape, y.shape))
	}
	return reduceLoss(y.Neg().Mul(x1.Sub(x2)).AddScalar(margin).ClampMin(0), r)
}

// CosineEmbeddingLoss returns 1 - cos(x1, x2) where y is 1 and
// max(0, cos(x1, x2) - margin) where y is -1 (0 for other y), reduced by r
// (F.cosine_embedding_loss). x1 and x2 are [N, D] with y [N], or [D] with a
// 0-d y; the cosine is taken along D with PyTorch's 1e-12 guard on the
// squared norms.
func CosineEmbeddingLoss(x1, x2, y *Tensor, margin float64, r Reduction) *Tensor {
	const op = "cosine_embedding_loss"
	x1, x2, y = autocast3(op, x1, x2, y)
	checkFloatLoss(op, x1)
	checkReduction(op, r, false)
	sameDevice(op, x1, x2, y)
	switch y.Dim() {
	case 0:
		if x1.Dim() != 1 || x2.Dim() != 1 {
			panic(shapeErr(op, fmt.Sprintf("0D target tensor expects 1D input tensors, but found inputs with sizes %s and %s.", shapeStr(x1.shape), shapeStr(x2.shape)), x1.shape, x2.shape, y.shape))
		}
	case 1:
		if x1.Dim() != 2 || x2.Dim() != 2 {
			panic(shapeErr(op, fmt.Sprintf("1D target tensor expects 2D input tensors, but found inputs with sizes %s and %s.", shapeStr(x1.shape), shapeStr(x2.shape)), x1.shape, x2.shape, y.shape))
		}
	default:
		panic(shapeErr(op, "0D or 1D target tensor expected, multi-target not supported", y.shape))
	}
	const eps = 1e-12
	ax := y.Dim()
	prod := x1.Mul(x2).Sum(ax)
	m1 := x1.Mul(x1).Sum(ax).AddScalar(eps)
	m2 := x2.Mul(x2).Sum(ax).AddScalar(eps)
	cos := prod.Div(m1.Mul(m2).Sqrt())
	zero := ZerosLike(cos)
	pos := Where(y.Eq(y.sc(1)), cos.Neg().AddScalar(1), zero)
	neg := Where(y.Eq(y.sc(-1)), cos.SubScalar(margin).ClampMin(0), zero)
	return reduceLoss(pos.Add(neg), r)
}
