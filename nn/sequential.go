package nn

import "github.com/emberdl/ember"

// Sequential chains layers: the output of each is the input of the next.
// Its state-dict keys are "0.weight", "1.bias", ... as in PyTorch.
type Sequential struct {
	Layers []Layer `nn:",inline"`
}

// NewSequential returns the chain of the given layers.
func NewSequential(layers ...Layer) *Sequential { return &Sequential{Layers: layers} }

// Forward runs the layers in order.
func (s *Sequential) Forward(x *ember.Tensor) *ember.Tensor {
	for _, l := range s.Layers {
		x = l.Forward(x)
	}
	return traced(s, x)
}

// Append adds layers at the end.
func (s *Sequential) Append(layers ...Layer) *Sequential {
	s.Layers = append(s.Layers, layers...)
	return s
}

// Len returns the number of layers.
func (s *Sequential) Len() int { return len(s.Layers) }

// ModuleList is a list of submodules named by index ("0", "1", ...) under
// the field that holds it.
type ModuleList []Module

// ModuleDict is a set of submodules named by key under the field that holds
// it (keys in sorted order).
type ModuleDict map[string]Module
