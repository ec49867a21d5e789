package optim

import (
	"github.com/emberdl/ember"
	"github.com/emberdl/ember/backend"
)

// LionOptions are the hyper-parameters of Lion. Zero fields take the
// paper's defaults: LR 1e-4, Beta1 0.9, Beta2 0.99, WeightDecay 0.
type LionOptions struct {
	LR          float64
	Beta1       float64
	Beta2       float64
	WeightDecay float64
	// Maximize ascends the objective instead of descending it.
	Maximize bool
}

// Lion is the Lion optimizer (Chen et al., 2023, "Symbolic Discovery of
// Optimization Algorithms"), which PyTorch does not ship: decoupled weight
// decay p *= 1 - LR*WeightDecay, the step p -= LR * sign(Beta1*m +
// (1-Beta1)*g), then the momentum m = Beta2*m + (1-Beta2)*g. Its updates
// all have size LR, so it wants a learning rate 3-10x smaller than AdamW's
// and a weight decay as much larger.
type Lion struct{ core }

var lionSpec = &kindSpec{
	name:  "Lion",
	kind:  backend.OptLion,
	state: []string{"exp_avg"},
	uses:  func(*Hyper, int) bool { return true },
	init:  func(*Hyper, int) float64 { return 0 },
	validate: func(op string, h *Hyper) {
		beta(op, 0, h.Beta1)
		beta(op, 1, h.Beta2)
		nonNegative(op, "weight_decay value", h.WeightDecay)
	},
	momentum: func(h *Hyper) *float64 { return &h.Beta1 },
}

func lionHyper(o LionOptions) Hyper {
	return Hyper{
		LR: orDefault(o.LR, 1e-4), Beta1: orDefault(o.Beta1, 0.9), Beta2: orDefault(o.Beta2, 0.99),
		WeightDecay: orDefault(o.WeightDecay, 0), Maximize: o.Maximize,
	}
}

// NewLion returns Lion over params with one set of options.
func NewLion(params []*ember.Tensor, o LionOptions) *Lion { return NewLionGroups(plain(params, o)...) }

// NewLionGroups returns Lion over parameter groups with their own options.
func NewLionGroups(groups ...Group[LionOptions]) *Lion {
	return &Lion{newCore(lionSpec, "optim.NewLion", groups, lionHyper)}
}

// Momentum returns a group's first beta.
func (o *Lion) Momentum(group int) float64 { return o.momentum(group) }

// SetMomentum sets a group's first beta.
func (o *Lion) SetMomentum(group int, m float64) { o.setMomentum(group, m) }
