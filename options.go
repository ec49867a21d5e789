package ember

import (
	"fmt"
)

// Option configures a tensor made by a creation function or by To. It is a
// DType, a Device, a *Generator (for random tensors) or RequiresGrad:
//
//	w := ember.Randn([]int{784, 10}, ember.Float64, ember.CUDA, ember.RequiresGrad)
type Option any

// requiresGradOption marks a new tensor as requiring gradients.
type requiresGradOption struct{}

// RequiresGrad is an Option that makes a new tensor a leaf requiring
// gradients.
var RequiresGrad Option = requiresGradOption{}

type createConfig struct {
	dtype        DType
	hasDType     bool
	device       Device
	hasDevice    bool
	gen          *Generator
	requiresGrad bool
}

func parseOptions(op string, opts []Option) createConfig {
	c := createConfig{dtype: DefaultDType(), device: CPU}
	for _, o := range opts {
		switch v := o.(type) {
		case DType:
			if !v.Valid() {
				panic(&ValueError{Op: op, Msg: fmt.Sprintf("invalid dtype %d", v)})
			}
			c.dtype, c.hasDType = v, true
		case Device:
			c.device, c.hasDevice = v, true
		case *Generator:
			c.gen = v
		case requiresGradOption:
			c.requiresGrad = true
		case nil:
		default:
			panic(&ValueError{Op: op, Msg: fmt.Sprintf("unknown option of type %T (want a DType, a Device, a *Generator or RequiresGrad)", o)})
		}
	}
	return c
}

// finish applies the RequiresGrad option to a new leaf.
func (c createConfig) finish(t *Tensor) *Tensor {
	if c.requiresGrad {
		t.SetRequiresGrad(true)
	}
	return t
}
