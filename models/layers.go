package models

import (
	"github.com/emberdl/ember"
	"github.com/emberdl/ember/nn"
)

// conv returns an nn.Conv2d with a k×k kernel, the given stride and
// padding, initialised as torch.nn.Conv2d.
func conv(in, out, k, stride, pad int, bias bool, g *ember.Generator) *nn.Conv2d {
	return nn.NewConv2d(in, out, []int{k, k}, nn.ConvConfig{Stride: []int{stride}, Padding: []int{pad}, NoBias: !bias}, genOpts(g)...)
}

// maxPool2 is torch.nn.MaxPool2d(2).
func maxPool2() *nn.MaxPool2d { return nn.NewMaxPool2d(ember.PoolOptions{Kernel: []int{2}}) }

// asIDs converts ids to int64 unless they are already an integer tensor
// (nn.Summary feeds float zeros).
func asIDs(ids *ember.Tensor) *ember.Tensor {
	if ids.DType() == ember.Int64 || ids.DType() == ember.Int32 {
		return ids
	}
	return ids.Detach().To(ember.Int64)
}

// genOpts turns an optional generator into creation options.
func genOpts(g *ember.Generator) []ember.Option {
	if g == nil {
		return nil
	}
	return []ember.Option{g}
}

// gens turns an optional generator into the variadic form of the
// initializer functions.
func gens(g *ember.Generator) []*ember.Generator {
	if g == nil {
		return nil
	}
	return []*ember.Generator{g}
}

// chain runs layers in order on x and returns the last output. When no
// graph is being recorded (ember.NoGrad), each intermediate output is freed
// as soon as the next layer has consumed it, unless that layer's output is
// a view of it (an in-place ReLU returns its input): the intermediates are
// the model's own temporaries, so inference in large batches peaks at about
// two activations rather than holding all of them until the garbage
// collector runs. The input x (and any view of it) is never freed.
func chain(x *ember.Tensor, layers ...nn.Layer) *ember.Tensor {
	free := !ember.GradEnabled()
	in := x
	for _, l := range layers {
		y := l.Forward(x)
		if free && !x.SharesMemory(in) && !y.SharesMemory(x) {
			x.Free()
		}
		x = y
	}
	return x
}
