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

// OptimTensors is how many parameters one optim_step_multi launch updates
// (ember::OptimTable's capacity).
const OptimTensors = 36

// OptimTensor is one parameter of PackOptimStepMulti: its buffers (the
// kind's state buffers in backend.OptimKind's order), element count and
// hyper-parameters, of which only Step and First may differ between the
// parameters of one launch.
type OptimTensor struct {
	P, G  driver.DevicePtr
	State []driver.DevicePtr
	N     int64
	Hyper *backend.OptimHyper
}

// optimTensor is ember::OptimTensor (72 bytes).
type optimTensor struct {
	P, G, S0, S1, S2  driver.DevicePtr
	N                 int64
	StepSize, BC2Sqrt float64
	First, Blocks     int32
}

// optimTable is ember::OptimTable (2744 bytes).
type optimTable struct {
	T     [OptimTensors]optimTensor
	Start [OptimTensors + 1]int32
	Count int32
}

// PackOptimStepMulti packs ember::optim_step_multi (OptimMultiKernel): the
// update of kind of each parameter of ts (1 to OptimTensors of them, none
// empty), each with at most maxBlocks blocks of block threads. It returns
// the launch: a one-dimensional grid of every parameter's blocks.
func PackOptimStepMulti(a *driver.Args, kind backend.OptimKind, ts []OptimTensor, block, maxBlocks int) (Launch, error) {
	if len(ts) == 0 || len(ts) > OptimTensors {
		return Launch{}, fmt.Errorf("kernels: optim_step_multi takes 1 to %d parameters, got %d", OptimTensors, len(ts))
	}
	var prm OptimParams
	var tab optimTable
	total := int64(0)
	for i, t := range ts {
		want, err := OptimStates(kind, t.Hyper)
		if err != nil {
			return Launch{}, err
		}
		if len(t.State) != want {
			return Launch{}, fmt.Errorf("kernels: optimizer kind %d with these settings takes %d state buffers, got %d for parameter %d", kind, want, len(t.State), i)
		}
		if t.N <= 0 {
			return Launch{}, fmt.Errorf("kernels: parameter %d of optim_step_multi has %d elements", i, t.N)
		}
		p, err := NewOptimParams(kind, t.Hyper)
		if err != nil {
			return Launch{}, err
		}
		shared := p
		shared.StepSize, shared.BC2Sqrt, shared.First = 0, 0, 0
		if i == 0 {
			prm = shared
		} else if shared != prm {
			return Launch{}, fmt.Errorf("kernels: parameter %d of optim_step_multi has other hyper-parameters than parameter 0 (only the step and first may differ)", i)
		}
		var s [3]driver.DevicePtr
		copy(s[:], t.State)
		blocks := max(min((t.N+int64(block)-1)/int64(block), int64(maxBlocks)), 1)
		tab.T[i] = optimTensor{P: t.P, G: t.G, S0: s[0], S1: s[1], S2: s[2], N: t.N,
			StepSize: p.StepSize, BC2Sqrt: p.BC2Sqrt, First: p.First, Blocks: int32(blocks)}
		tab.Start[i] = int32(total)
		total += blocks
	}
	if total > math.MaxInt32 {
		return Launch{}, fmt.Errorf("kernels: optim_step_multi of %d blocks", total)
	}
	tab.Start[len(ts)] = int32(total)
	tab.Count = int32(len(ts))
	a.Reset()
	driver.ArgStruct(a, &tab)
	driver.ArgStruct(a, &prm)
	return Launch{driver.D1(uint32(total)), driver.D1(uint32(block))}, a.Err()
}
