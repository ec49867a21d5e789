package nn

import (
	"fmt"

	"github.com/emberdl/ember"
)

// The losses are modules whose Forward takes the input and the target (so
// they are not single-input Layers). Each holds its Reduction
// (ember.ReductionMean, the zero value, is PyTorch's default; also
// ReductionSum and ReductionNone) and calls the functional loss of the
// root package, which checks the shapes.

// MSELoss is the mean squared error (torch.nn.MSELoss).
type MSELoss struct{ Reduction ember.Reduction }

// NewMSELoss returns an MSELoss with the given reduction.
func NewMSELoss(r ember.Reduction) *MSELoss { return &MSELoss{Reduction: r} }

// Forward returns the loss of input against target.
func (l *MSELoss) Forward(input, target *ember.Tensor) *ember.Tensor {
	return ember.MSELoss(input, target, l.Reduction)
}

// L1Loss is the mean absolute error (torch.nn.L1Loss).
type L1Loss struct{ Reduction ember.Reduction }

// NewL1Loss returns an L1Loss with the given reduction.
func NewL1Loss(r ember.Reduction) *L1Loss { return &L1Loss{Reduction: r} }

// Forward returns the loss of input against target.
func (l *L1Loss) Forward(input, target *ember.Tensor) *ember.Tensor {
	return ember.L1Loss(input, target, l.Reduction)
}

// SmoothL1Loss is quadratic for |x - y| < Beta and linear beyond
// (torch.nn.SmoothL1Loss; PyTorch's default beta is 1).
type SmoothL1Loss struct {
	Beta      float64
	Reduction ember.Reduction
}

// NewSmoothL1Loss returns a SmoothL1Loss; beta must be non-negative.
func NewSmoothL1Loss(beta float64, r ember.Reduction) *SmoothL1Loss {
	if beta < 0 {
		panic(valueErr("nn.NewSmoothL1Loss", fmt.Sprintf("smooth_l1_loss does not support negative values for beta, got %v", beta)))
	}
	return &SmoothL1Loss{Beta: beta, Reduction: r}
}

// Forward returns the loss of input against target.
func (l *SmoothL1Loss) Forward(input, target *ember.Tensor) *ember.Tensor {
	return ember.SmoothL1Loss(input, target, l.Beta, l.Reduction)
}

// HuberLoss is quadratic for |x - y| < Delta and Delta-scaled linear beyond
// (torch.nn.HuberLoss; PyTorch's default delta is 1).
type HuberLoss struct {
	Delta     float64
	Reduction ember.Reduction
}

// NewHuberLoss returns a HuberLoss; delta must be positive.
func NewHuberLoss(delta float64, r ember.Reduction) *HuberLoss {
	if !(delta > 0) {
		panic(valueErr("nn.NewHuberLoss", fmt.Sprintf("huber_loss does not support non-positive values for delta, got %v", delta)))
	}
	return &HuberLoss{Delta: delta, Reduction: r}
}

// Forward returns the loss of input against target.
func (l *HuberLoss) Forward(input, target *ember.Tensor) *ember.Tensor {
	return ember.HuberLoss(input, target, l.Delta, l.Reduction)
}

// BCELoss is the binary cross entropy of probabilities
// (torch.nn.BCELoss), with an optional Weight broadcast against the
// input.
type BCELoss struct {
	Weight    *ember.Tensor `nn:"buffer"` // rescales each element's loss, or nil
	Reduction ember.Reduction
}

// NewBCELoss returns a BCELoss; weight may be nil.
func NewBCELoss(weight *ember.Tensor, r ember.Reduction) *BCELoss {
	return &BCELoss{Weight: weight, Reduction: r}
}

// Forward returns the loss of the probabilities input against target.
func (l *BCELoss) Forward(input, target *ember.Tensor) *ember.Tensor {
	return ember.BinaryCrossEntropy(input, target, l.Weight, l.Reduction)
}

