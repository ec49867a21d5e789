package optim

import (
	"fmt"
	"math"
	"slices"
)

// Scheduler sets the learning rates of an optimizer's groups as training
// progresses (PyTorch's _LRScheduler). A schedule applies its epoch-0 value
// when made; call Step after each optimizer step (or epoch, depending on
// how the schedule is counted).
type Scheduler interface {
	// Step advances the schedule by one and sets the new learning rates.
	Step()
	// LR returns the learning rate of every group after the last Step
	// (get_last_lr).
	LR() []float64
	// StateDict returns the schedule's progress, for checkpoints.
	StateDict() ScheduleState
	// LoadStateDict restores progress saved from a schedule of the same
	// kind made with the same arguments.
	LoadStateDict(s ScheduleState) error
}

// ScheduleState is a schedule's resumable progress; it marshals to JSON.
// The schedule's own arguments (gamma, milestones, ...) come from its
// constructor when it is made again, not from the state.
type ScheduleState struct {
	// Schedule is the kind ("CosineAnnealingLR").
	Schedule string `json:"schedule"`
	// LastEpoch is how many times Step ran since the epoch-0 value.
	LastEpoch int `json:"last_epoch"`
	// StepCount counts calls of the internal step, the first included.
	StepCount int `json:"step_count,omitempty"`
	// BaseLRs are the groups' starting learning rates.
	BaseLRs []float64 `json:"base_lrs,omitempty"`
	// LastLR are the learning rates the last step set.
	LastLR []float64 `json:"last_lr"`
	// Schedules holds the states of SequentialLR's schedules.
	Schedules []ScheduleState `json:"schedulers,omitempty"`
}

// lrRule is what a schedule computes: the learning rate of group i at
// s.lastEpoch, by PyTorch's recursive formula (get_lr, reading the group's
// current rate) or, when closed is set, by its closed form
// (_get_closed_form_lr; only asked of rules that have one).
type lrRule interface {
	lr(s *lrSchedule, i int, closed bool) float64
}

// lrSchedule is the machinery of every epoch-counting schedule.
type lrSchedule struct {
	name      string
	opt       Optimizer
	rule      lrRule
	hasClosed bool
	baseLRs   []float64
	lastEpoch int
	stepCount int
	lastLR    []float64
}

// lrScheduler is a schedule built on lrSchedule (what SequentialLR can
// sequence).
type lrScheduler interface {
	Scheduler
	schedule() *lrSchedule
}

// init attaches the schedule to opt: a group without an initial learning
// rate takes its current one, the base rates are the initial ones, and
// the epoch-0 value is applied.
func (s *lrSchedule) init(name string, opt Optimizer, rule lrRule, hasClosed bool) {
	check(opt != nil, "optim.New"+name, "nil optimizer")
	s.name, s.opt, s.rule, s.hasClosed = name, opt, rule, hasClosed
	s.baseLRs = make([]float64, opt.NumGroups())
	for i := range s.baseLRs {
		h := opt.Hyper(i)
		if h.InitialLR == 0 {
			h.InitialLR = h.LR
			opt.SetHyper(i, h)
		}
		s.baseLRs[i] = h.InitialLR
	}
	s.lastEpoch = -1
	s.initialStep()
}

func (s *lrSchedule) schedule() *lrSchedule { return s }

func (s *lrSchedule) initialStep() {
	s.stepCount = 0
	s.Step()
}

// Step advances the schedule by one epoch.
func (s *lrSchedule) Step() {
	s.stepCount++
	s.lastEpoch++
	s.apply(false)
}

// stepTo jumps to epoch, using the closed form where there is one
// (PyTorch's step(epoch)).
func (s *lrSchedule) stepTo(epoch int) {
	s.stepCount++
	s.lastEpoch = epoch
	s.apply(s.hasClosed)
}

func (s *lrSchedule) apply(closed bool) {
	n := s.opt.NumGroups()
	lrs := make([]float64, n)
	for i := range lrs {
		lrs[i] = s.rule.lr(s, i, closed)
	}
	for i, lr := range lrs {
		s.opt.SetLR(i, lr)
	}
	s.lastLR = lrs
}

// LR returns every group's learning rate after the last step.
func (s *lrSchedule) LR() []float64 { return slices.Clone(s.lastLR) }

// StateDict returns the schedule's progress.
func (s *lrSchedule) StateDict() ScheduleState {
	return ScheduleState{Schedule: s.name, LastEpoch: s.lastEpoch, StepCount: s.stepCount,
		BaseLRs: slices.Clone(s.baseLRs), LastLR: slices.Clone(s.lastLR)}
}

// LoadStateDict restores progress saved by StateDict.
func (s *lrSchedule) LoadStateDict(st ScheduleState) error {
	if st.Schedule != s.name {
		return fmt.Errorf("optim: loading a %q schedule state into %s", st.Schedule, s.name)
	}
	n := len(s.baseLRs)
	if len(st.BaseLRs) != n || len(st.LastLR) != n {
		return fmt.Errorf("optim: %s state has %d base and %d last learning rates for %d groups", s.name, len(st.BaseLRs), len(st.LastLR), n)
	}
	if st.LastEpoch < -1 || st.StepCount < 0 {
		return fmt.Errorf("optim: %s state has last epoch %d and step count %d", s.name, st.LastEpoch, st.StepCount)
	}
	for i := range n {
		if math.IsNaN(st.BaseLRs[i]) || math.IsNaN(st.LastLR[i]) {
			return fmt.Errorf("optim: %s state has learning rates %v and %v for group %d", s.name, st.BaseLRs[i], st.LastLR[i], i)
		}
	}
	s.lastEpoch, s.stepCount = st.LastEpoch, st.StepCount
	s.baseLRs, s.lastLR = slices.Clone(st.BaseLRs), slices.Clone(st.LastLR)
	return nil
}

// groupLR is the current learning rate of group i (what PyTorch's
// recursive formulas read).
func (s *lrSchedule) groupLR(i int) float64 { return s.opt.LR(i) }
