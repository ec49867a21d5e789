package optim

import "math"

// CosineAnnealingLR anneals the learning rate from the base rate to EtaMin
// along half a cosine over TMax epochs (SGDR without restarts; past TMax
// it climbs back), as torch.optim.lr_scheduler.CosineAnnealingLR, with its
// recursive formula.
type CosineAnnealingLR struct {
	lrSchedule
	tMax   int
	etaMin float64
}

// NewCosineAnnealingLR returns a CosineAnnealingLR over opt (PyTorch's
// default etaMin is 0).
func NewCosineAnnealingLR(opt Optimizer, tMax int, etaMin float64) *CosineAnnealingLR {
	check(tMax >= 1, "optim.NewCosineAnnealingLR", "T_max must be at least 1, got %d", tMax)
	s := &CosineAnnealingLR{tMax: tMax, etaMin: etaMin}
	s.init("CosineAnnealingLR", opt, s, true)
	return s
}

func (s *CosineAnnealingLR) lr(b *lrSchedule, i int, closed bool) float64 {
	e, tMax, base := float64(b.lastEpoch), float64(s.tMax), b.baseLRs[i]
	switch {
	case closed:
		return s.etaMin + (base-s.etaMin)*(1+math.Cos(math.Pi*e/tMax))/2
	case b.lastEpoch == 0:
		return b.groupLR(i)
	case b.stepCount == 1 && b.lastEpoch > 0:
		return s.etaMin + (base-s.etaMin)*(1+math.Cos(e*math.Pi/tMax))/2
	case (b.lastEpoch-1-s.tMax)%(2*s.tMax) == 0:
		return b.groupLR(i) + (base-s.etaMin)*(1-math.Cos(math.Pi/tMax))/2
	}
	return (1+math.Cos(math.Pi*e/tMax))/(1+math.Cos(math.Pi*(e-1)/tMax))*(b.groupLR(i)-s.etaMin) + s.etaMin
}
