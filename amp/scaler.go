package amp

import (
	"fmt"
	"math"

	"github.com/emberdl/ember"
	"github.com/emberdl/ember/optim"
)

// ScalerOptions configures a GradScaler. A zero field takes PyTorch's
// default.
type ScalerOptions struct {
	// InitScale is the first scale factor (default 2^16).
	InitScale float64
	// GrowthFactor multiplies the scale after GrowthInterval steps in a
	// row without an inf or NaN gradient (default 2; must be > 1).
	GrowthFactor float64
	// BackoffFactor multiplies the scale when a step is skipped (default
	// 0.5; must be in (0, 1)).
	BackoffFactor float64
	// GrowthInterval is the number of clean steps in a row after which
	// the scale grows (default 2000).
	GrowthInterval int
	// Disabled makes the scaler pass everything through: Scale returns
	// the loss, Step always steps, Update does nothing (enabled=False).
	Disabled bool
}

// GradScaler scales losses and unscales gradients for float16 training,
// with torch.cuda.amp.GradScaler's rules (see the package documentation).
// One scaler serves any number of optimizers (optim.Optimizer values,
// which must be comparable: the pointers the optim constructors return).
//
// A GradScaler is not safe for concurrent use.
type GradScaler struct {
	enabled        bool
	scale          float32 // float32, as PyTorch's scale tensor, so both round alike
	growthFactor   float64
	backoffFactor  float64
	growthInterval int
	growthTracker  int // clean steps in a row since the scale last changed
	perOpt         map[optim.Optimizer]*optState
}

// stage is where an optimizer is in the current iteration.
type stage uint8

const (
	ready    stage = iota // nothing done yet
	unscaled              // gradients unscaled, not stepped
	stepped               // stepped (or skipped)
)

// optState is one optimizer's state in the current iteration.
type optState struct {
	stage    stage
	foundInf bool // some gradient was inf or NaN
}

// NewGradScaler returns a scaler. It panics with an *ember.ValueError on
// options PyTorch refuses (a growth factor not above 1, a backoff factor
// outside (0, 1), a non-positive scale or interval).
func NewGradScaler(o ScalerOptions) *GradScaler {
	s := &GradScaler{
		enabled:        !o.Disabled,
		growthFactor:   orDefault(o.GrowthFactor, 2),
		backoffFactor:  orDefault(o.BackoffFactor, 0.5),
		growthInterval: o.GrowthInterval,
	}
	if s.growthInterval == 0 {
		s.growthInterval = 2000
	}
	init := orDefault(o.InitScale, 65536)
	if err := checkSettings(init, s.growthFactor, s.backoffFactor, s.growthInterval); err != nil {
		panic(&ember.ValueError{Op: "amp.NewGradScaler", Msg: err.Error()})
	}
	s.scale = float32(init)
	return s
}

func orDefault(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}

// checkSettings reports the first setting PyTorch would refuse.
func checkSettings(scale, growth, backoff float64, interval int) error {
	switch f := float32(scale); {
	case !(scale > 0) || math.IsInf(float64(f), 0) || f == 0:
		return fmt.Errorf("the scale must be a positive number within float32's range, got %v", scale)
	case !(growth > 1) || math.IsInf(growth, 0):
		return fmt.Errorf("the growth factor must be a finite number > 1.0, got %v", growth)
	case !(backoff > 0 && backoff < 1):
		return fmt.Errorf("the backoff factor must be in (0, 1), got %v", backoff)
	case interval <= 0:
		return fmt.Errorf("the growth interval must be positive, got %d", interval)
	}
	return nil
}

// Enabled reports whether the scaler scales (it was not made Disabled).
func (s *GradScaler) Enabled() bool { return s.enabled }

// CurrentScale returns the scale factor (1 when disabled), like
// get_scale().
func (s *GradScaler) CurrentScale() float64 {
	if !s.enabled {
		return 1
	}
	return float64(s.scale)
}

// Scale returns loss times the scale factor, to call Backward on. A
// 16-bit or integer loss is converted to float32 first (the product would
// overflow in float16), as PyTorch's product with its float32 scale does;
// the result keeps loss's shape. The multiplication is recorded, so
// gradients come out multiplied by the scale.
func (s *GradScaler) Scale(loss *ember.Tensor) *ember.Tensor {
	if !s.enabled {
		return loss
	}
	if dt := loss.DType(); dt.IsHalf() || !dt.IsFloat() {
		loss = loss.To(ember.Float32)
	}
	return loss.MulScalar(float64(s.scale))
}

