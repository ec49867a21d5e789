package optim

import (
	"github.com/emberdl/ember"
	"github.com/emberdl/ember/backend"
)

// RMSpropOptions are the hyper-parameters of RMSprop. Zero fields take
// PyTorch's defaults: LR 1e-2, Alpha 0.99, Eps 1e-8, WeightDecay 0,
// Momentum 0.
type RMSpropOptions struct {
	LR          float64
	Alpha       float64
	Eps         float64
	WeightDecay float64
	Momentum    float64
	// Centered normalizes by an estimate of the gradient's variance.
	Centered bool
	// Maximize ascends the objective instead of descending it.
	Maximize bool
}

// RMSprop is RMSprop (Hinton's lecture notes; centered as Graves, 2013),
// as torch.optim.RMSprop.
type RMSprop struct{ core }

var rmspropSpec = &kindSpec{
	name:  "RMSprop",
	kind:  backend.OptRMSprop,
	state: []string{"square_avg", "grad_avg", "momentum_buffer"},
	uses: func(h *Hyper, i int) bool {
		return i == 0 || (i == 1 && h.Centered) || (i == 2 && h.Momentum > 0)
	},
	init: func(*Hyper, int) float64 { return 0 },
	validate: func(op string, h *Hyper) {
		nonNegative(op, "epsilon value", h.Eps)
		nonNegative(op, "momentum value", h.Momentum)
		nonNegative(op, "weight_decay value", h.WeightDecay)
		nonNegative(op, "alpha value", h.Alpha)
	},
	momentum: func(h *Hyper) *float64 { return &h.Momentum },
}

func rmspropHyper(o RMSpropOptions) Hyper {
	return Hyper{
		LR: orDefault(o.LR, 1e-2), Alpha: orDefault(o.Alpha, 0.99), Eps: orDefault(o.Eps, 1e-8),
		WeightDecay: orDefault(o.WeightDecay, 0), Momentum: orDefault(o.Momentum, 0),
		Centered: o.Centered, Maximize: o.Maximize,
	}
}

// NewRMSprop returns RMSprop over params with one set of options.
func NewRMSprop(params []*ember.Tensor, o RMSpropOptions) *RMSprop {
	return NewRMSpropGroups(plain(params, o)...)
}

// NewRMSpropGroups returns RMSprop over parameter groups with their own
// options.
func NewRMSpropGroups(groups ...Group[RMSpropOptions]) *RMSprop {
	return &RMSprop{newCore(rmspropSpec, "optim.NewRMSprop", groups, rmspropHyper)}
}

// Momentum returns a group's momentum.
func (o *RMSprop) Momentum(group int) float64 { return o.momentum(group) }

// SetMomentum sets a group's momentum.
func (o *RMSprop) SetMomentum(group int, m float64) { o.setMomentum(group, m) }
