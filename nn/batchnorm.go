package nn

import (
	"fmt"

	"github.com/emberdl/ember"
)

// BatchNormOptions configures the batch-normalisation layers. The zero
// value gives PyTorch's defaults (eps 1e-5, momentum 0.1, affine, tracking
// running statistics).
type BatchNormOptions struct {
	Eps float64 // added to the variance; 0 means 1e-5
	// Momentum weighs the batch statistics in the running averages:
	// running = (1-momentum)·running + momentum·batch. nil means 0.1.
	Momentum *float64
	// CumulativeAverage replaces the momentum by 1/num_batches_tracked, a
	// plain average over all batches seen (PyTorch's momentum=None).
	CumulativeAverage bool
	NoAffine          bool // no learnable weight and bias (affine=False)
	// NoTrackRunningStats keeps no running statistics: the batch's own
	// statistics are used in evaluation too (track_running_stats=False).
	NoTrackRunningStats bool
}

// BatchNorm is per-channel batch normalisation of [N, C, *] inputs, the
// layer that BatchNorm1d, BatchNorm2d and BatchNorm3d specialise by input
// rank. In training mode it normalises with the batch's mean and biased
// variance and updates the running statistics (with the unbiased
// variance); in evaluation mode it uses the running statistics.
type BatchNorm struct {
	Mode
	Weight *ember.Tensor // [C], ones; nil without affine
	Bias   *ember.Tensor // [C], zeros; nil without affine

	RunningMean       *ember.Tensor `nn:"buffer"` // [C], zeros; nil without tracking
	RunningVar        *ember.Tensor `nn:"buffer"` // [C], ones; nil without tracking
	NumBatchesTracked *ember.Tensor `nn:"buffer"` // 0-d int64; nil without tracking

	NumFeatures       int
	Eps               float64
	Momentum          float64
	CumulativeAverage bool
}

// NewBatchNorm returns a BatchNorm for inputs [N, numFeatures, *] of any
// rank; most models use NewBatchNorm1d or NewBatchNorm2d, which also check
// the rank. Options give the dtype and device.
func NewBatchNorm(numFeatures int, o BatchNormOptions, opts ...ember.Option) *BatchNorm {
	return newBatchNorm("nn.NewBatchNorm", numFeatures, o, opts)
}

// newBatchNorm builds a BatchNorm, op naming the constructor in errors.
func newBatchNorm(op string, c int, o BatchNormOptions, opts []ember.Option) *BatchNorm {
	if c < 0 {
		panic(valueErr(op, fmt.Sprintf("num_features must be non-negative, got %d", c)))
	}
	b := &BatchNorm{NumFeatures: c, Eps: o.Eps, Momentum: 0.1, CumulativeAverage: o.CumulativeAverage}
	if b.Eps == 0 {
		b.Eps = 1e-5
	}
	if o.Momentum != nil {
		b.Momentum = *o.Momentum
	}
	if !o.NoAffine {
		b.Weight = paramFull([]int{c}, 1, opts)
		b.Bias = paramFull([]int{c}, 0, opts)
	}
	if !o.NoTrackRunningStats {
		b.RunningMean = buffer([]int{c}, 0, opts)
		b.RunningVar = buffer([]int{c}, 1, opts)
		b.NumBatchesTracked = counterBuffer(opts)
	}
	return b
}

// Forward normalises x [N, C, *].
func (b *BatchNorm) Forward(x *ember.Tensor) *ember.Tensor { return traced(b, b.normalize(x)) }

// normalize is PyTorch's _BatchNorm.forward.
func (b *BatchNorm) normalize(x *ember.Tensor) *ember.Tensor {
	factor := b.Momentum
	tracking := b.RunningMean != nil && b.RunningVar != nil
	if b.Training() && tracking && b.NumBatchesTracked != nil {
		ember.NoGrad(func() { b.NumBatchesTracked.AddScalarInPlace(1) })
		if b.CumulativeAverage {
			factor = 1 / float64(b.NumBatchesTracked.ItemInt())
		}
	}
	useBatch := b.Training() || !tracking
	var rm, rv *ember.Tensor
	if tracking {
		rm, rv = b.RunningMean, b.RunningVar
	}
	return ember.BatchNorm(x, rm, rv, b.Weight, b.Bias, useBatch, factor, b.Eps)
}

// ResetRunningStats sets the running mean to zeros, the running variance to
// ones and the batch count to zero (reset_running_stats).
func (b *BatchNorm) ResetRunningStats() {
	ember.NoGrad(func() {
		for _, t := range []*ember.Tensor{b.RunningMean, b.NumBatchesTracked} {
			if t != nil {
				t.ZeroInPlace()
			}
		}
		if b.RunningVar != nil {
			b.RunningVar.FillInPlace(1)
		}
	})
}

// checkRank panics with PyTorch's message unless x has one of the ranks.
func checkRank(x *ember.Tensor, what string, ranks ...int) {
	for _, r := range ranks {
		if x.Dim() == r {
			return
		}
	}
	panic(&ember.ShapeError{Op: "batch_norm", Msg: fmt.Sprintf("expected %s input (got %dD input)", what, x.Dim()), Shapes: [][]int{x.Shape()}})
}

// BatchNorm1d is BatchNorm for [N, C] or [N, C, L] inputs
// (torch.nn.BatchNorm1d). Its state-dict keys are weight, bias,
// running_mean, running_var and num_batches_tracked, as PyTorch's.
type BatchNorm1d struct {
	BatchNorm
}

// NewBatchNorm1d returns a BatchNorm1d over numFeatures channels.
func NewBatchNorm1d(numFeatures int, o BatchNormOptions, opts ...ember.Option) *BatchNorm1d {
	return &BatchNorm1d{*newBatchNorm("nn.NewBatchNorm1d", numFeatures, o, opts)}
}

// Forward normalises x [N, C] or [N, C, L].
func (b *BatchNorm1d) Forward(x *ember.Tensor) *ember.Tensor {
	checkRank(x, "2D or 3D", 2, 3)
	return traced(b, b.normalize(x))
}

// BatchNorm2d is BatchNorm for [N, C, H, W] inputs (torch.nn.BatchNorm2d).
type BatchNorm2d struct {
	BatchNorm
}

// NewBatchNorm2d returns a BatchNorm2d over numFeatures channels.
func NewBatchNorm2d(numFeatures int, o BatchNormOptions, opts ...ember.Option) *BatchNorm2d {
	return &BatchNorm2d{*newBatchNorm("nn.NewBatchNorm2d", numFeatures, o, opts)}
}

// Forward normalises x [N, C, H, W].
func (b *BatchNorm2d) Forward(x *ember.Tensor) *ember.Tensor {
	checkRank(x, "4D", 4)
	return traced(b, b.normalize(x))
}

// BatchNorm3d is BatchNorm for [N, C, D, H, W] inputs
// (torch.nn.BatchNorm3d).
type BatchNorm3d struct {
	BatchNorm
}

// NewBatchNorm3d returns a BatchNorm3d over numFeatures channels.
func NewBatchNorm3d(numFeatures int, o BatchNormOptions, opts ...ember.Option) *BatchNorm3d {
	return &BatchNorm3d{*newBatchNorm("nn.NewBatchNorm3d", numFeatures, o, opts)}
}

// Forward normalises x [N, C, D, H, W].
func (b *BatchNorm3d) Forward(x *ember.Tensor) *ember.Tensor {
	checkRank(x, "5D", 5)
	return traced(b, b.normalize(x))
}
