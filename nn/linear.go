package nn

import (
	"fmt"
	"math"

	"github.com/emberdl/ember"
	"github.com/emberdl/ember/nn/initializer"
)

// genOf picks the generator among creation options (nil: the default).
func genOf(opts []ember.Option) []*ember.Generator {
	for _, o := range opts {
		if g, ok := o.(*ember.Generator); ok {
			return []*ember.Generator{g}
		}
	}
	return nil
}

// param makes a leaf parameter of the given shape (dtype and device from
// opts) that requires gradients.
func param(shape []int, opts []ember.Option) *ember.Tensor {
	var keep []ember.Option
	for _, o := range opts {
		if _, isGen := o.(*ember.Generator); !isGen {
			keep = append(keep, o)
		}
	}
	return ember.Zeros(shape, keep...).SetRequiresGrad(true)
}

// uniformBound fills t from U(-b, b), b = 1/sqrt(fanIn) (PyTorch's default
// for biases, and for weights via kaiming_uniform with a = sqrt(5)).
func uniformBound(t *ember.Tensor, fanIn int, opts []ember.Option) {
	b := 0.0
	if fanIn > 0 {
		b = 1 / math.Sqrt(float64(fanIn))
	}
	initializer.Uniform(t, -b, b, genOf(opts)...)
}

// Linear applies y = x·Wᵀ + b to the last axis (torch.nn.Linear).
type Linear struct {
	Weight *ember.Tensor // [out, in]
	Bias   *ember.Tensor // [out], or nil
}

// NewLinear returns a Linear layer initialised as PyTorch does (weights and
// bias uniform in ±1/sqrt(in)). Options give the dtype, device and
// generator.
func NewLinear(in, out int, bias bool, opts ...ember.Option) *Linear {
	if in < 0 || out < 0 {
		panic(&ember.ValueError{Op: "nn.NewLinear", Msg: fmt.Sprintf("negative size: in %d, out %d", in, out)})
	}
	l := &Linear{Weight: param([]int{out, in}, opts)}
	uniformBound(l.Weight, in, opts)
	if bias {
		l.Bias = param([]int{out}, opts)
		uniformBound(l.Bias, in, opts)
	}
	return l
}

// Forward computes x·Wᵀ + b for x of shape [..., in].
func (l *Linear) Forward(x *ember.Tensor) *ember.Tensor {
	return traced(l, ember.Linear(x, l.Weight, l.Bias))
}
