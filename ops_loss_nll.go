package ember

import (
	"fmt"
	"slices"

	"github.com/emberdl/ember/backend"
)

// DefaultIgnoreIndex is the target class NLLLoss and CrossEntropy skip when
// the options leave IgnoreIndex nil, as PyTorch's ignore_index=-100.
const DefaultIgnoreIndex = -100

// NLLLossOptions configures NLLLoss. The zero value (or a nil pointer)
// gives PyTorch's defaults.
type NLLLossOptions struct {
	// Weight is an optional 1-D tensor of one weight per class. It scales
	// each position's loss by the weight of its target class, and the mean
	// divides by the sum of those weights. No gradient flows to it.
	Weight *Tensor
	// IgnoreIndex is a target value whose positions add neither loss nor
	// gradient and do not count in the mean; nil means DefaultIgnoreIndex
	// (-100). Set it with new(0), for example.
	IgnoreIndex *int
	// Reduction combines the per-position losses (mean by default).
	Reduction Reduction
}

// CrossEntropyOptions configures CrossEntropy. The zero value (or a nil
// pointer) gives PyTorch's defaults.
type CrossEntropyOptions struct {
	// Weight is an optional 1-D tensor of one weight per class (see
	// NLLLossOptions.Weight); with probability targets it scales each
	// class's term.
	Weight *Tensor
	// IgnoreIndex is a target class to skip (see NLLLossOptions); nil
	// means -100. Only class-index targets accept a non-negative value.
	IgnoreIndex *int
	// LabelSmoothing in [0, 1] mixes the target with the uniform
	// distribution over the C classes: (1-ε)·target + ε/C.
	LabelSmoothing float64
	// Reduction combines the per-position losses (mean by default).
	Reduction Reduction
}

func ignoreIndexOf(p *int) int {
	if p == nil {
		return DefaultIgnoreIndex
	}
	return *p
}

// NLLLoss returns the negative log-likelihood loss of F.nll_loss: input
// holds log-probabilities of C classes, shaped [N, C], [N, C, d1, ...] or
// [C] (unbatched), and target the int64 class of each position, shaped
// [N], [N, d1, ...] or [] respectively. The loss at a position is
// -weight[c]·input[n, c, ...] for its target class c.
func NLLLoss(input, target *Tensor, opts *NLLLossOptions) *Tensor {
	const op = "nll_loss"
	input = autocast1(op, input)
	var o NLLLossOptions
	if opts != nil {
		o = *opts
	}
	checkFloatLoss(op, input)
	checkReduction(op, o.Reduction, false)
	x, t, unbatched := batchClassInput(op, input, target)
	ct := newClassTargets(op, x, t, o.Weight, ignoreIndexOf(o.IgnoreIndex), o.Reduction == ReductionMean)
	out := ct.nll(x, o.Reduction)
	if unbatched && o.Reduction == ReductionNone {
		out = out.Reshape()
	}
	return out
}

// CrossEntropy returns the cross-entropy loss between logits and target, as
// F.cross_entropy: LogSoftmax over the class axis followed by NLLLoss. The
// class axis is axis 1 of input ([N, C] or [N, C, d1, ...]), or axis 0 of
// an unbatched [C] input.
//
// An integer target holds class indices (shaped like input without the
// class axis); it is used by gathering, never by building one-hot rows. A
// float target of input's shape holds class probabilities. Weight,
// IgnoreIndex, LabelSmoothing and the mean over class weights follow
// PyTorch exactly.
//
//	loss := ember.CrossEntropy(logits, labels, nil)
//	loss := ember.CrossEntropy(logits, labels, &ember.CrossEntropyOptions{LabelSmoothing: 0.1})
//
// On a backend with a fused cross-entropy kernel (CUDA), [N, C] logits with
// class-index targets and no class weights take it: the log-probabilities
// are never stored, and under Autocast the 16-bit logits are read as they
// are (the loss is computed in float32 all the same).
func CrossEntropy(input, target *Tensor, opts *CrossEntropyOptions) *Tensor {
	var o CrossEntropyOptions
	if opts != nil {
		o = *opts
	}
	if y := fusedCrossEntropy(input, target, o); y != nil {
		return y
	}
	return crossEntropyComposed(input, target, o)
}

