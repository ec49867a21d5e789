package optim

// LinearLR scales the learning rate by a factor that moves linearly from
// StartFactor to EndFactor over TotalIters epochs, then stays: a linear
// warm-up (StartFactor < 1 = EndFactor) or decay, as
// torch.optim.lr_scheduler.LinearLR, with its recursive formula.
type LinearLR struct {
	lrSchedule
	start, end float64
	total      int
}

// NewLinearLR returns a LinearLR over opt. PyTorch's defaults are
// startFactor 1/3, endFactor 1, totalIters 5. startFactor must be in
// (0, 1] (the recursive formula cannot grow from 0), endFactor in [0, 1].
func NewLinearLR(opt Optimizer, startFactor, endFactor float64, totalIters int) *LinearLR {
	op := "optim.NewLinearLR"
	check(startFactor > 0 && startFactor <= 1, op, "Starting multiplicative factor expected to be greater than 0 and less or equal to 1, got %v", startFactor)
	check(endFactor >= 0 && endFactor <= 1, op, "Ending multiplicative factor expected to be between 0 and 1, got %v", endFactor)
	check(totalIters >= 1, op, "total_iters must be at least 1, got %d", totalIters)
	s := &LinearLR{start: startFactor, end: endFactor, total: totalIters}
	s.init("LinearLR", opt, s, true)
	return s
}

func (s *LinearLR) lr(b *lrSchedule, i int, closed bool) float64 {
	e, total := b.lastEpoch, float64(s.total)
	switch {
	case closed:
		return b.baseLRs[i] * (s.start + (s.end-s.start)*float64(min(s.total, e))/total)
	case e == 0:
		return b.groupLR(i) * s.start
	case e > s.total:
		return b.groupLR(i)
	}
	return b.groupLR(i) * (1 + (s.end-s.start)/(total*s.start+float64(e-1)*(s.end-s.start)))
}

// NewWarmupCosine returns the usual transformer schedule: a LinearLR
// warm-up from startFactor times the base rate over warmup steps, then
// cosine annealing to etaMin until total steps (a SequentialLR).
func NewWarmupCosine(opt Optimizer, warmup, total int, startFactor, etaMin float64) *SequentialLR {
	check(warmup >= 1 && total > warmup, "optim.NewWarmupCosine", "want 1 <= warmup < total, got warmup %d, total %d", warmup, total)
	return NewSequentialLR(opt, []Scheduler{
		NewLinearLR(opt, startFactor, 1, warmup),
		NewCosineAnnealingLR(opt, total-warmup, etaMin),
	}, []int{warmup})
}
