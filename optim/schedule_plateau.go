package optim

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// PlateauOptions configure ReduceLROnPlateau. Zero fields take PyTorch's
// defaults (Factor 0.1, Patience 10, Threshold 1e-4, Eps 1e-8; use Zero
// for a literal 0 threshold or eps, and a negative Patience for none).
type PlateauOptions struct {
	// Maximize treats larger metrics as better (mode="max"); by default
	// smaller ones are (mode="min").
	Maximize bool
	// Factor multiplies the learning rate at each reduction (< 1).
	Factor float64
	// Patience is the number of epochs without improvement tolerated before
	// a reduction: zero selects 10, a negative value none (reduce at the
	// first epoch without improvement).
	Patience int
	// Threshold is the least improvement that counts, relative to the best
	// metric (mode "rel") or, with AbsThreshold, absolute ("abs").
	Threshold    float64
	AbsThreshold bool
	// Cooldown is the number of epochs after a reduction during which bad
	// epochs are not counted.
	Cooldown int
	// MinLR is every group's lower bound; MinLRs, when set, gives one per
	// group instead.
	MinLR  float64
	MinLRs []float64
	// Eps is the smallest change of learning rate worth applying.
	Eps float64
}

// ReduceLROnPlateau cuts the learning rate by Factor when a metric has not
// improved for Patience epochs, as torch.optim.lr_scheduler.
// ReduceLROnPlateau. It is stepped with the metric, so it is not a
// Scheduler.
type ReduceLROnPlateau struct {
	opt       Optimizer
	o         PlateauOptions
	patience  int
	minLRs    []float64
	best      float64
	badEpochs int
	cooldown  int // epochs of cooldown left
	lastEpoch int
	lastLR    []float64
}

// NewReduceLROnPlateau returns a ReduceLROnPlateau over opt; it panics on a
// bad configuration, as PyTorch raises.
func NewReduceLROnPlateau(opt Optimizer, o PlateauOptions) *ReduceLROnPlateau {
	op := "optim.NewReduceLROnPlateau"
	check(opt != nil, op, "nil optimizer")
	o.Factor = orDefault(o.Factor, 0.1)
	o.Threshold = orDefault(o.Threshold, 1e-4)
	o.Eps = orDefault(o.Eps, 1e-8)
	o.MinLR = orDefault(o.MinLR, 0)
	check(o.Factor < 1, op, "Factor should be < 1.0, got %v", o.Factor)
	nonNegative(op, "threshold", o.Threshold)
	check(o.Cooldown >= 0, op, "cooldown must not be negative, got %d", o.Cooldown)
	p := &ReduceLROnPlateau{opt: opt, o: o, patience: o.Patience}
	switch {
	case o.Patience == 0:
		p.patience = 10
	case o.Patience < 0:
		p.patience = 0
	}
	p.minLRs = perGroup(op, "min_lrs", opt.NumGroups(), o.MinLR, o.MinLRs)
	p.best = p.worst()
	for i := range opt.NumGroups() {
		p.lastLR = append(p.lastLR, opt.LR(i))
	}
	return p
}

// worst is the metric every real one improves on.
func (p *ReduceLROnPlateau) worst() float64 {
	if p.o.Maximize {
		return math.Inf(-1)
	}
	return math.Inf(1)
}

func (p *ReduceLROnPlateau) isBetter(a, best float64) bool {
	t := p.o.Threshold
	switch {
	case !p.o.Maximize && !p.o.AbsThreshold:
		return a < best*(1-t)
	case !p.o.Maximize:
		return a < best-t
	case !p.o.AbsThreshold:
		return a > best*(t+1)
	}
	return a > best+t
}

// Step records one epoch's metric and reduces the learning rates when it
// has stopped improving.
func (p *ReduceLROnPlateau) Step(metric float64) {
	p.lastEpoch++
	if p.isBetter(metric, p.best) {
		p.best = metric
		p.badEpochs = 0
	} else {
		p.badEpochs++
	}
	if p.cooldown > 0 {
		p.cooldown--
		p.badEpochs = 0
	}
	if p.badEpochs > p.patience {
		for i := range p.opt.NumGroups() {
			old := p.opt.LR(i)
			lr := math.Max(old*p.o.Factor, p.minLRs[i])
			if old-lr > p.o.Eps {
				p.opt.SetLR(i, lr)
			}
		}
		p.cooldown = p.o.Cooldown
		p.badEpochs = 0
	}
	for i := range p.lastLR {
		p.lastLR[i] = p.opt.LR(i)
	}
}

// LR returns every group's learning rate after the last step.
func (p *ReduceLROnPlateau) LR() []float64 { return slices.Clone(p.lastLR) }

// PlateauState is ReduceLROnPlateau's resumable progress; it marshals to
// JSON (Best may be infinite: it is written as a string then).
type PlateauState struct {
	Best            Number    `json:"best"`
	NumBadEpochs    int       `json:"num_bad_epochs"`
	CooldownCounter int       `json:"cooldown_counter"`
	LastEpoch       int       `json:"last_epoch"`
	LastLR          []float64 `json:"last_lr"`
}

// StateDict returns the schedule's progress.
func (p *ReduceLROnPlateau) StateDict() PlateauState {
	return PlateauState{Best: Number(p.best), NumBadEpochs: p.badEpochs, CooldownCounter: p.cooldown,
		LastEpoch: p.lastEpoch, LastLR: slices.Clone(p.lastLR)}
}

// LoadStateDict restores progress saved by StateDict.
func (p *ReduceLROnPlateau) LoadStateDict(s PlateauState) error {
	if len(s.LastLR) != len(p.lastLR) {
		return fmt.Errorf("optim: ReduceLROnPlateau state has %d learning rates for %d groups", len(s.LastLR), len(p.lastLR))
	}
	if s.NumBadEpochs < 0 || s.CooldownCounter < 0 || s.LastEpoch < 0 {
		return fmt.Errorf("optim: ReduceLROnPlateau state has negative counters (%d bad epochs, cooldown %d, epoch %d)", s.NumBadEpochs, s.CooldownCounter, s.LastEpoch)
	}
	p.best, p.badEpochs, p.cooldown, p.lastEpoch = float64(s.Best), s.NumBadEpochs, s.CooldownCounter, s.LastEpoch
	p.lastLR = slices.Clone(s.LastLR)
	return nil
}

// Number is a float64 that survives JSON when it is not finite: NaN and
// the infinities are written as the strings "nan", "inf" and "-inf".
type Number float64

// MarshalJSON writes finite values as numbers, others as strings.
func (n Number) MarshalJSON() ([]byte, error) {
	f := float64(n)
	switch {
	case math.IsNaN(f):
		return []byte(`"nan"`), nil
	case math.IsInf(f, 1):
		return []byte(`"inf"`), nil
	case math.IsInf(f, -1):
		return []byte(`"-inf"`), nil
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64), nil
}

// UnmarshalJSON reads what MarshalJSON writes.
func (n *Number) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		switch s {
		case "nan":
			*n = Number(math.NaN())
		case "inf":
			*n = Number(math.Inf(1))
		case "-inf":
			*n = Number(math.Inf(-1))
		default:
			return fmt.Errorf("optim: %q is not a number", s)
		}
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("optim: %s is not a number: %w", b, err)
	}
	*n = Number(f)
	return nil
}
