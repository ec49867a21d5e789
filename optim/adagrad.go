package optim

import (
	"github.com/emberdl/ember"
	"github.com/emberdl/ember/backend"
)

// AdagradOptions are the hyper-parameters of Adagrad. Zero fields take
// PyTorch's defaults: LR 1e-2, Eps 1e-10, and zero for the others.
type AdagradOptions struct {
	LR float64
	// LRDecay divides the learning rate by 1 + (step-1)*LRDecay.
	LRDecay     float64
	WeightDecay float64
	// InitialAccumulatorValue is where the sum of squared gradients starts.
	InitialAccumulatorValue float64
	Eps                     float64
	// Maximize ascends the objective instead of descending it.
	Maximize bool
}

// Adagrad is Adagrad (Duchi et al., 2011), as torch.optim.Adagrad. Its sum
// of squared gradients is created, at InitialAccumulatorValue, on a
// parameter's first update (PyTorch creates it in the constructor; the
// updates are the same).
type Adagrad struct{ core }

var adagradSpec = &kindSpec{
	name:  "Adagrad",
	kind:  backend.OptAdagrad,
	state: []string{"sum"},
	uses:  func(*Hyper, int) bool { return true },
	init:  func(h *Hyper, _ int) float64 { return h.InitialAccumulatorValue },
	validate: func(op string, h *Hyper) {
		nonNegative(op, "lr_decay value", h.LRDecay)
		nonNegative(op, "weight_decay value", h.WeightDecay)
		nonNegative(op, "initial_accumulator_value value", h.InitialAccumulatorValue)
		nonNegative(op, "epsilon value", h.Eps)
	},
}

func adagradHyper(o AdagradOptions) Hyper {
	return Hyper{
		LR: orDefault(o.LR, 1e-2), LRDecay: orDefault(o.LRDecay, 0), WeightDecay: orDefault(o.WeightDecay, 0),
		InitialAccumulatorValue: orDefault(o.InitialAccumulatorValue, 0), Eps: orDefault(o.Eps, 1e-10),
		Maximize: o.Maximize,
	}
}

// NewAdagrad returns Adagrad over params with one set of options.
func NewAdagrad(params []*ember.Tensor, o AdagradOptions) *Adagrad {
	return NewAdagradGroups(plain(params, o)...)
}

// NewAdagradGroups returns Adagrad over parameter groups with their own
// options.
func NewAdagradGroups(groups ...Group[AdagradOptions]) *Adagrad {
	return &Adagrad{newCore(adagradSpec, "optim.NewAdagrad", groups, adagradHyper)}
}
