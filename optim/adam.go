package optim

import (
	"github.com/emberdl/ember"
	"github.com/emberdl/ember/backend"
)

// AdamOptions are the hyper-parameters of Adam and AdamW. Zero fields take
// PyTorch's defaults: LR 1e-3, Beta1 0.9, Beta2 0.999, Eps 1e-8, and
// WeightDecay 0 for Adam but 1e-2 for AdamW (use Zero for none).
type AdamOptions struct {
	LR          float64
	Beta1       float64
	Beta2       float64
	Eps         float64
	WeightDecay float64
	// AMSGrad normalizes by the largest second moment seen so far.
	AMSGrad bool
	// Maximize ascends the objective instead of descending it.
	Maximize bool
}

// Adam is the Adam optimizer (Kingma and Ba, 2014) with L2 weight decay
// added to the gradient, as torch.optim.Adam.
type Adam struct{ core }

// AdamW is Adam with decoupled weight decay (Loshchilov and Hutter, 2017),
// as torch.optim.AdamW.
type AdamW struct{ core }

var adamState = []string{"exp_avg", "exp_avg_sq", "max_exp_avg_sq"}

func adamUses(h *Hyper, i int) bool { return i < 2 || h.AMSGrad }

func adamValidate(op string, h *Hyper) {
	nonNegative(op, "epsilon value", h.Eps)
	beta(op, 0, h.Beta1)
	beta(op, 1, h.Beta2)
	nonNegative(op, "weight_decay value", h.WeightDecay)
}

var adamSpec = &kindSpec{
	name: "Adam", kind: backend.OptAdam, state: adamState, uses: adamUses,
	init: func(*Hyper, int) float64 { return 0 }, validate: adamValidate,
	momentum: func(h *Hyper) *float64 { return &h.Beta1 },
}

var adamWSpec = &kindSpec{
	name: "AdamW", kind: backend.OptAdam, decoupled: true, state: adamState, uses: adamUses,
	init: func(*Hyper, int) float64 { return 0 }, validate: adamValidate,
	momentum: func(h *Hyper) *float64 { return &h.Beta1 },
}

func adamHyper(weightDecay float64) func(AdamOptions) Hyper {
	return func(o AdamOptions) Hyper {
		return Hyper{
			LR: orDefault(o.LR, 1e-3), Beta1: orDefault(o.Beta1, 0.9), Beta2: orDefault(o.Beta2, 0.999),
			Eps: orDefault(o.Eps, 1e-8), WeightDecay: orDefault(o.WeightDecay, weightDecay),
			AMSGrad: o.AMSGrad, Maximize: o.Maximize,
		}
	}
}

// NewAdam returns Adam over params with one set of options.
func NewAdam(params []*ember.Tensor, o AdamOptions) *Adam { return NewAdamGroups(plain(params, o)...) }

// NewAdamGroups returns Adam over parameter groups with their own options.
func NewAdamGroups(groups ...Group[AdamOptions]) *Adam {
	return &Adam{newCore(adamSpec, "optim.NewAdam", groups, adamHyper(0))}
}

// NewAdamW returns AdamW over params with one set of options.
func NewAdamW(params []*ember.Tensor, o AdamOptions) *AdamW {
	return NewAdamWGroups(plain(params, o)...)
}

// NewAdamWGroups returns AdamW over parameter groups with their own
// options.
func NewAdamWGroups(groups ...Group[AdamOptions]) *AdamW {
	return &AdamW{newCore(adamWSpec, "optim.NewAdamW", groups, adamHyper(1e-2))}
}

// Momentum returns a group's first beta.
func (o *Adam) Momentum(group int) float64 { return o.momentum(group) }

// SetMomentum sets a group's first beta.
func (o *Adam) SetMomentum(group int, m float64) { o.setMomentum(group, m) }

// Momentum returns a group's first beta.
func (o *AdamW) Momentum(group int) float64 { return o.momentum(group) }

// SetMomentum sets a group's first beta.
func (o *AdamW) SetMomentum(group int, m float64) { o.setMomentum(group, m) }