// crossEntropyComposed is CrossEntropy from log-softmax and a gather.
func crossEntropyComposed(input, target *Tensor, o CrossEntropyOptions) *Tensor {
	const op = "cross_entropy"
	input, target = autocast2(op, input, target)
	checkFloatLoss(op, input)
	checkReduction(op, o.Reduction, false)
	ls := o.LabelSmoothing
	if !(ls >= 0 && ls <= 1) {
		panic(&ValueError{Op: op, Msg: fmt.Sprintf("label_smoothing must be between 0.0 and 1.0. Got: %g", ls)})
	}
	ignore := ignoreIndexOf(o.IgnoreIndex)
	if target.dtype.IsFloat() {
		return crossEntropyProbs(input, target, o.Weight, ignore, ls, o.Reduction)
	}
	x, t, unbatched := batchClassInput(op, input, target)
	lp := x.LogSoftmax(1)
	ct := newClassTargets(op, lp, t, o.Weight, ignore, o.Reduction == ReductionMean)
	out := ct.nll(lp, o.Reduction)
	if ls > 0 {
		c := x.shape[1]
		terms := lp
		if ct.weight != nil {
			terms = lp.Mul(ct.weight.Reshape(classAxisShape(x.Dim(), 1, c)...))
		}
		smooth := terms.Sum(1).Neg()
		if ct.valid != nil {
			smooth = Where(ct.valid, smooth, smooth.sc(0))
		}
		switch o.Reduction {
		case ReductionSum:
			smooth = smooth.Sum()
		case ReductionMean:
			smooth = ct.mean(smooth.Sum())
		}
		out = out.MulScalar(1 - ls).Add(smooth.MulScalar(ls / float64(c)))
	}
	if unbatched && o.Reduction == ReductionNone {
		out = out.Reshape()
	}
	return out
}

// crossEntropyFuser is implemented by backends with a fused log-softmax
// cross-entropy over [N, C] logits (CUDA's); each method reports false,
// having done nothing, for views it does not take.
type crossEntropyFuser interface {
	CrossEntropy(loss, lse, logits, target backend.View, ignore int64, smoothing float64) bool
	CrossEntropyBackward(dlogits, logits, target, lse, dloss backend.View, ignore int64, smoothing float64) bool
}

// fusedCrossEntropy is CrossEntropy through the backend's fused kernels,
// or nil where they do not apply (then the composed path also reports any
// error in the arguments).
func fusedCrossEntropy(input, target *Tensor, o CrossEntropyOptions) *Tensor {
	fz, ok := input.be().(crossEntropyFuser)
	if !ok || o.Weight != nil || !input.dtype.IsFloat() || input.Dim() != 2 || target.Dim() != 1 || target.dtype != Int64 ||
		target.be() != input.be() || target.st.dev != input.st.dev || input.shape[0] != target.shape[0] || input.shape[0] == 0 || input.shape[1] == 0 {
		return nil
	}
	ls := o.LabelSmoothing
	if !(ls >= 0 && ls <= 1) {
		return nil
	}
	switch o.Reduction {
	case ReductionMean, ReductionSum, ReductionNone:
	default:
		return nil
	}
	ignore := ignoreIndexOf(o.IgnoreIndex)
	outDT := autocastResultDType("cross_entropy", input)
	acc := Float32
	if input.dtype == Float64 {
		acc = Float64
	}
	n := input.shape[0]
	loss, lse := input.alloc(acc, []int{n}), input.alloc(acc, []int{n})
	if !fz.CrossEntropy(loss.view(), lse.view(), input.view(), target.view(), int64(ignore), ls) {
		loss.Free()
		lse.Free()
		return nil
	}
	var count *Tensor
	out := loss
	switch o.Reduction {
	case ReductionSum:
		out = loss.Sum()
	case ReductionMean:
		count = target.Ne(target.sc(float64(ignore))).Sum().castNoGrad(acc)
		out = loss.Sum().Div(count)
	}
	out = out.castNoGrad(outDT)
	if r := track(input); r != nil {
		r.record(out, "CrossEntropyLossBackward0", func(g *Tensor) []*Tensor {
			if GradEnabled() {
				// The backward pass is being recorded: differentiate the
				// composed loss, in the dtype the forward computed in.
				var gx *Tensor
				EnableGrad(func() {
					x := input
					if outDT != input.dtype {
						x = input.To(outDT)
					}
					y := crossEntropyComposed(x, target, o)
					gx = Grad([]*Tensor{y}, []*Tensor{input}, WithGradient(g), CreateGraph())[0]
				})
				return []*Tensor{gx}
			}
			gd := g.castNoGrad(acc)
			switch o.Reduction {
			case ReductionSum:
				gd = gd.Expand(n).Contiguous()
			case ReductionMean:
				gd = gd.Div(count).Expand(n).Contiguous()
			}
			dx := input.alloc(input.dtype, input.shape)
			if !fz.CrossEntropyBackward(dx.view(), input.view(), target.view(), lse.view(), gd.view(), int64(ignore), ls) {
				panic(&ValueError{Op: "cross_entropy", Msg: "the fused backward refused the views its forward took"})
			}
			return []*Tensor{dx}
		}, input)
	}
	return out
}