// BCEWithLogitsLoss is the binary cross entropy of logits, computed stably
// (torch.nn.BCEWithLogitsLoss). PosWeight (one per class, broadcast
// against the target) weighs the positive term.
type BCEWithLogitsLoss struct {
	Weight    *ember.Tensor `nn:"buffer"` // rescales each element's loss, or nil
	PosWeight *ember.Tensor `nn:"buffer"` // weight of positive examples, or nil
	Reduction ember.Reduction
}

// NewBCEWithLogitsLoss returns a BCEWithLogitsLoss; weight and posWeight
// may be nil.
func NewBCEWithLogitsLoss(weight, posWeight *ember.Tensor, r ember.Reduction) *BCEWithLogitsLoss {
	return &BCEWithLogitsLoss{Weight: weight, PosWeight: posWeight, Reduction: r}
}

// Forward returns the loss of the logits input against target.
func (l *BCEWithLogitsLoss) Forward(input, target *ember.Tensor) *ember.Tensor {
	return ember.BinaryCrossEntropyWithLogits(input, target, l.Weight, l.PosWeight, l.Reduction)
}

// KLDivLoss is the Kullback-Leibler divergence of a target distribution
// from log-probabilities (torch.nn.KLDivLoss). Reduction may also be
// ember.ReductionBatchMean, the mathematically correct mean; with
// LogTarget the target holds log-probabilities too.
type KLDivLoss struct {
	Reduction ember.Reduction
	LogTarget bool
}

// NewKLDivLoss returns a KLDivLoss.
func NewKLDivLoss(r ember.Reduction, logTarget bool) *KLDivLoss {
	return &KLDivLoss{Reduction: r, LogTarget: logTarget}
}

// Forward returns the divergence of target from the log-probabilities
// input.
func (l *KLDivLoss) Forward(input, target *ember.Tensor) *ember.Tensor {
	return ember.KLDiv(input, target, l.Reduction, l.LogTarget)
}

// CosineEmbeddingLoss (torch.nn.CosineEmbeddingLoss) compares pairs:
// 1 - cos(x1, x2) where the label is 1 and max(0, cos(x1, x2) - Margin)
// where it is -1. Its Forward takes the pair and the labels.
type CosineEmbeddingLoss struct {
	Margin    float64
	Reduction ember.Reduction
}

// NewCosineEmbeddingLoss returns a CosineEmbeddingLoss (PyTorch's default
// margin is 0).
func NewCosineEmbeddingLoss(margin float64, r ember.Reduction) *CosineEmbeddingLoss {
	return &CosineEmbeddingLoss{Margin: margin, Reduction: r}
}

// Forward returns the loss of x1 [N, D] and x2 [N, D] (or [D]) with labels
// y [N] (or 0-d) of 1 or -1.
func (l *CosineEmbeddingLoss) Forward(x1, x2, y *ember.Tensor) *ember.Tensor {
	return ember.CosineEmbeddingLoss(x1, x2, y, l.Margin, l.Reduction)
}

// MarginRankingLoss (torch.nn.MarginRankingLoss) is
// max(0, -y·(x1 - x2) + Margin): y = 1 asks for x1 to rank above x2 by
// the margin, y = -1 the reverse.
type MarginRankingLoss struct {
	Margin    float64
	Reduction ember.Reduction
}

// NewMarginRankingLoss returns a MarginRankingLoss (PyTorch's default
// margin is 0).
func NewMarginRankingLoss(margin float64, r ember.Reduction) *MarginRankingLoss {
	return &MarginRankingLoss{Margin: margin, Reduction: r}
}

// Forward returns the loss of the scores x1 and x2 with labels y.
func (l *MarginRankingLoss) Forward(x1, x2, y *ember.Tensor) *ember.Tensor {
	return ember.MarginRankingLoss(x1, x2, y, l.Margin, l.Reduction)
}
