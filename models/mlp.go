package models

import (
	"github.com/emberdl/ember"
	"github.com/emberdl/ember/nn"
)

// MLP is mlp_fmnist.py's model: Linear(784, 512)-ReLU-Linear(512, 256)-
// ReLU-Linear(256, 10), keyed as that script's nn.Sequential ("0.weight",
// "2.weight", "4.weight" and their biases). Its ReLUs work in place.
type MLP struct {
	FC1  *nn.Linear `nn:"0"`
	Act1 *nn.ReLU   `nn:"1"`
	FC2  *nn.Linear `nn:"2"`
	Act2 *nn.ReLU   `nn:"3"`
	FC3  *nn.Linear `nn:"4"`
}

// NewMLP returns the MLP for images of cfg's size (the input is the
// flattened image, 784 values for 28×28 grey images) and cfg.NumClasses
// outputs, initialised as torch.nn.Linear.
func NewMLP(cfg Config) *MLP {
	cfg = cfg.withDefaults()
	in := cfg.InChannels * cfg.Height * cfg.Width
	opts := genOpts(cfg.Generator)
	return &MLP{
		FC1: nn.NewLinear(in, 512, true, opts...), Act1: nn.NewReLUInplace(),
		FC2: nn.NewLinear(512, 256, true, opts...), Act2: nn.NewReLUInplace(),
		FC3: nn.NewLinear(256, cfg.NumClasses, true, opts...),
	}
}

// Forward maps x [N, ...] (flattened from axis 1) to class logits
// [N, classes].
func (m *MLP) Forward(x *ember.Tensor) *ember.Tensor {
	if x.Dim() > 2 {
		x = x.Flatten(1, -1)
	}
	return nn.Traced(m, chain(x, m.FC1, m.Act1, m.FC2, m.Act2, m.FC3))
}
