package optim

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/emberdl/ember"
)

// twoGroups builds the golden schedule runs' optimizer: two groups (lr 0.1
// and 0.05) of SGD with momentum 0.9, or Adam, or Adagrad.
func twoGroups(t *testing.T, kind string) Optimizer {
	t.Helper()
	p1 := ember.Zeros([]int{2}).SetRequiresGrad(true)
	p2 := ember.Zeros([]int{3}).SetRequiresGrad(true)
	ps := [][]*ember.Tensor{{p1}, {p2}}
	switch kind {
	case "SGD":
		return NewSGDGroups(NewGroup(ps[0], SGDOptions{LR: 0.1, Momentum: 0.9}), NewGroup(ps[1], SGDOptions{LR: 0.05, Momentum: 0.9}))
	case "Adam":
		return NewAdamGroups(NewGroup(ps[0], AdamOptions{LR: 0.1}), NewGroup(ps[1], AdamOptions{LR: 0.05}))
	case "Adagrad":
		return NewAdagradGroups(NewGroup(ps[0], AdagradOptions{LR: 0.1}), NewGroup(ps[1], AdagradOptions{LR: 0.05}))
	}
	t.Fatalf("unknown optimizer %q", kind)
	return nil
}

// newSchedule builds a schedule from the golden file's PyTorch arguments.
func newSchedule(t *testing.T, opt Optimizer, kind string, args kwargs) Scheduler {
	t.Helper()
	switch kind {
	case "StepLR":
		return NewStepLR(opt, args.int("step_size"), args.float("gamma"))
	case "MultiStepLR":
		var ms []int
		for _, m := range args.floats("milestones") {
			ms = append(ms, int(m))
		}
		return NewMultiStepLR(opt, ms, args.float("gamma"))
	case "ExponentialLR":
		return NewExponentialLR(opt, args.float("gamma"))
	case "CosineAnnealingLR":
		return NewCosineAnnealingLR(opt, args.int("T_max"), args.float("eta_min"))
	case "LinearLR":
		return NewLinearLR(opt, args.float("start_factor"), args.float("end_factor"), args.int("total_iters"))
	case "OneCycleLR":
		o := OneCycleOptions{
			TotalSteps: args.int("total_steps"), Epochs: args.int("epochs"), StepsPerEpoch: args.int("steps_per_epoch"),
			PctStart: args.float("pct_start"), ThreePhase: args.bool("three_phase"),
			BaseMomentum: args.float("base_momentum"), MaxMomentum: args.float("max_momentum"),
			DivFactor: args.float("div_factor"), FinalDivFactor: args.float("final_div_factor"),
		}
		if list := args.floats("max_lr"); list != nil {
			o.MaxLRs = list
		} else {
			o.MaxLR = args.float("max_lr")
		}
		if args["anneal_strategy"] == "linear" {
			o.Anneal = AnnealLinear
		}
		if c, ok := args["cycle_momentum"].(bool); ok && !c {
			o.FixedMomentum = true
		}
		return NewOneCycleLR(opt, o)
	case "SequentialLR":
		var subs []Scheduler
		for _, s := range args["schedulers"].([]any) {
			pair := s.([]any)
			subs = append(subs, newSchedule(t, opt, pair[0].(string), kwargs(pair[1].(map[string]any))))
		}
		var ms []int
		for _, m := range args.floats("milestones") {
			ms = append(ms, int(m))
		}
		return NewSequentialLR(opt, subs, ms)
	}
	t.Fatalf("unknown schedule %q", kind)
	return nil
}

func momenta(opt Optimizer) []float64 {
	m, ok := opt.(MomentumOptimizer)
	out := make([]float64, opt.NumGroups())
	for i := range out {
		if ok {
			out[i] = m.Momentum(i)
		}
	}
	return out
}

