package nn

import "github.com/emberdl/ember"

// CrossEntropyLoss is the cross entropy between logits and class targets
// (torch.nn.CrossEntropyLoss): Forward(input, target) with input [N, C],
// [N, C, d1, ...] or [C], and target the int64 class indices (shape of
// input without C) or class probabilities (input's shape). See
// ember.CrossEntropy.
type CrossEntropyLoss struct {
	Weight         *ember.Tensor `nn:"buffer"` // [C] class weights, or nil
	IgnoreIndex    int           // target class that adds no loss (-100 by default)
	LabelSmoothing float64       // in [0, 1]
	Reduction      ember.Reduction
}

// NewCrossEntropyLoss returns a CrossEntropyLoss; the zero options are
// PyTorch's defaults (no weight, ignore_index -100, mean, no smoothing).
func NewCrossEntropyLoss(o ember.CrossEntropyOptions) *CrossEntropyLoss {
	return &CrossEntropyLoss{Weight: o.Weight, IgnoreIndex: ignoreIndex(o.IgnoreIndex), LabelSmoothing: o.LabelSmoothing, Reduction: o.Reduction}
}

// Forward returns the loss.
func (l *CrossEntropyLoss) Forward(input, target *ember.Tensor) *ember.Tensor {
	return ember.CrossEntropy(input, target, &ember.CrossEntropyOptions{Weight: l.Weight, IgnoreIndex: &l.IgnoreIndex, LabelSmoothing: l.LabelSmoothing, Reduction: l.Reduction})
}

// NLLLoss is the negative log-likelihood of log-probabilities
// (torch.nn.NLLLoss): Forward(input, target) with input [N, C],
// [N, C, d1, ...] or [C] and int64 class targets. See ember.NLLLoss.
type NLLLoss struct {
	Weight      *ember.Tensor `nn:"buffer"` // [C] class weights, or nil
	IgnoreIndex int           // target class that adds no loss (-100 by default)
	Reduction   ember.Reduction
}

// NewNLLLoss returns an NLLLoss; the zero options are PyTorch's defaults.
func NewNLLLoss(o ember.NLLLossOptions) *NLLLoss {
	return &NLLLoss{Weight: o.Weight, IgnoreIndex: ignoreIndex(o.IgnoreIndex), Reduction: o.Reduction}
}

// Forward returns the loss.
func (l *NLLLoss) Forward(input, target *ember.Tensor) *ember.Tensor {
	return ember.NLLLoss(input, target, &ember.NLLLossOptions{Weight: l.Weight, IgnoreIndex: &l.IgnoreIndex, Reduction: l.Reduction})
}

// ignoreIndex resolves an optional ignore index to PyTorch's default -100.
func ignoreIndex(p *int) int {
	if p == nil {
		return ember.DefaultIgnoreIndex
	}
	return *p
}
