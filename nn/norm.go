package nn

import (
	"fmt"
	"math"
	"slices"

	"github.com/emberdl/ember"
)

// checkNormalizedShape panics unless every size is positive.
func checkNormalizedShape(op string, shape []int) {
	if len(shape) == 0 {
		panic(valueErr(op, "normalized_shape must have at least one dimension"))
	}
	for _, s := range shape {
		if s < 1 {
			panic(valueErr(op, fmt.Sprintf("normalized_shape must be positive, got %v", shape)))
		}
	}
}

// LayerNorm normalises the trailing NormalizedShape dimensions of its
// input to zero mean and unit variance, then applies an element-wise
// affine map (torch.nn.LayerNorm).
type LayerNorm struct {
	Weight *ember.Tensor // NormalizedShape, ones; nil without elementwise affine
	Bias   *ember.Tensor // NormalizedShape, zeros; nil without elementwise affine

	NormalizedShape []int
	Eps             float64
}

// NewLayerNorm returns a LayerNorm over the trailing dimensions
// normalizedShape. PyTorch's defaults are eps 1e-5 and elementwiseAffine
// true (weight ones, bias zeros). Options give the dtype and device.
func NewLayerNorm(normalizedShape []int, eps float64, elementwiseAffine bool, opts ...ember.Option) *LayerNorm {
	checkNormalizedShape("nn.NewLayerNorm", normalizedShape)
	l := &LayerNorm{NormalizedShape: slices.Clone(normalizedShape), Eps: eps}
	if elementwiseAffine {
		l.Weight = paramFull(normalizedShape, 1, opts)
		l.Bias = paramFull(normalizedShape, 0, opts)
	}
	return l
}

// Forward normalises x [*, NormalizedShape...].
func (l *LayerNorm) Forward(x *ember.Tensor) *ember.Tensor {
	return traced(l, ember.LayerNorm(x, l.NormalizedShape, l.Weight, l.Bias, l.Eps))
}

// RMSNorm divides its input by the root mean square of the trailing
// NormalizedShape dimensions and scales by Weight (torch.nn.RMSNorm, added
// in PyTorch 2.4).
type RMSNorm struct {
	Weight *ember.Tensor // NormalizedShape, ones; nil without elementwise affine

	NormalizedShape []int
	// Eps is added to the mean square; 0 means PyTorch's eps=None, the
	// machine epsilon of the input's dtype.
	Eps float64
}

// NewRMSNorm returns an RMSNorm over the trailing dimensions
// normalizedShape; eps 0 means the input dtype's machine epsilon
// (PyTorch's default None). PyTorch's default elementwiseAffine is true.
func NewRMSNorm(normalizedShape []int, eps float64, elementwiseAffine bool, opts ...ember.Option) *RMSNorm {
	checkNormalizedShape("nn.NewRMSNorm", normalizedShape)
	if eps < 0 {
		panic(valueErr("nn.NewRMSNorm", fmt.Sprintf("eps must be non-negative, got %v", eps)))
	}
	l := &RMSNorm{NormalizedShape: slices.Clone(normalizedShape), Eps: eps}
	if elementwiseAffine {
		l.Weight = paramFull(normalizedShape, 1, opts)
	}
	return l
}

// machineEps is torch.finfo(dt).eps.
func machineEps(dt ember.DType) float64 {
	switch dt {
	case ember.Float64:
		return math.Ldexp(1, -52)
	case ember.Float16:
		return math.Ldexp(1, -10)
	case ember.BFloat16:
		return math.Ldexp(1, -7)
	}
	return math.Ldexp(1, -23)
}

// Forward normalises x [*, NormalizedShape...].
func (l *RMSNorm) Forward(x *ember.Tensor) *ember.Tensor {
	eps := l.Eps
	if eps == 0 {
		eps = machineEps(x.DType())
	}
	return traced(l, ember.RMSNorm(x, l.NormalizedShape, l.Weight, eps))
}

// GroupNorm normalises groups of channels of [N, C, *] inputs
// (torch.nn.GroupNorm): the C channels are split into NumGroups groups,
// each normalised over its channels and the spatial dimensions, then a
// per-channel affine map is applied.
type GroupNorm struct {
	Weight *ember.Tensor // [NumChannels], ones; nil without affine
	Bias   *ember.Tensor // [NumChannels], zeros; nil without affine

	NumGroups, NumChannels int
	Eps                    float64
}

// NewGroupNorm returns a GroupNorm; numChannels must be divisible by
// numGroups. PyTorch's defaults are eps 1e-5 and affine true.
func NewGroupNorm(numGroups, numChannels int, eps float64, affine bool, opts ...ember.Option) *GroupNorm {
	if numGroups < 1 || numChannels < 0 {
		panic(valueErr("nn.NewGroupNorm", fmt.Sprintf("num_groups must be positive and num_channels non-negative, got %d and %d", numGroups, numChannels)))
	}
	if numChannels%numGroups != 0 {
		panic(valueErr("nn.NewGroupNorm", "num_channels must be divisible by num_groups"))
	}
	l := &GroupNorm{NumGroups: numGroups, NumChannels: numChannels, Eps: eps}
	if affine {
		l.Weight = paramFull([]int{numChannels}, 1, opts)
		l.Bias = paramFull([]int{numChannels}, 0, opts)
	}
	return l
}

// Forward normalises x [N, C, *].
func (l *GroupNorm) Forward(x *ember.Tensor) *ember.Tensor {
	return traced(l, ember.GroupNorm(x, l.NumGroups, l.Weight, l.Bias, l.Eps))
}