// classAxisShape returns the shape [1, .., c, .., 1] of rank dims with c at
// axis, for broadcasting per-class values.
func classAxisShape(dims, axis, c int) []int {
	s := make([]int, dims)
	for i := range s {
		s[i] = 1
	}
	s[axis] = c
	return s
}

// crossEntropyProbs is CrossEntropy with class-probability targets.
func crossEntropyProbs(input, target, weight *Tensor, ignore int, ls float64, r Reduction) *Tensor {
	const op = "cross_entropy"
	if input.Dim() == 0 {
		panic(shapeErr(op, "Expected 1 or more dimensions (got 0)", input.shape))
	}
	if ignore >= 0 {
		panic(&ValueError{Op: op, Msg: "ignore_index is not supported for floating point target"})
	}
	if !slices.Equal(input.shape, target.shape) {
		panic(shapeErr(op, fmt.Sprintf("a float target holds class probabilities and must have the input's shape %s, got %s (class-index targets must be int64)", shapeStr(input.shape), shapeStr(target.shape)), input.shape, target.shape))
	}
	sameDevice(op, input, target)
	axis := min(1, input.Dim()-1)
	c := input.shape[axis]
	lp := input.LogSoftmax(axis)
	tt := target
	if ls > 0 {
		tt = target.MulScalar(1 - ls).AddScalar(ls / float64(c))
	}
	terms := lp.Mul(tt)
	if w := classWeight(op, weight, input, c); w != nil {
		terms = terms.Mul(w.Reshape(classAxisShape(input.Dim(), axis, c)...))
	}
	switch r {
	case ReductionNone:
		return terms.Sum(axis).Neg()
	case ReductionSum:
		return terms.Sum().Neg()
	}
	n := 0
	if c > 0 {
		n = input.Numel() / c
	}
	return terms.Sum().Neg().DivScalar(float64(n))
}

// classWeight checks an optional per-class weight and returns it detached
// in input's dtype.
func classWeight(op string, weight, input *Tensor, c int) *Tensor {
	if weight == nil {
		return nil
	}
	sameDevice(op, input, weight)
	if weight.Dim() != 1 || weight.shape[0] != c {
		panic(shapeErr(op, fmt.Sprintf("weight tensor should be defined either for all %d classes or no classes but got weight tensor of shape: %s", c, shapeStr(weight.shape)), weight.shape))
	}
	return weight.Detach().castNoGrad(input.dtype)
}

