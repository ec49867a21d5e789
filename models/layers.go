package models

import (
	"math"

	"github.com/emberdl/ember"
	"github.com/emberdl/ember/nn"
	"github.com/emberdl/ember/nn/initializer"
)

// The layers in this file are the few that the zoo needs beyond nn.Linear,
// written on the root package's functional ops. Their fields follow
// PyTorch's parameter names, so state-dict keys match torch.nn's layers.

// conv2d is torch.nn.Conv2d with a square kernel, equal stride and padding
// on both axes.
type conv2d struct {
	Weight *ember.Tensor // [out, in, k, k]
	Bias   *ember.Tensor // [out], or nil
	opts   ember.ConvOptions
}

// newConv2d initialises as torch.nn.Conv2d: weight and bias uniform in
// ±1/sqrt(in*k*k) (kaiming_uniform with a = sqrt(5)).
func newConv2d(in, out, k, stride, pad int, bias bool, g *ember.Generator) *conv2d {
	c := &conv2d{
		Weight: ember.Zeros([]int{out, in, k, k}).SetRequiresGrad(true),
		opts:   ember.ConvOptions{Stride: []int{stride}, Padding: []int{pad}},
	}
	bound := 1 / math.Sqrt(float64(in*k*k))
	initializer.Uniform(c.Weight, -bound, bound, gens(g)...)
	if bias {
		c.Bias = ember.Zeros([]int{out}).SetRequiresGrad(true)
		initializer.Uniform(c.Bias, -bound, bound, gens(g)...)
	}
	return c
}

// Forward convolves x [N, in, H, W].
func (c *conv2d) Forward(x *ember.Tensor) *ember.Tensor {
	return nn.Traced(c, ember.Conv2d(x, c.Weight, c.Bias, c.opts))
}

// batchNorm2d is torch.nn.BatchNorm2d with its defaults (eps 1e-5,
// momentum 0.1, affine, tracking running statistics).
type batchNorm2d struct {
	nn.Mode
	Weight            *ember.Tensor // [C], ones
	Bias              *ember.Tensor // [C], zeros
	RunningMean       *ember.Tensor `nn:"buffer"` // [C], zeros
	RunningVar        *ember.Tensor `nn:"buffer"` // [C], ones
	NumBatchesTracked *ember.Tensor `nn:"buffer"` // int64 scalar
}

func newBatchNorm2d(c int) *batchNorm2d {
	return &batchNorm2d{
		Weight:            ember.Ones([]int{c}).SetRequiresGrad(true),
		Bias:              ember.Zeros([]int{c}).SetRequiresGrad(true),
		RunningMean:       ember.Zeros([]int{c}),
		RunningVar:        ember.Ones([]int{c}),
		NumBatchesTracked: ember.Zeros(nil, ember.Int64),
	}
}

// Forward normalises x [N, C, H, W] with batch statistics in training mode
// (updating the running ones) and running statistics in evaluation mode.
func (b *batchNorm2d) Forward(x *ember.Tensor) *ember.Tensor {
	if b.Training() {
		ember.NoGrad(func() { b.NumBatchesTracked.AddScalarInPlace(1) })
	}
	return nn.Traced(b, ember.BatchNorm(x, b.RunningMean, b.RunningVar, b.Weight, b.Bias, b.Training(), 0.1, 1e-5))
}

// layerNorm is torch.nn.LayerNorm over the last axis (eps 1e-5).
type layerNorm struct {
	Weight *ember.Tensor // [D], ones
	Bias   *ember.Tensor // [D], zeros
}

func newLayerNorm(d int) *layerNorm {
	return &layerNorm{Weight: ember.Ones([]int{d}).SetRequiresGrad(true), Bias: ember.Zeros([]int{d}).SetRequiresGrad(true)}
}

// Forward normalises the last axis of x.
func (l *layerNorm) Forward(x *ember.Tensor) *ember.Tensor {
	return nn.Traced(l, ember.LayerNorm(x, []int{l.Weight.Size(0)}, l.Weight, l.Bias, 1e-5))
}

// embedding is torch.nn.Embedding (rows of Weight looked up by id).
type embedding struct {
	Weight *ember.Tensor // [num, dim]
}

// Forward looks up ids of any integer shape; float ids (such as the zeros
// nn.Summary feeds) are converted to int64.
func (e *embedding) Forward(ids *ember.Tensor) *ember.Tensor {
	return nn.Traced(e, ember.Embedding(asIDs(ids), e.Weight))
}

// asIDs converts ids to int64 unless they are already an integer tensor.
func asIDs(ids *ember.Tensor) *ember.Tensor {
	if ids.DType() == ember.Int64 || ids.DType() == ember.Int32 {
		return ids
	}
	return ids.Detach().To(ember.Int64)
}

// relu is torch.nn.ReLU.
type relu struct{ _ byte }

// Forward returns max(x, 0).
func (r *relu) Forward(x *ember.Tensor) *ember.Tensor { return nn.Traced(r, x.Relu()) }

// maxPool2 is torch.nn.MaxPool2d(2).
type maxPool2 struct{ _ byte }

// Forward halves the height and width, keeping each 2×2 window's maximum.
func (p *maxPool2) Forward(x *ember.Tensor) *ember.Tensor {
	v, _ := ember.MaxPool2d(x, ember.PoolOptions{Kernel: []int{2}})
	return nn.Traced(p, v)
}

// gens turns an optional generator into the variadic form of the
// initializer functions.
func gens(g *ember.Generator) []*ember.Generator {
	if g == nil {
		return nil
	}
	return []*ember.Generator{g}
}
