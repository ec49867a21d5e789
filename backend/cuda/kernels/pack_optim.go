package kernels

import (
	"fmt"
	"math"

	"github.com/emberdl/ember/backend"
	"github.com/emberdl/ember/backend/cuda/driver"
)

// OptimParams is ember::OptimParams (112 bytes): the hyper-parameters of
// ember::optim_step, with the host's scalar expressions precomputed as the
// CPU backend computes them.
type OptimParams struct {
	LR, Beta1, Beta2, Eps, WeightDecay, Momentum, Dampening, Alpha float64
	StepSize, BC2Sqrt                                              float64
	Kind, Maximize, Nesterov, Decoupled, AMSGrad, Centered, First  int32
	_                                                              int32
}

// OptimStates returns the number of state views kind uses with h, in
// backend.OptimKind's order.
func OptimStates(kind backend.OptimKind, h *backend.OptimHyper) (int, error) {
	switch kind {
	case backend.OptSGD:
		if h.Momentum != 0 {
			return 1, nil
		}
		return 0, nil
	case backend.OptAdam:
		if h.AMSGrad {
			return 3, nil
		}
		return 2, nil
	case backend.OptRMSprop:
		n := 1
		if h.Centered {
			n++
		}
		if h.Momentum > 0 {
			n++
		}
		return n, nil
	case backend.OptAdagrad, backend.OptLion:
		return 1, nil
	}
	return 0, fmt.Errorf("kernels: unknown optimizer kind %d", kind)
}

// NewOptimParams returns the kernel parameters of one update.
func NewOptimParams(kind backend.OptimKind, h *backend.OptimHyper) (OptimParams, error) {
	if _, err := OptimStates(kind, h); err != nil {
		return OptimParams{}, err
	}
	p := OptimParams{
		LR: h.LR, Beta1: h.Beta1, Beta2: h.Beta2, Eps: h.Eps, WeightDecay: h.WeightDecay,
		Momentum: h.Momentum, Dampening: h.Dampening, Alpha: h.Alpha,
		Kind: int32(kind), Maximize: boolInt(h.Maximize), Nesterov: boolInt(h.Nesterov),
		Decoupled: boolInt(h.Decoupled), AMSGrad: boolInt(h.AMSGrad), Centered: boolInt(h.Centered),
		First: boolInt(h.First),
	}
	switch kind {
	case backend.OptAdam:
		if h.Step < 1 {
			return OptimParams{}, fmt.Errorf("kernels: Adam step %d, steps count from 1", h.Step)
		}
		step := float64(h.Step)
		p.StepSize = h.LR / (1 - math.Pow(h.Beta1, step))
		p.BC2Sqrt = math.Sqrt(1 - math.Pow(h.Beta2, step))
	case backend.OptAdagrad:
		if h.Step < 1 {
			return OptimParams{}, fmt.Errorf("kernels: Adagrad step %d, steps count from 1", h.Step)
		}
		p.StepSize = h.LR / (1 + float64(h.Step-1)*h.LRDecay)
	}
	return p, nil
}

// PackOptimStep packs ember::optim_step (OptimKernel): one update of kind
// of the n parameters p from the gradient g, with the kind's state buffers
// (of p's type, in backend.OptimKind's order). Launch it with
// ElementwiseLaunch over n.
func PackOptimStep(a *driver.Args, kind backend.OptimKind, p, g driver.DevicePtr, state []driver.DevicePtr, n int64, h *backend.OptimHyper) error {
	want, err := OptimStates(kind, h)
	if err != nil {
		return err
	}
	if len(state) != want {
		return fmt.Errorf("kernels: optimizer kind %d with these settings takes %d state buffers, got %d", kind, want, len(state))
	}
	prm, err := NewOptimParams(kind, h)
	if err != nil {
		return err
	}
	var s [3]driver.DevicePtr
	copy(s[:], state)
	a.Reset().Ptr(p).Ptr(g).Ptr(s[0]).Ptr(s[1]).Ptr(s[2]).I64(n)
	driver.ArgStruct(a, &prm)
	return a.Err()
}
