package optim

import (
	"fmt"

	"github.com/emberdl/ember"
	"github.com/emberdl/ember/backend"
)

// Optimizer updates parameters from their gradients. Every optimizer of
// this package implements it; schedules use NumGroups, LR, SetLR and Hyper.
type Optimizer interface {
	// Step applies one update to every parameter that has a gradient.
	Step()
	// ZeroGrad clears the gradients of all parameters (sets them to nil,
	// like PyTorch's zero_grad(set_to_none=True), so the next Backward
	// allocates fresh ones and Step skips parameters that got none).
	ZeroGrad()
	// NumGroups returns the number of parameter groups.
	NumGroups() int
	// LR returns the learning rate of a group.
	LR(group int) float64
	// SetLR sets the learning rate of a group. Like PyTorch it takes any
	// value: OneCycleLR's linear annealing, stepped once past its cycle (as
	// the usual loop does after the last batch), sets a negative one.
	SetLR(group int, lr float64)
	// Hyper returns a group's hyper-parameters.
	Hyper(group int) Hyper
	// SetHyper replaces a group's hyper-parameters (checked as the
	// constructor checks them, but for the learning rate, as SetLR; fields
	// the optimizer does not use are kept but ignored).
	SetHyper(group int, h Hyper)
	// Params returns the parameters of all groups, in order.
	Params() []*ember.Tensor
	// StateDict returns a snapshot of the state, for checkpoints.
	StateDict() *StateDict
	// LoadStateDict restores a snapshot taken from an optimizer of the same
	// kind over parameters of the same shapes, and reports what was wrong
	// with it if anything.
	LoadStateDict(sd *StateDict) error
}

// MomentumOptimizer is an optimizer whose momentum a schedule (OneCycleLR)
// can set: the momentum of SGD and RMSprop, the first beta of Adam, AdamW
// and Lion.
type MomentumOptimizer interface {
	Optimizer
	// Momentum returns a group's momentum (or first beta).
	Momentum(group int) float64
	// SetMomentum sets a group's momentum (or first beta).
	SetMomentum(group int, m float64)
}

// Hyper holds one parameter group's hyper-parameters after defaults are
// applied, as all optimizers' superset; the JSON keys are PyTorch's
// param_groups keys (betas split in two). A field an optimizer does not use
// is zero and omitted from JSON.
type Hyper struct {
	LR                      float64 `json:"lr"`
	Beta1                   float64 `json:"beta1,omitempty"`
	Beta2                   float64 `json:"beta2,omitempty"`
	Eps                     float64 `json:"eps,omitempty"`
	WeightDecay             float64 `json:"weight_decay,omitempty"`
	Momentum                float64 `json:"momentum,omitempty"`
	Dampening               float64 `json:"dampening,omitempty"`
	Alpha                   float64 `json:"alpha,omitempty"`
	LRDecay                 float64 `json:"lr_decay,omitempty"`
	InitialAccumulatorValue float64 `json:"initial_accumulator_value,omitempty"`
	Nesterov                bool    `json:"nesterov,omitempty"`
	AMSGrad                 bool    `json:"amsgrad,omitempty"`
	Centered                bool    `json:"centered,omitempty"`
	Maximize                bool    `json:"maximize,omitempty"`
	// InitialLR is the learning rate a schedule started from (PyTorch's
	// initial_lr): the first schedule attached to the optimizer sets it
	// from LR when it is zero; later schedules start from it too.
	InitialLR float64 `json:"initial_lr,omitempty"`
}

// Group is a list of parameters with the options an optimizer uses for
// them (O is the optimizer's options type: SGDOptions, AdamOptions, ...).
type Group[O any] struct {
	Params  []*ember.Tensor
	Options O
}

// NewGroup returns a Group, inferring the options type.
func NewGroup[O any](params []*ember.Tensor, options O) Group[O] {
	return Group[O]{Params: params, Options: options}
}

// kindSpec describes one kind of optimizer: its name, fused kernel, state
// tensor names (in the kernel's order) and rules.
type kindSpec struct {
	name      string
	kind      backend.OptimKind
	decoupled bool
	// state lists the state tensors by name; uses reports which of them
	// the kernel reads under h.
	state []string
	uses  func(h *Hyper, i int) bool
	// init is the value a new state tensor starts from.
	init func(h *Hyper, i int) float64
	// validate panics (with op in the message) on bad hyper-parameters.
	validate func(op string, h *Hyper)
	// momentum points at the field SetMomentum changes (nil: none).
	momentum func(h *Hyper) *float64
}

