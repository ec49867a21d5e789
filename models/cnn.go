package models

import (
	"github.com/emberdl/ember"
	"github.com/emberdl/ember/nn"
)

// CNN is cnn_fmnist.py's model: Conv2d(1, 32, 3, padding=1)-ReLU-
// MaxPool2d(2)-Conv2d(32, 64, 3, padding=1)-ReLU-MaxPool2d(2)-Flatten-
// Linear(3136, 128)-ReLU-Linear(128, 10). Its keys are those of the
// script's nn.Sequential: "0.*" and "3.*" for the convolutions, "7.*" and
// "9.*" for the linear layers. Its ReLUs work in place, and those of the
// convolutions run after the pooling, on a quarter of the values (max
// pooling commutes with ReLU): the values and gradients are the script's
// exactly, so nn.Summary lists each pool before its ReLU.
type CNN struct {
	Conv1 *nn.Conv2d    `nn:"0"`
	Act1  *nn.ReLU      `nn:"1"`
	Pool1 *nn.MaxPool2d `nn:"2"`
	Conv2 *nn.Conv2d    `nn:"3"`
	Act2  *nn.ReLU      `nn:"4"`
	Pool2 *nn.MaxPool2d `nn:"5"`
	Flat  *nn.Flatten   `nn:"6"`
	FC1   *nn.Linear    `nn:"7"`
	Act3  *nn.ReLU      `nn:"8"`
	FC2   *nn.Linear    `nn:"9"`
}

// NewCNN returns the CNN for cfg's images (the first linear layer takes
// 64·⌊H/4⌋·⌊W/4⌋ features: 3136 for 28×28) and cfg.NumClasses outputs,
// initialised as torch.nn.Conv2d and torch.nn.Linear.
func NewCNN(cfg Config) *CNN {
	cfg = cfg.withDefaults()
	g := cfg.Generator
	flat := 64 * (cfg.Height / 4) * (cfg.Width / 4)
	return &CNN{
		Conv1: conv(cfg.InChannels, 32, 3, 1, 1, true, g), Act1: nn.NewReLUInplace(), Pool1: maxPool2(),
		Conv2: conv(32, 64, 3, 1, 1, true, g), Act2: nn.NewReLUInplace(), Pool2: maxPool2(), Flat: nn.NewFlatten(1, -1),
		FC1: nn.NewLinear(flat, 128, true, genOpts(g)...), Act3: nn.NewReLUInplace(),
		FC2: nn.NewLinear(128, cfg.NumClasses, true, genOpts(g)...),
	}
}

// Forward maps images x [N, C, H, W] to class logits [N, classes].
func (m *CNN) Forward(x *ember.Tensor) *ember.Tensor {
	// ReLU after the pooling: max-pooling commutes with ReLU (both
	// monotone; ties and zeros get the same gradient either way), so this
	// is the script's conv-ReLU-pool, with ReLU on a quarter of the values.
	return nn.Traced(m, chain(x, m.Conv1, m.Pool1, m.Act1, m.Conv2, m.Pool2, m.Act2, m.Flat, m.FC1, m.Act3, m.FC2))
}
