package optim

import (
	"fmt"
	"slices"
	"sort"
)

// SequentialLR runs schedules one after another, switching at milestone
// epochs (torch.optim.lr_scheduler.SequentialLR): schedule k runs from
// milestone k-1 on, restarting at its own epoch 0 (its closed form, so it
// starts from the base rates). NewWarmupCosine builds the common warm-up
// then cosine pair.
type SequentialLR struct {
	opt        Optimizer
	schedules  []lrScheduler
	milestones []int
	lastEpoch  int
	lastLR     []float64
}

// NewSequentialLR returns a SequentialLR over opt. The schedules must be
// made by this package for opt (not SequentialLR or ReduceLROnPlateau),
// and milestones must be one fewer than the schedules. Like PyTorch, it
// resets every group's learning rate to its initial rate and restarts the
// first schedule.
func NewSequentialLR(opt Optimizer, schedules []Scheduler, milestones []int) *SequentialLR {
	op := "optim.NewSequentialLR"
	check(len(schedules) > 0, op, "needs at least one schedule")
	check(len(milestones) == len(schedules)-1, op, "Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone points, but got number of schedulers %d and the number of milestones to be equal to %d", len(schedules), len(milestones))
	check(slices.IsSorted(milestones), op, "milestones must be increasing, got %v", milestones)
	s := &SequentialLR{opt: opt, milestones: slices.Clone(milestones)}
	for i, sc := range schedules {
		ls, ok := sc.(lrScheduler)
		check(ok, op, "schedule %d is a %T, which cannot be sequenced", i, sc)
		check(ls.schedule().opt == opt, op, "Sequential Schedulers expects all schedulers to belong to the same optimizer, but got schedulers at index %d to be different than the optimizer passed in", i)
		s.schedules = append(s.schedules, ls)
	}
	for i := range opt.NumGroups() {
		opt.SetLR(i, opt.Hyper(i).InitialLR)
	}
	for _, sc := range s.schedules {
		sc.schedule().lastEpoch--
	}
	first := s.schedules[0].schedule()
	first.initialStep()
	s.lastLR = slices.Clone(first.lastLR)
	return s
}

// Step advances the active schedule, switching schedules at milestones.
func (s *SequentialLR) Step() {
	s.lastEpoch++
	idx := sort.SearchInts(s.milestones, s.lastEpoch+1) // bisect_right
	sc := s.schedules[idx].schedule()
	if idx > 0 && s.milestones[idx-1] == s.lastEpoch {
		sc.stepTo(0)
	} else {
		sc.Step()
	}
	s.lastLR = slices.Clone(sc.lastLR)
}

// LR returns every group's learning rate after the last step.
func (s *SequentialLR) LR() []float64 { return slices.Clone(s.lastLR) }

// StateDict returns the progress of the sequence and of every schedule.
func (s *SequentialLR) StateDict() ScheduleState {
	st := ScheduleState{Schedule: "SequentialLR", LastEpoch: s.lastEpoch, LastLR: slices.Clone(s.lastLR)}
	for _, sc := range s.schedules {
		st.Schedules = append(st.Schedules, sc.StateDict())
	}
	return st
}

// LoadStateDict restores progress saved by StateDict; on error nothing
// changes.
func (s *SequentialLR) LoadStateDict(st ScheduleState) error {
	if st.Schedule != "SequentialLR" {
		return fmt.Errorf("optim: loading a %q schedule state into SequentialLR", st.Schedule)
	}
	if len(st.Schedules) != len(s.schedules) || len(st.LastLR) != s.opt.NumGroups() {
		return fmt.Errorf("optim: SequentialLR state has %d schedules and %d learning rates, want %d and %d", len(st.Schedules), len(st.LastLR), len(s.schedules), s.opt.NumGroups())
	}
	if st.LastEpoch < 0 {
		return fmt.Errorf("optim: SequentialLR state has last epoch %d", st.LastEpoch)
	}
	saved := make([]ScheduleState, len(s.schedules))
	for i, sc := range s.schedules {
		saved[i] = sc.StateDict()
		if err := sc.LoadStateDict(st.Schedules[i]); err != nil {
			for j := range i {
				_ = s.schedules[j].LoadStateDict(saved[j]) // restores what it saved: cannot fail
			}
			return fmt.Errorf("optim: SequentialLR schedule %d: %w", i, err)
		}
	}
	s.lastEpoch, s.lastLR = st.LastEpoch, slices.Clone(st.LastLR)
	return nil
}