// state returns the iteration state of opt, creating it.
func (s *GradScaler) state(opt optim.Optimizer) *optState {
	if s.perOpt == nil {
		s.perOpt = map[optim.Optimizer]*optState{}
	}
	st, ok := s.perOpt[opt]
	if !ok {
		st = &optState{}
		s.perOpt[opt] = st
	}
	return st
}

// Unscale divides the gradients of opt's parameters by the scale factor in
// place and records whether any of them holds an inf or NaN (unscale_).
// Call it between Backward and Step only to work on the true gradients
// (clipping them, logging their norm); Step unscales otherwise. It panics
// with an *ember.ValueError when called twice for one optimizer in an
// iteration, after Step, or on float16 gradients (keep the parameters, and
// so the gradients, in float32; autocast does).
func (s *GradScaler) Unscale(opt optim.Optimizer) {
	if !s.enabled {
		return
	}
	const op = "amp.GradScaler.Unscale"
	st := s.state(opt)
	switch st.stage {
	case unscaled:
		panic(&ember.ValueError{Op: op, Msg: "Unscale has already been called on this optimizer since the last Update"})
	case stepped:
		panic(&ember.ValueError{Op: op, Msg: "Unscale is being called after Step"})
	}
	var grads []*ember.Tensor
	for _, p := range opt.Params() {
		if g := p.Grad(); g != nil {
			if g.DType() == ember.Float16 {
				panic(&ember.ValueError{Op: op, Msg: "attempting to unscale float16 gradients: keep the parameters in float32 (autocast computes in float16 from float32 parameters)"})
			}
			grads = append(grads, g)
		}
	}
	// PyTorch computes the reciprocal in float64 and rounds it to float32.
	inv := float64(float32(1 / float64(s.scale)))
	found := false
	ember.NoGrad(func() {
		for _, g := range grads {
			if !found && g.IsFinite().All().Item() == 0 {
				found = true
			}
			g.MulScalarInPlace(inv)
		}
	})
	st.foundInf = found
	st.stage = unscaled
}

// Step unscales opt's gradients (unless Unscale already did) and runs
// opt.Step unless some gradient is inf or NaN, in which case the
// parameters are left as they are. It reports whether the step ran. It
// panics with an *ember.ValueError when called twice for one optimizer
// before Update.
func (s *GradScaler) Step(opt optim.Optimizer) bool {
	if !s.enabled {
		opt.Step()
		return true
	}
	st := s.state(opt)
	if st.stage == stepped {
		panic(&ember.ValueError{Op: "amp.GradScaler.Step", Msg: "Step has already been called since the last Update"})
	}
	if st.stage == ready {
		s.Unscale(opt)
	}
	ran := !st.foundInf
	if ran {
		opt.Step()
	}
	st.stage = stepped
	return ran
}

// Update adjusts the scale at the end of an iteration, after Step for
// every optimizer: if any of them found an inf or NaN gradient the scale
// is multiplied by BackoffFactor and the count of clean steps restarts;
// otherwise the count grows, and on reaching GrowthInterval the scale is
// multiplied by GrowthFactor (unless that overflows float32) and the count
// restarts. It panics with an *ember.ValueError when no optimizer was
// unscaled or stepped since the last Update.
func (s *GradScaler) Update() {
	if !s.enabled {
		return
	}
	if len(s.perOpt) == 0 {
		panic(&ember.ValueError{Op: "amp.GradScaler.Update", Msg: "no inf checks were recorded prior to Update: call Step (or Unscale) first"})
	}
	found := false
	for _, st := range s.perOpt {
		found = found || st.foundInf
	}
	s.updateScale(found)
	clear(s.perOpt)
}

// updateScale is PyTorch's _amp_update_scale_ kernel: products in float64
// rounded to the float32 scale.
func (s *GradScaler) updateScale(foundInf bool) {
	if foundInf {
		s.scale = float32(float64(s.scale) * s.backoffFactor)
		s.growthTracker = 0
		return
	}
	s.growthTracker++
	if s.growthTracker == s.growthInterval {
		if grown := float32(float64(s.scale) * s.growthFactor); !math.IsInf(float64(grown), 0) {
			s.scale = grown
		}
		s.growthTracker = 0
	}
}
