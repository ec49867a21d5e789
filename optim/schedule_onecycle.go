package optim

import (
	"fmt"
	"math"

	"github.com/emberdl/ember"
)

// Anneal is how OneCycleLR moves between two values.
type Anneal int

// Annealing strategies.
const (
	AnnealCos    Anneal = iota // half a cosine (PyTorch's default "cos")
	AnnealLinear               // a straight line ("linear")
)

// OneCycleOptions configure OneCycleLR. Zero fields take PyTorch's
// defaults (PctStart 0.3, BaseMomentum 0.85, MaxMomentum 0.95, DivFactor
// 25, FinalDivFactor 1e4; use Zero for a literal 0).
type OneCycleOptions struct {
	// MaxLR is every group's peak learning rate; MaxLRs, when set, gives
	// one per group instead.
	MaxLR  float64
	MaxLRs []float64
	// TotalSteps is the length of the cycle; when zero it is Epochs *
	// StepsPerEpoch.
	TotalSteps, Epochs, StepsPerEpoch int
	// PctStart is the fraction of the cycle spent raising the rate.
	PctStart float64
	// Anneal is the annealing strategy (cosine by default).
	Anneal Anneal
	// FixedMomentum leaves the momentum alone (cycle_momentum=False); by
	// default it moves inversely to the rate between MaxMomentum and
	// BaseMomentum (SGD's and RMSprop's momentum, the first beta of Adam,
	// AdamW and Lion).
	FixedMomentum bool
	// BaseMomentum and MaxMomentum bound the momentum cycle;
	// BaseMomentums and MaxMomentums, when set, give one per group.
	BaseMomentum, MaxMomentum   float64
	BaseMomentums, MaxMomentums []float64
	// DivFactor sets the initial rate MaxLR/DivFactor; FinalDivFactor the
	// final one, initial/FinalDivFactor.
	DivFactor, FinalDivFactor float64
	// ThreePhase adds a phase that brings the rate back to the initial
	// rate before the final annealing (fast.ai's schedule).
	ThreePhase bool
}

// OneCycleLR is the 1cycle policy (Smith and Topin, 2017), as
// torch.optim.lr_scheduler.OneCycleLR: the learning rate rises from
// MaxLR/DivFactor to MaxLR, then falls to far below the start, while the
// momentum does the opposite. It is stepped after every batch, TotalSteps
// times at most; one Step more panics as PyTorch raises.
type OneCycleLR struct {
	lrSchedule
	total    int
	phases   []cyclePhase
	anneal   Anneal
	momentum MomentumOptimizer // nil with FixedMomentum
	// Per group: the rates and momenta the phases run between.
	initialLR, maxLR, minLR []float64
	baseMom, maxMom         []float64
}

// cyclePhase runs from the previous phase's end to endStep, between two
// of the per-group values.
type cyclePhase struct {
	endStep          float64
	startLR, endLR   func(c *OneCycleLR, i int) float64
	startMom, endMom func(c *OneCycleLR, i int) float64
}

func initialOf(c *OneCycleLR, i int) float64 { return c.initialLR[i] }
func maxOf(c *OneCycleLR, i int) float64     { return c.maxLR[i] }
func minOf(c *OneCycleLR, i int) float64     { return c.minLR[i] }
func baseMomOf(c *OneCycleLR, i int) float64 { return c.baseMom[i] }
func maxMomOf(c *OneCycleLR, i int) float64  { return c.maxMom[i] }

