package optim

import (
	"github.com/emberdl/ember"
	"github.com/emberdl/ember/backend"
)

// SGDOptions are the hyper-parameters of stochastic gradient descent
// (torch.optim.SGD). LR has no default and must be set; every other
// field's PyTorch default is zero.
type SGDOptions struct {
	LR          float64
	Momentum    float64
	Dampening   float64
	WeightDecay float64
	// Nesterov uses Nesterov momentum (needs Momentum > 0, Dampening 0).
	Nesterov bool
	// Maximize ascends the objective instead of descending it.
	Maximize bool
}

// SGD is stochastic gradient descent with optional momentum, Nesterov
// momentum and L2 weight decay, as torch.optim.SGD.
type SGD struct{ core }

var sgdSpec = &kindSpec{
	name:  "SGD",
	kind:  backend.OptSGD,
	state: []string{"momentum_buffer"},
	uses:  func(h *Hyper, _ int) bool { return h.Momentum != 0 },
	init:  func(*Hyper, int) float64 { return 0 },
	validate: func(op string, h *Hyper) {
		nonNegative(op, "momentum value", h.Momentum)
		nonNegative(op, "weight_decay value", h.WeightDecay)
		check(!h.Nesterov || (h.Momentum > 0 && h.Dampening == 0), op, "Nesterov momentum requires a momentum and zero dampening")
	},
	momentum: func(h *Hyper) *float64 { return &h.Momentum },
}

func sgdHyper(o SGDOptions) Hyper {
	check(o.LR != 0 || isZeroSentinel(o.LR), "optim.NewSGD", "SGD needs a learning rate: set SGDOptions.LR")
	return Hyper{
		LR: orDefault(o.LR, 0), Momentum: orDefault(o.Momentum, 0), Dampening: orDefault(o.Dampening, 0),
		WeightDecay: orDefault(o.WeightDecay, 0),
		Nesterov:    o.Nesterov, Maximize: o.Maximize,
	}
}

// NewSGD returns SGD over params with one set of options.
func NewSGD(params []*ember.Tensor, o SGDOptions) *SGD { return NewSGDGroups(plain(params, o)...) }

// NewSGDGroups returns SGD over parameter groups with their own options.
func NewSGDGroups(groups ...Group[SGDOptions]) *SGD {
	return &SGD{newCore(sgdSpec, "optim.NewSGD", groups, sgdHyper)}
}

// Momentum returns a group's momentum.
func (o *SGD) Momentum(group int) float64 { return o.momentum(group) }

// SetMomentum sets a group's momentum.
func (o *SGD) SetMomentum(group int, m float64) { o.setMomentum(group, m) }