// core is the machinery every optimizer shares.
type core struct {
	spec    *kindSpec
	groups  []group
	scratch [3]*ember.Tensor // the state passed to one kernel call
	batch   stepBatch        // one group's parameters for ember.OptimSteps
}

// stepBatch collects the parameters of one group's step for one
// ember.OptimSteps call (CUDA updates them in a few launches). Its slices
// keep their capacity from step to step, so a step allocates nothing once
// the first has run.
type stepBatch struct {
	ps, gs []*ember.Tensor
	st     [][3]*ember.Tensor // each parameter's state, backing states
	states [][]*ember.Tensor
	hs     []backend.OptimHyper
}

// run updates the collected parameters and forgets them, also when the
// update panics (a step that failed is not repeated by the next).
func (b *stepBatch) run(kind backend.OptimKind) {
	defer b.reset()
	if len(b.ps) > 0 {
		ember.OptimSteps(kind, b.ps, b.gs, b.states, b.hs)
	}
}

// reset empties the batch, keeping its capacity and no tensor alive.
func (b *stepBatch) reset() {
	clear(b.ps)
	clear(b.gs)
	clear(b.st)
	clear(b.states)
	b.ps, b.gs, b.st, b.states, b.hs = b.ps[:0], b.gs[:0], b.st[:0], b.states[:0], b.hs[:0]
}

type group struct {
	params []*ember.Tensor
	h      Hyper
	slots  []slot
}

// slot is the state of one parameter: its update count and state tensors
// (nil until first needed), indexed as kindSpec.state.
type slot struct {
	step  int
	state [3]*ember.Tensor
}

// newCore checks the groups and builds the optimizer; hyper resolves each
// group's options.
func newCore[O any](spec *kindSpec, op string, groups []Group[O], hyper func(O) Hyper) core {
	check(len(groups) > 0, op, "optimizer got an empty parameter list")
	c := core{spec: spec}
	seen := map[*ember.Tensor]bool{}
	for gi, g := range groups {
		check(len(g.Params) > 0, op, "parameter group %d is empty", gi)
		h := hyper(g.Options)
		nonNegative(op, "learning rate", h.LR)
		spec.validate(op, &h)
		for _, p := range g.Params {
			check(p != nil, op, "parameter group %d holds a nil tensor", gi)
			check(p.DType().IsFloat(), op, "can only optimize floating-point tensors, got %v", p.DType())
			check(p.IsLeaf(), op, "can't optimize a non-leaf Tensor")
			check(!seen[p], op, "some parameters appear in more than one parameter group")
			seen[p] = true
		}
		c.groups = append(c.groups, group{params: append([]*ember.Tensor(nil), g.Params...), h: h, slots: make([]slot, len(g.Params))})
	}
	return c
}

// plain wraps a parameter list as a single group.
func plain[O any](params []*ember.Tensor, o O) []Group[O] {
	if len(params) == 0 {
		return nil
	}
	return []Group[O]{{Params: params, Options: o}}
}

// Step applies one update to every parameter that has a gradient: those
// of a group whose gradient is ready for the fused kernel (a contiguous
// parameter and gradient of one dtype and device) in one ember.OptimSteps
// call, which a GPU runs in a few launches; the others one by one. The
// common case allocates nothing.
func (c *core) Step() {
	for gi := range c.groups {
		gr := &c.groups[gi]
		c.batch.reset() // after a panic in an earlier step
		for pi, p := range gr.params {
			g := p.Grad()
			switch {
			case g == nil:
			case g.RequiresGrad() || g.DType() != p.DType() || !g.IsContiguous() || g.Device() != p.Device() || !p.IsContiguous():
				c.updateSlow(&gr.h, &gr.slots[pi], p, g)
			default:
				b := &c.batch
				var st [3]*ember.Tensor
				n, h := c.prepare(&gr.h, &gr.slots[pi], p, &st)
				b.ps, b.gs, b.st, b.hs = append(b.ps, p), append(b.gs, g), append(b.st, st), append(b.hs, h)
				// A later append may move st's backing array; this slice
				// keeps the (complete) old one.
				b.states = append(b.states, b.st[len(b.st)-1][:n])
			}
		}
		c.batch.run(c.spec.kind)
	}
}