// NewOneCycleLR returns a OneCycleLR over opt. It sets every group's
// initial learning rate (and, unless FixedMomentum, its momentum) and
// panics on a bad configuration, as PyTorch raises.
func NewOneCycleLR(opt Optimizer, o OneCycleOptions) *OneCycleLR {
	op := "optim.NewOneCycleLR"
	check(opt != nil, op, "nil optimizer")
	c := &OneCycleLR{total: o.TotalSteps, anneal: o.Anneal}
	if c.total == 0 {
		check(o.Epochs > 0 && o.StepsPerEpoch > 0, op, "You must define either total_steps OR (epochs AND steps_per_epoch), got epochs %d, steps_per_epoch %d", o.Epochs, o.StepsPerEpoch)
		c.total = o.Epochs * o.StepsPerEpoch
	}
	check(c.total > 0, op, "Expected positive integer total_steps, but got %d", c.total)
	pct := orDefault(o.PctStart, 0.3)
	check(pct >= 0 && pct <= 1, op, "Expected float between 0 and 1 pct_start, but got %v", pct)
	check(o.Anneal == AnnealCos || o.Anneal == AnnealLinear, op, "unknown annealing strategy %d", o.Anneal)
	total := float64(c.total)
	if o.ThreePhase {
		c.phases = []cyclePhase{
			{pct*total - 1, initialOf, maxOf, maxMomOf, baseMomOf},
			{2*pct*total - 2, maxOf, initialOf, baseMomOf, maxMomOf},
			{total - 1, initialOf, minOf, maxMomOf, maxMomOf},
		}
	} else {
		c.phases = []cyclePhase{
			{pct*total - 1, initialOf, maxOf, maxMomOf, baseMomOf},
			{total - 1, maxOf, minOf, baseMomOf, maxMomOf},
		}
	}
	n := opt.NumGroups()
	div, finalDiv := orDefault(o.DivFactor, 25), orDefault(o.FinalDivFactor, 1e4)
	c.maxLR = perGroup(op, "max_lr", n, o.MaxLR, o.MaxLRs)
	for i := range n {
		c.initialLR = append(c.initialLR, c.maxLR[i]/div)
		c.minLR = append(c.minLR, c.initialLR[i]/finalDiv)
		h := opt.Hyper(i)
		h.InitialLR = c.initialLR[i]
		opt.SetHyper(i, h)
	}
	if !o.FixedMomentum {
		m, ok := opt.(MomentumOptimizer)
		check(ok, op, "optimizer must support momentum with `cycle_momentum` option enabled (set FixedMomentum)")
		c.momentum = m
		c.maxMom = perGroup(op, "max_momentum", n, orDefault(o.MaxMomentum, 0.95), o.MaxMomentums)
		c.baseMom = perGroup(op, "base_momentum", n, orDefault(o.BaseMomentum, 0.85), o.BaseMomentums)
		for i := range n {
			m.SetMomentum(i, c.maxMom[i])
		}
	}
	c.init("OneCycleLR", opt, c, false)
	return c
}

// perGroup returns list (one value per group) when set, else v for every
// group.
func perGroup(op, name string, n int, v float64, list []float64) []float64 {
	if list != nil {
		check(len(list) == n, op, "expected %d values for %s, got %d", n, name, len(list))
		return append([]float64(nil), list...)
	}
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func (c *OneCycleLR) annealed(start, end, pct float64) float64 {
	if c.anneal == AnnealLinear {
		return (end-start)*pct + start
	}
	return end + (start-end)/2*(math.Cos(math.Pi*pct)+1)
}

func (c *OneCycleLR) lr(b *lrSchedule, i int, _ bool) float64 {
	step := b.lastEpoch
	if step > c.total {
		panic(&ember.ValueError{Op: "OneCycleLR.Step", Msg: fmt.Sprintf("Tried to step %d times. The specified number of total steps is %d", step+1, c.total)})
	}
	// The first phase whose end is not passed, else the last one.
	start, ph := 0.0, c.phases[len(c.phases)-1]
	for _, p := range c.phases[:len(c.phases)-1] {
		if float64(step) <= p.endStep {
			ph = p
			break
		}
		start = p.endStep
	}
	pct := (float64(step) - start) / (ph.endStep - start)
	if c.momentum != nil {
		c.momentum.SetMomentum(i, c.annealed(ph.startMom(c, i), ph.endMom(c, i), pct))
	}
	return c.annealed(ph.startLR(c, i), ph.endLR(c, i), pct)
}
