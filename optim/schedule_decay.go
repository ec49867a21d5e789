package optim

import (
	"math"
	"slices"
	"sort"
)

// StepLR multiplies the learning rate by Gamma every StepSize epochs
// (torch.optim.lr_scheduler.StepLR).
type StepLR struct {
	lrSchedule
	stepSize int
	gamma    float64
}

// NewStepLR returns a StepLR over opt (PyTorch's default gamma is 0.1).
func NewStepLR(opt Optimizer, stepSize int, gamma float64) *StepLR {
	check(stepSize >= 1, "optim.NewStepLR", "step size must be at least 1, got %d", stepSize)
	s := &StepLR{stepSize: stepSize, gamma: gamma}
	s.init("StepLR", opt, s, true)
	return s
}

func (s *StepLR) lr(b *lrSchedule, i int, closed bool) float64 {
	if closed {
		return b.baseLRs[i] * math.Pow(s.gamma, float64(b.lastEpoch/s.stepSize))
	}
	if b.lastEpoch == 0 || b.lastEpoch%s.stepSize != 0 {
		return b.groupLR(i)
	}
	return b.groupLR(i) * s.gamma
}

// MultiStepLR multiplies the learning rate by Gamma at each milestone epoch
// (by Gamma^k for a milestone listed k times), as
// torch.optim.lr_scheduler.MultiStepLR.
type MultiStepLR struct {
	lrSchedule
	milestones []int // sorted, repeats kept
	gamma      float64
}

// NewMultiStepLR returns a MultiStepLR over opt (PyTorch's default gamma is
// 0.1).
func NewMultiStepLR(opt Optimizer, milestones []int, gamma float64) *MultiStepLR {
	s := &MultiStepLR{milestones: slices.Sorted(slices.Values(milestones)), gamma: gamma}
	s.init("MultiStepLR", opt, s, true)
	return s
}

func (s *MultiStepLR) lr(b *lrSchedule, i int, closed bool) float64 {
	if closed {
		passed := sort.SearchInts(s.milestones, b.lastEpoch+1) // bisect_right
		return b.baseLRs[i] * math.Pow(s.gamma, float64(passed))
	}
	k := 0
	for _, m := range s.milestones {
		if m == b.lastEpoch {
			k++
		}
	}
	if k == 0 {
		return b.groupLR(i)
	}
	return b.groupLR(i) * math.Pow(s.gamma, float64(k))
}

// ExponentialLR multiplies the learning rate by Gamma every epoch
// (torch.optim.lr_scheduler.ExponentialLR).
type ExponentialLR struct {
	lrSchedule
	gamma float64
}

// NewExponentialLR returns an ExponentialLR over opt.
func NewExponentialLR(opt Optimizer, gamma float64) *ExponentialLR {
	s := &ExponentialLR{gamma: gamma}
	s.init("ExponentialLR", opt, s, true)
	return s
}

func (s *ExponentialLR) lr(b *lrSchedule, i int, closed bool) float64 {
	if closed {
		return b.baseLRs[i] * math.Pow(s.gamma, float64(b.lastEpoch))
	}
	if b.lastEpoch == 0 {
		return b.groupLR(i)
	}
	return b.groupLR(i) * s.gamma
}