// updateSlow brings the gradient to the parameter's dtype, device and
// layout, and updates a non-contiguous parameter through a contiguous copy.
func (c *core) updateSlow(h *Hyper, s *slot, p, g *ember.Tensor) {
	ember.NoGrad(func() {
		g = g.Detach().To(p.DType(), p.Device()).Contiguous()
		if p.IsContiguous() {
			c.kernel(h, s, p, g)
			return
		}
		w := p.Contiguous()
		c.kernel(h, s, w, g)
		p.CopyFrom(w)
	})
}

func (c *core) kernel(h *Hyper, s *slot, p, g *ember.Tensor) {
	n, hyper := c.prepare(h, s, p, &c.scratch)
	ember.OptimStep(c.spec.kind, p, g, c.scratch[:n], hyper)
	c.scratch = [3]*ember.Tensor{}
}

// prepare counts one more update of the parameter p in its slot s, makes
// its state tensors on their first use, and puts the n that the kind uses
// with h into st, returning n and the kernel's hyper-parameters.
func (c *core) prepare(h *Hyper, s *slot, p *ember.Tensor, st *[3]*ember.Tensor) (int, backend.OptimHyper) {
	spec := c.spec
	first := false
	n := 0
	for i := range spec.state {
		if !spec.uses(h, i) {
			continue
		}
		if s.state[i] == nil {
			s.state[i] = ember.FullLike(p, spec.init(h, i))
			first = true
		}
		st[n] = s.state[i]
		n++
	}
	s.step++
	return n, backend.OptimHyper{
		LR: h.LR, Beta1: h.Beta1, Beta2: h.Beta2, Eps: h.Eps, WeightDecay: h.WeightDecay,
		Momentum: h.Momentum, Dampening: h.Dampening, Alpha: h.Alpha, LRDecay: h.LRDecay,
		Step: s.step, Nesterov: h.Nesterov, Decoupled: spec.decoupled, AMSGrad: h.AMSGrad,
		Maximize: h.Maximize, Centered: h.Centered, First: first,
	}
}

// ZeroGrad sets every parameter's gradient to nil.
func (c *core) ZeroGrad() {
	for _, gr := range c.groups {
		for _, p := range gr.params {
			p.SetGrad(nil)
		}
	}
}

// NumGroups returns the number of parameter groups.
func (c *core) NumGroups() int { return len(c.groups) }

func (c *core) group(i int) *group {
	check(i >= 0 && i < len(c.groups), c.spec.name, "parameter group %d out of range [0, %d)", i, len(c.groups))
	return &c.groups[i]
}

// LR returns the learning rate of a group.
func (c *core) LR(group int) float64 { return c.group(group).h.LR }

// SetLR sets the learning rate of a group.
func (c *core) SetLR(group int, lr float64) { c.group(group).h.LR = lr }

// Hyper returns a group's hyper-parameters.
func (c *core) Hyper(group int) Hyper { return c.group(group).h }

// SetHyper replaces a group's hyper-parameters, checked as the constructor
// checks them (but for the learning rate).
func (c *core) SetHyper(group int, h Hyper) {
	g := c.group(group)
	c.spec.validate(c.spec.name+".SetHyper", &h)
	g.h = h
}

// momentum returns a group's momentum, or first beta for the Adam family
// and Lion.
func (c *core) momentum(group int) float64 { return *c.spec.momentum(&c.group(group).h) }

// setMomentum sets a group's momentum, or first beta for the Adam family
// and Lion, unchecked as PyTorch's param_groups (a linear OneCycleLR
// stepped past its cycle overshoots).
func (c *core) setMomentum(group int, m float64) { *c.spec.momentum(&c.group(group).h) = m }

// Params returns the parameters of all groups, in order.
func (c *core) Params() []*ember.Tensor {
	var out []*ember.Tensor
	for _, g := range c.groups {
		out = append(out, g.params...)
	}
	return out
}

// String describes the optimizer and its groups.
func (c *core) String() string {
	s := c.spec.name + " ("
	for i, g := range c.groups {
		s += fmt.Sprintf("\n  group %d: %d params, %+v", i, len(g.params), g.h)
	}
	return s + "\n)"
}