// TestSchedulesMatchPyTorch replays every golden schedule and compares
// each step's learning rates (and momenta) with PyTorch's.
func TestSchedulesMatchPyTorch(t *testing.T) {
	g := loadGolden(t)
	for _, run := range g.Schedules {
		t.Run(run.Name, func(t *testing.T) {
			opt := twoGroups(t, run.Optim)
			s := newSchedule(t, opt, run.Schedule, kwargs(run.Args))
			for step, want := range run.LRs {
				if step > 0 {
					opt.Step()
					s.Step()
				}
				assertClose(t, fmt.Sprintf("lr after %d steps", step), s.LR(), floats(want), 1e-12)
				assertClose(t, fmt.Sprintf("optimizer lr after %d steps", step), []float64{opt.LR(0), opt.LR(1)}, floats(want), 1e-12)
				assertClose(t, fmt.Sprintf("momentum after %d steps", step), momenta(opt), floats(run.Momenta[step]), 1e-12)
			}
		})
	}
}

// TestWarmupCosine checks the convenience constructor against the golden
// SequentialLR of LinearLR and CosineAnnealingLR it stands for.
func TestWarmupCosine(t *testing.T) {
	g := loadGolden(t)
	for _, run := range g.Schedules {
		if run.Name != "sequential_warmup_cosine" {
			continue
		}
		opt := twoGroups(t, "SGD")
		s := NewWarmupCosine(opt, 5, 20, 0.1, 0.001)
		for step, want := range run.LRs {
			if step > 0 {
				s.Step()
			}
			assertClose(t, fmt.Sprintf("lr after %d steps", step), s.LR(), floats(want), 1e-12)
		}
		return
	}
	t.Fatal("no sequential_warmup_cosine run in the golden file")
}

// TestPlateauMatchesPyTorch replays the golden ReduceLROnPlateau runs.
func TestPlateauMatchesPyTorch(t *testing.T) {
	g := loadGolden(t)
	for _, run := range g.Plateau {
		t.Run(run.Name, func(t *testing.T) {
			k := kwargs(run.Options)
			o := PlateauOptions{
				Maximize: k["mode"] == "max", AbsThreshold: k["threshold_mode"] == "abs",
				Factor: k.float("factor"), Threshold: k.float("threshold"), Cooldown: k.int("cooldown"), Eps: k.float("eps"),
			}
			if v, ok := k["patience"]; ok {
				o.Patience = int(v.(float64))
				if o.Patience == 0 {
					o.Patience = -1 // none
				}
			}
			if list := k.floats("min_lr"); list != nil {
				o.MinLRs = list
			} else {
				o.MinLR = k.float("min_lr")
			}
			opt := twoGroups(t, "SGD")
			p := NewReduceLROnPlateau(opt, o)
			for i, m := range run.Metrics {
				opt.Step()
				p.Step(m)
				assertClose(t, fmt.Sprintf("lr after metric %d (%v)", i, m), p.LR(), floats(run.LRs[i]), 1e-12)
			}
		})
	}
}

// TestScheduledTrainingMatchesPyTorch trains the golden problem with an
// optimizer and a schedule together (OneCycleLR cycling Adam's beta1).
func TestScheduledTrainingMatchesPyTorch(t *testing.T) {
	g := loadGolden(t)
	for _, run := range g.Scheduled {
		t.Run(run.Name+"_"+run.DType, func(t *testing.T) {
			dt := dtypeOf(t, run.DType)
			p := newProblem(g, dt)
			var opt Optimizer
			var s Scheduler
			switch run.Name {
			case "sgd_steplr":
				opt = NewSGD(p.params(), SGDOptions{LR: 0.1, Momentum: 0.9})
				s = NewStepLR(opt, 5, 0.5)
			case "adamw_warmup_cosine":
				opt = NewAdamW(p.params(), AdamOptions{LR: 0.05})
				s = NewWarmupCosine(opt, 5, 20, 0.1, 0.001)
			case "adam_onecycle":
				opt = NewAdam(p.params(), AdamOptions{LR: 0.01})
				s = NewOneCycleLR(opt, OneCycleOptions{MaxLR: 0.05, TotalSteps: 20})
			default:
				t.Fatalf("unknown run %q", run.Name)
			}
			p.train(t, run.Name, opt, s, run.Traj, dt)
		})
	}
}