// batchClassInput checks a class-index target against input and returns
// both in batched form: x [N, C, d...] and t int64 [N, d...]. unbatched
// reports a [C] input with a 0-d target.
func batchClassInput(op string, input, target *Tensor) (x, t *Tensor, unbatched bool) {
	sameDevice(op, input, target)
	if target.dtype != Int64 && target.dtype != Int32 {
		panic(&DTypeError{Op: op, Msg: fmt.Sprintf("expected scalar type Long but found %s (class-index targets must be int64; float targets of the input's shape hold probabilities)", target.dtype)})
	}
	t = target.castNoGrad(Int64)
	switch {
	case input.Dim() == 0:
		panic(shapeErr(op, "Expected 1 or more dimensions (got 0)", input.shape))
	case input.Dim() == 1:
		if target.Dim() != 0 {
			panic(shapeErr(op, fmt.Sprintf("an unbatched input of shape %s needs a 0-d target, got shape %s", shapeStr(input.shape), shapeStr(target.shape)), input.shape, target.shape))
		}
		return input.Unsqueeze(0), t.Reshape(1), true
	case target.Dim() == 0:
		panic(shapeErr(op, "0D or 1D target tensor expected, multi-target not supported", input.shape, target.shape))
	case input.shape[0] != target.shape[0]:
		panic(shapeErr(op, fmt.Sprintf("Expected input batch_size (%d) to match target batch_size (%d).", input.shape[0], target.shape[0]), input.shape, target.shape))
	}
	want := slices.Delete(slices.Clone(input.shape), 1, 2)
	if !slices.Equal(want, target.shape) {
		if input.Dim() == 2 {
			panic(shapeErr(op, "0D or 1D target tensor expected, multi-target not supported", input.shape, target.shape))
		}
		panic(shapeErr(op, fmt.Sprintf("Expected target size %s, got %s", shapeStr(want), shapeStr(target.shape)), input.shape, target.shape))
	}
	return input, t, false
}

// classTargets is a checked class-index target, ready to pick log
// probabilities by gathering. NLL and its gradient are adjoint linear maps
// built from it.
type classTargets struct {
	shape  []int   // [N, d...]
	x      []int   // the input's shape [N, C, d...]
	dtype  DType   // the input's dtype
	idx    *Tensor // int64 [N, 1, d...]: the target class, 0 where ignored; nil when C == 0
	valid  *Tensor // bool [N, d...]: false where ignored; nil when nothing is
	weight *Tensor // the per-class weight [C] (detached), or nil
	wt     *Tensor // weight of each position's class [N, d...], 0 where ignored; nil without weight
	denom  *Tensor // 0-d divisor of the mean (sum of weights or count of valid positions), or nil
	count  int     // divisor of the mean when denom is nil
}

// newClassTargets validates t (int64 [N, d...]) against x ([N, C, d...]):
// every target is a class in [0, C) or the ignored value.
func newClassTargets(op string, x, t, weight *Tensor, ignore int, mean bool) *classTargets {
	c := x.shape[1]
	ct := &classTargets{shape: t.shape, x: x.shape, dtype: x.dtype, count: t.Numel()}
	ct.weight = classWeight(op, weight, x, c)
	idx := t
	switch {
	case t.Numel() > 0 && checksIndices(t):
		// The device reports targets out of range (the gather flags
		// them) at its next wait; mask the ignored positions without
		// reading the targets back.
		ct.valid = t.Ne(t.sc(float64(ignore)))
		idx = Where(ct.valid, t, t.sc(0))
	case t.Numel() > 0:
		l, h := int64Range(t)
		inRange := l >= 0 && h < int64(c)
		if !inRange || (l <= int64(ignore) && int64(ignore) <= h) {
			ct.valid = t.Ne(t.sc(float64(ignore)))
			if !inRange {
				bad := t.Lt(t.sc(0)).LogicalOr(t.Ge(t.sc(float64(c)))).LogicalAnd(ct.valid)
				if bad.Any().Item() != 0 {
					v := t.MaskedSelect(bad).Int64s()[0]
					panic(&ValueError{Op: op, Msg: fmt.Sprintf("Target %d is out of bounds.", v)})
				}
			}
			idx = Where(ct.valid, t, t.sc(0))
		}
	}
	if c > 0 {
		ct.idx = idx.Reshape(slices.Insert(slices.Clone(t.shape), 1, 1)...)
	}
	if ct.weight != nil {
		if ct.idx != nil {
			ct.wt = empty(x.be(), x.st.dev, x.dtype, []int{idx.Numel()})
			if idx.Numel() > 0 {
				flat := idx.Reshape(-1)
				x.be().IndexSelect(ct.wt.view(), ct.weight.view(), 0, flat.view())
			}
			ct.wt = ct.wt.Reshape(t.shape...)
		} else {
			ct.wt = Zeros(t.shape, x.dtype, x.st.dev)
		}
		if ct.valid != nil {
			ct.wt = Where(ct.valid, ct.wt, ct.wt.sc(0))
		}
	}
	if mean {
		switch {
		case ct.wt != nil:
			ct.denom = ct.wt.Sum()
		case ct.valid != nil:
			ct.denom = ct.valid.Sum().castNoGrad(x.dtype)
		}
	}
	return ct
}

// mean divides a summed loss (or gradient) by the mean's divisor.
func (ct *classTargets) mean(s *Tensor) *Tensor { return ct.meanScaled(s, 1) }

// meanScaled returns s·k divided by the mean's divisor, in one op when the
// divisor is a count.
func (ct *classTargets) meanScaled(s *Tensor, k float64) *Tensor {
	if ct.denom != nil {
		if k != 1 {
			s = s.MulScalar(k)
		}
		return s.Div(ct.denom)
	}
	return s.MulScalar(k / float64(ct.count))
}

// nll returns the reduced negative log-likelihood of the log-probabilities
// lp [N, C, d...], recorded as NllLossBackward0.
func (ct *classTargets) nll(lp *Tensor, r Reduction) *Tensor {
	out := ct.nllRaw(lp.Detach(), r)
	if rec := track(lp); rec != nil {
		rec.record(out, "NllLossBackward0", func(g *Tensor) []*Tensor {
			return []*Tensor{ct.nllGrad(g, lp.st.be, lp.st.dev, r)}
		})
	}
	return out
}

// nllGrad returns the gradient of nll with respect to its input for the
// output gradient g: -g·weight (over the mean's divisor) at each target
// class, 0 elsewhere. It is linear in g and recorded as
// NllLossBackwardBackward0, whose backward is nll itself.
func (ct *classTargets) nllGrad(g *Tensor, be backend.Backend, dev Device, r Reduction) *Tensor {
	out := ct.nllGradRaw(g.Detach(), be, dev, r)
	if rec := track(g); rec != nil {
		rec.record(out, "NllLossBackwardBackward0", func(gg *Tensor) []*Tensor {
			return []*Tensor{ct.nll(gg, r)}
		})
	}
	return out
}

// nllRaw computes nll without recording.
func (ct *classTargets) nllRaw(lp *Tensor, r Reduction) *Tensor {
	var picked *Tensor
	if ct.idx != nil {
		picked = lp.alloc(lp.dtype, ct.idx.shape)
		if picked.Numel() > 0 {
			lp.be().Gather(picked.view(), lp.view(), 1, ct.idx.view())
		}
		picked = picked.Reshape(ct.shape...)
	} else {
		picked = lp.alloc(lp.dtype, ct.shape)
		lp.be().Fill(picked.view(), 0)
	}
	if ct.wt != nil {
		picked = picked.Mul(ct.wt)
	}
	if ct.valid != nil {
		picked = Where(ct.valid, picked, picked.sc(0))
	}
	switch r {
	case ReductionNone:
		return picked.Neg()
	case ReductionSum:
		return picked.Sum().Neg()
	}
	return ct.meanScaled(picked.Sum(), -1)
}

// nllGradRaw computes nllGrad without recording.
func (ct *classTargets) nllGradRaw(g *Tensor, be backend.Backend, dev Device, r Reduction) *Tensor {
	coef := g.castNoGrad(ct.dtype)
	if r == ReductionMean {
		coef = ct.meanScaled(coef, -1)
	} else {
		coef = coef.Neg()
	}
	if ct.wt != nil {
		coef = coef.Mul(ct.wt)
	}
	if ct.valid != nil {
		coef = Where(ct.valid, coef, coef.sc(0))
	}
	out := full(be, dev, ct.dtype, ct.x, 0)
	if ct.idx != nil && ct.idx.Numel() > 0 {
		if coef.Dim() > 0 {
			coef = coef.Reshape(ct.idx.shape...)
		}
		be.Scatter(out.view(), 1, ct.idx.view(), coef.broadcastView(ct.idx.shape), false)
	}
	return out
}

// int64Range returns the smallest and largest element of a non-empty int64
// tensor, scanned on the host (one copy, where two reductions and two
// reads would cost more for the small target tensors of a loss).
func int64Range(t *Tensor) (lo, hi int64) {
	v := t.Int64s()
	lo, hi = v[0], v[0]
	for _, x := range v[1:] {
		lo, hi = min(lo, x), max(hi, x)
	}
	return lo, hi
}