// TestScheduleStateRoundTrip stops each schedule half-way, saves optimizer
// and schedule state through JSON, rebuilds both, loads, and checks that
// the rest of the schedule is identical.
func TestScheduleStateRoundTrip(t *testing.T) {
	g := loadGolden(t)
	for _, run := range g.Schedules {
		t.Run(run.Name, func(t *testing.T) {
			opt := twoGroups(t, run.Optim)
			s := newSchedule(t, opt, run.Schedule, kwargs(run.Args))
			half := len(run.LRs) / 2
			for range half {
				opt.Step()
				s.Step()
			}
			var optState StateDict
			var schedState ScheduleState
			roundTrip(t, opt.StateDict(), &optState)
			roundTrip(t, s.StateDict(), &schedState)

			opt2 := twoGroups(t, run.Optim)
			s2 := newSchedule(t, opt2, run.Schedule, kwargs(run.Args))
			if err := opt2.LoadStateDict(&optState); err != nil {
				t.Fatal(err)
			}
			if err := s2.LoadStateDict(schedState); err != nil {
				t.Fatal(err)
			}
			for step := half + 1; step < len(run.LRs); step++ {
				opt2.Step()
				s2.Step()
				assertClose(t, fmt.Sprintf("resumed lr after %d steps", step), s2.LR(), floats(run.LRs[step]), 1e-12)
				assertClose(t, fmt.Sprintf("resumed momentum after %d steps", step), momenta(opt2), floats(run.Momenta[step]), 1e-12)
			}
		})
	}
}

func roundTrip(t *testing.T, v any, into any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, into); err != nil {
		t.Fatal(err)
	}
}

// TestPlateauStateRoundTrip checks that a plateau schedule resumes
// identically, its infinite initial best surviving JSON.
func TestPlateauStateRoundTrip(t *testing.T) {
	metrics := []float64{1, 0.9, 0.95, 0.95, 0.96, 0.8, 0.81, 0.82, 0.83, 0.84}
	for cut := 0; cut < len(metrics); cut++ {
		opt := twoGroups(t, "SGD")
		p := NewReduceLROnPlateau(opt, PlateauOptions{Patience: 1, Cooldown: 1})
		ref := NewReduceLROnPlateau(twoGroups(t, "SGD"), PlateauOptions{Patience: 1, Cooldown: 1})
		for _, m := range metrics[:cut] {
			p.Step(m)
		}
		var st PlateauState
		roundTrip(t, p.StateDict(), &st)
		var ost StateDict
		roundTrip(t, opt.StateDict(), &ost)
		opt2 := twoGroups(t, "SGD")
		p2 := NewReduceLROnPlateau(opt2, PlateauOptions{Patience: 1, Cooldown: 1})
		if err := opt2.LoadStateDict(&ost); err != nil {
			t.Fatal(err)
		}
		if err := p2.LoadStateDict(st); err != nil {
			t.Fatal(err)
		}
		for i, m := range metrics {
			ref.Step(m)
			if i >= cut {
				p2.Step(m)
				assertClose(t, fmt.Sprintf("cut %d, metric %d", cut, i), p2.LR(), ref.LR(), 0)
			}
		}
	}
}

// TestScheduleErrors checks argument and state checks.
func TestScheduleErrors(t *testing.T) {
	opt := twoGroups(t, "SGD")
	tests := []struct {
		name string
		f    func()
		want string
	}{
		{"step size", func() { NewStepLR(opt, 0, 0.1) }, "step size must be at least 1"},
		{"T_max", func() { NewCosineAnnealingLR(opt, 0, 0) }, "T_max must be at least 1"},
		{"start factor", func() { NewLinearLR(opt, 0, 1, 5) }, "Starting multiplicative factor"},
		{"end factor", func() { NewLinearLR(opt, 0.5, 1.5, 5) }, "Ending multiplicative factor"},
		{"onecycle steps", func() { NewOneCycleLR(opt, OneCycleOptions{MaxLR: 1}) }, "total_steps OR (epochs AND steps_per_epoch)"},
		{"onecycle pct", func() { NewOneCycleLR(opt, OneCycleOptions{MaxLR: 1, TotalSteps: 5, PctStart: 1.5}) }, "pct_start"},
		{"onecycle lrs", func() { NewOneCycleLR(opt, OneCycleOptions{MaxLRs: []float64{1}, TotalSteps: 5}) }, "expected 2 values for max_lr, got 1"},
		{"onecycle momentum", func() {
			NewOneCycleLR(twoGroups(t, "Adagrad"), OneCycleOptions{MaxLR: 1, TotalSteps: 5})
		}, "optimizer must support momentum"},
		{"onecycle overrun", func() {
			s := NewOneCycleLR(opt, OneCycleOptions{MaxLR: 1, TotalSteps: 3})
			for range 4 {
				s.Step()
			}
		}, "Tried to step 5 times. The specified number of total steps is 3"},
		{"sequential milestones", func() {
			NewSequentialLR(opt, []Scheduler{NewStepLR(opt, 1, 0.5)}, []int{3})
		}, "one more than the number of milestone points"},
		{"sequential optimizer", func() {
			NewSequentialLR(opt, []Scheduler{NewStepLR(opt, 1, 0.5), NewStepLR(twoGroups(t, "SGD"), 1, 0.5)}, []int{3})
		}, "belong to the same optimizer"},
		{"sequential nested", func() {
			inner := NewWarmupCosine(opt, 2, 5, 0.5, 0)
			NewSequentialLR(opt, []Scheduler{inner}, nil)
		}, "cannot be sequenced"},
		{"plateau factor", func() { NewReduceLROnPlateau(opt, PlateauOptions{Factor: 1}) }, "Factor should be < 1.0"},
		{"plateau min lrs", func() { NewReduceLROnPlateau(opt, PlateauOptions{MinLRs: []float64{1, 2, 3}}) }, "expected 2 values for min_lrs"},
	}
	for _, tc := range tests {
		err := ember.Catch(tc.f)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}

	s := NewStepLR(opt, 2, 0.5)
	bad := []struct {
		name string
		st   ScheduleState
		want string
	}{
		{"kind", ScheduleState{Schedule: "LinearLR"}, `loading a "LinearLR" schedule state into StepLR`},
		{"groups", ScheduleState{Schedule: "StepLR", BaseLRs: []float64{1}, LastLR: []float64{1}}, "for 2 groups"},
		{"epoch", ScheduleState{Schedule: "StepLR", LastEpoch: -5, BaseLRs: []float64{1, 1}, LastLR: []float64{1, 1}}, "last epoch -5"},
		{"nan lr", ScheduleState{Schedule: "StepLR", BaseLRs: []float64{math.NaN(), 1}, LastLR: []float64{1, 1}}, "learning rates NaN"},
	}
	for _, tc := range bad {
		err := s.LoadStateDict(tc.st)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	seq := NewWarmupCosine(twoGroups(t, "SGD"), 2, 5, 0.5, 0)
	st := seq.StateDict()
	st.Schedules[1].Schedule = "StepLR"
	if err := seq.LoadStateDict(st); err == nil || !strings.Contains(err.Error(), "schedule 1") {
		t.Errorf("SequentialLR accepted a wrong inner schedule: %v", err)
	}
	var n Number
	if err := json.Unmarshal([]byte(`"big"`), &n); err == nil {
		t.Error(`Number accepted "big"`)
	}
}
