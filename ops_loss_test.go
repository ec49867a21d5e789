package ember

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// reductionArg reads the fixture's "reduction" argument.
func reductionArg(a goldenArgs) Reduction {
	r, err := ParseReduction(a.String("reduction", "mean"))
	if err != nil {
		panic(err)
	}
	return r
}

// optionalInput returns the input whose position the argument key names,
// or nil.
func optionalInput(a goldenArgs, key string, in []*Tensor) *Tensor {
	if i := a.Int(key, -1); i >= 0 {
		return in[i]
	}
	return nil
}

// ignoreArg reads the fixture's "ignore_index" argument (nil when absent).
func ignoreArg(a goldenArgs) *int {
	if _, ok := a["ignore_index"]; !ok {
		return nil
	}
	return new(a.Int("ignore_index", 0))
}

func init() {
	registerGolden("cross_entropy", one(func(a goldenArgs, in []*Tensor) *Tensor {
		return CrossEntropy(in[0], in[1], &CrossEntropyOptions{Weight: optionalInput(a, "weight", in), IgnoreIndex: ignoreArg(a),
			LabelSmoothing: a.Float("label_smoothing", 0), Reduction: reductionArg(a)})
	}))
	registerGolden("nll_loss", one(func(a goldenArgs, in []*Tensor) *Tensor {
		return NLLLoss(in[0], in[1], &NLLLossOptions{Weight: optionalInput(a, "weight", in), IgnoreIndex: ignoreArg(a), Reduction: reductionArg(a)})
	}))
	registerGolden("mse_loss", one(func(a goldenArgs, in []*Tensor) *Tensor { return MSELoss(in[0], in[1], reductionArg(a)) }))
	registerGolden("l1_loss", one(func(a goldenArgs, in []*Tensor) *Tensor { return L1Loss(in[0], in[1], reductionArg(a)) }))
	registerGolden("smooth_l1_loss", one(func(a goldenArgs, in []*Tensor) *Tensor {
		return SmoothL1Loss(in[0], in[1], a.Float("beta", 1), reductionArg(a))
	}))
	registerGolden("huber_loss", one(func(a goldenArgs, in []*Tensor) *Tensor {
		return HuberLoss(in[0], in[1], a.Float("delta", 1), reductionArg(a))
	}))
	registerGolden("binary_cross_entropy", one(func(a goldenArgs, in []*Tensor) *Tensor {
		return BinaryCrossEntropy(in[0], in[1], optionalInput(a, "weight", in), reductionArg(a))
	}))
	registerGolden("binary_cross_entropy_with_logits", one(func(a goldenArgs, in []*Tensor) *Tensor {
		return BinaryCrossEntropyWithLogits(in[0], in[1], optionalInput(a, "weight", in), optionalInput(a, "pos_weight", in), reductionArg(a))
	}))
	registerGolden("kl_div", one(func(a goldenArgs, in []*Tensor) *Tensor {
		return KLDiv(in[0], in[1], reductionArg(a), a.Bool("log_target", false))
	}))
	registerGolden("margin_ranking_loss", one(func(a goldenArgs, in []*Tensor) *Tensor {
		return MarginRankingLoss(in[0], in[1], in[2], a.Float("margin", 0), reductionArg(a))
	}))
	registerGolden("cosine_embedding_loss", one(func(a goldenArgs, in []*Tensor) *Tensor {
		return CosineEmbeddingLoss(in[0], in[1], in[2], a.Float("margin", 0), reductionArg(a))
	}))
	addLossGradChecks()
}

// addLossCheck registers a gradient check, reshaping a 0-d loss to [1]
// (the harness seeds the output gradient as a 1-D tensor) and, for a
// second-order check, registering one check per input that requires a
// gradient with the others held constant (the harness frees the graph
// between the second-order checks of several inputs).
func addLossCheck(c gradCase) {
	f := c.f
	c.f = func(in []*Tensor) *Tensor {
		out := f(in)
		if out.Dim() == 0 {
			out = out.Reshape(1)
		}
		return out
	}
	var req []int
	for i, x := range c.inputs() {
		if x.RequiresGrad() {
			req = append(req, i)
		}
	}
	if len(req) <= 1 || !c.secondOrder {
		addGradCheck(c)
		return
	}
	for _, i := range req {
		ci, inputs := c, c.inputs
		ci.name = fmt.Sprintf("%s/wrt%d", c.name, i)
		ci.inputs = func() []*Tensor {
			xs := inputs()
			for j := range xs {
				if j != i {
					xs[j] = xs[j].Detach()
				}
			}
			return xs
		}
		addGradCheck(ci)
	}
}

// classes returns an int64 target tensor.
func classes(shape []int, v ...int64) *Tensor { return FromSlice(v, shape...) }

func addLossGradChecks() {
	reds := []Reduction{ReductionMean, ReductionSum, ReductionNone}
	w5 := func() *Tensor { return FromSlice([]float64{0.5, 2, 1, 0.25, 1.5}) }
	seed := uint64(700)
	next := func() uint64 { seed++; return seed }

	// Cross-entropy with class indices, in every layout and option.
	type ceCase struct {
		name   string
		shape  []int
		target func() *Tensor
		opts   func(r Reduction) *CrossEntropyOptions
	}
	ceCases := []ceCase{
		{"plain", []int{4, 5}, func() *Tensor { return classes([]int{4}, 1, 0, 4, 2) },
			func(r Reduction) *CrossEntropyOptions { return &CrossEntropyOptions{Reduction: r} }},
		{"weight_ignore", []int{4, 5}, func() *Tensor { return classes([]int{4}, 1, -100, 4, 2) },
			func(r Reduction) *CrossEntropyOptions { return &CrossEntropyOptions{Weight: w5(), Reduction: r} }},
		{"ignore_in_range_smoothing", []int{4, 5}, func() *Tensor { return classes([]int{4}, 1, 3, 3, 0) },
			func(r Reduction) *CrossEntropyOptions {
				return &CrossEntropyOptions{IgnoreIndex: new(3), LabelSmoothing: 0.1, Reduction: r}
			}},
		{"4d_weight_ignore_smoothing", []int{2, 5, 2, 1}, func() *Tensor { return classes([]int{2, 2, 1}, 4, -100, 0, 2) },
			func(r Reduction) *CrossEntropyOptions {
				return &CrossEntropyOptions{Weight: w5(), LabelSmoothing: 0.2, Reduction: r}
			}},
		{"unbatched", []int{5}, func() *Tensor { return FromSlice([]int64{2}).Reshape() },
			func(r Reduction) *CrossEntropyOptions {
				return &CrossEntropyOptions{Weight: w5(), LabelSmoothing: 0.1, Reduction: r}
			}},
	}
	for _, c := range ceCases {
		for _, r := range reds {
			c, r, sd := c, r, next()
			addLossCheck(gradCase{name: fmt.Sprintf("cross_entropy/%s/%v", c.name, r), secondOrder: true,
				inputs: func() []*Tensor { return []*Tensor{randT(sd, -2, 2, c.shape...)} },
				f:      func(in []*Tensor) *Tensor { return CrossEntropy(in[0], c.target(), c.opts(r)) }})
		}
	}
	// Probability targets: gradients for the logits and the target.
	for _, r := range reds {
		r, sd := r, next()
		addLossCheck(gradCase{name: fmt.Sprintf("cross_entropy/probs/%v", r), secondOrder: true,
			inputs: func() []*Tensor { return []*Tensor{randT(sd, -2, 2, 3, 5, 2), randT(sd+1, 0, 1, 3, 5, 2)} },
			f: func(in []*Tensor) *Tensor {
				return CrossEntropy(in[0], in[1], &CrossEntropyOptions{Weight: w5(), LabelSmoothing: 0.1, Reduction: r})
			}})
	}
	// NLL, and its backward as a function of the output gradient (which
	// reaches the backward of the backward).
	for _, r := range reds {
		r, sd := r, next()
		opts := func() *NLLLossOptions { return &NLLLossOptions{Weight: w5(), Reduction: r} }
		target := func() *Tensor { return classes([]int{2, 2}, 3, -100, 0, 4) }
		addLossCheck(gradCase{name: fmt.Sprintf("nll_loss/%v", r),
			inputs: func() []*Tensor { return []*Tensor{randT(sd, -3, 0, 2, 5, 2)} },
			f:      func(in []*Tensor) *Tensor { return NLLLoss(in[0], target(), opts()) }})
		gshape := []int{1}
		if r == ReductionNone {
			gshape = []int{2, 2}
		}
		addLossCheck(gradCase{name: fmt.Sprintf("nll_loss/backward/%v", r), secondOrder: true,
			inputs: func() []*Tensor { return []*Tensor{randT(sd, -3, 0, 2, 5, 2).Detach(), randT(sd+1, -1, 1, gshape...)} },
			f: func(in []*Tensor) *Tensor {
				v := in[1]
				if r != ReductionNone {
					v = v.Reshape()
				}
				return gradWith(func(x *Tensor) *Tensor { return NLLLoss(x, target(), opts()) }, in[0], v)
			}})
	}

	// Pointwise losses: gradients for both sides, with broadcasting.
	type pw struct {
		name   string
		lo, hi float64
		f      func(x, t *Tensor, r Reduction) *Tensor
	}
	pws := []pw{
		{"mse", -2, 2, MSELoss},
		{"l1", -2, 2, L1Loss},
		{"smooth_l1", -2, 2, func(x, t *Tensor, r Reduction) *Tensor { return SmoothL1Loss(x, t, 0.7, r) }},
		{"huber", -2, 2, func(x, t *Tensor, r Reduction) *Tensor { return HuberLoss(x, t, 0.6, r) }},
		{"bce_logits", -4, 4, func(x, t *Tensor, r Reduction) *Tensor {
			return BinaryCrossEntropyWithLogits(x, t.Sigmoid(), FromSlice([]float64{0.5, 2, 1}), nil, r)
		}},
		{"bce_logits_pos_weight", -4, 4, func(x, t *Tensor, r Reduction) *Tensor {
			return BinaryCrossEntropyWithLogits(x, t.Sigmoid(), FromSlice([]float64{0.5, 2, 1}), FromSlice([]float64{3, 0.5, 1}), r)
		}},
		{"bce", 0.1, 0.9, func(x, t *Tensor, r Reduction) *Tensor {
			return BinaryCrossEntropy(x, t, FromSlice([]float64{0.5, 2, 1}), r)
		}},
		{"kl_div", -2, 0, func(x, t *Tensor, r Reduction) *Tensor { return KLDiv(x, t.Exp(), r, false) }},
		{"kl_div_log_target", -2, 0, func(x, t *Tensor, r Reduction) *Tensor { return KLDiv(x, t, r, true) }},
		{"margin_ranking", -2, 2, func(x, t *Tensor, r Reduction) *Tensor {
			if x.Dim() != t.Dim() {
				t = t.Expand(x.shape...)
			}
			return MarginRankingLoss(x, t, FromSlice([]float64{1, -1, 1}, 1, 3), 0.3, r)
		}},
	}
	for _, p := range pws {
		for _, r := range reds {
			p, r, sd := p, r, next()
			addLossCheck(gradCase{name: fmt.Sprintf("%s/%v", p.name, r), secondOrder: true,
				inputs: func() []*Tensor { return []*Tensor{randT(sd, p.lo, p.hi, 2, 3), randT(sd+1, p.lo, p.hi, 2, 3)} },
				f:      func(in []*Tensor) *Tensor { return p.f(in[0], in[1], r) }})
		}
		p, sd := p, next()
		addLossCheck(gradCase{name: p.name + "/broadcast_target", secondOrder: true,
			inputs: func() []*Tensor { return []*Tensor{randT(sd, p.lo, p.hi, 2, 3), randT(sd+1, p.lo, p.hi, 3)} },
			f: func(in []*Tensor) *Tensor {
				if strings.HasPrefix(p.name, "bce") {
					return p.f(in[0], in[1].Expand(2, 3), ReductionMean)
				}
				return p.f(in[0], in[1], ReductionMean)
			}})
	}
	addLossCheck(gradCase{name: "kl_div/batchmean", secondOrder: true,
		inputs: func() []*Tensor { return []*Tensor{randT(next(), -2, 0, 3, 2), randT(next(), 0.1, 1, 3, 2)} },
		f:      func(in []*Tensor) *Tensor { return KLDiv(in[0], in[1], ReductionBatchMean, false) }})
	for _, r := range reds {
		r, sd := r, next()
		addLossCheck(gradCase{name: fmt.Sprintf("cosine_embedding/%v", r), secondOrder: true,
			inputs: func() []*Tensor { return []*Tensor{randT(sd, -1, 1, 4, 3), randT(sd+1, -1, 1, 4, 3)} },
			f: func(in []*Tensor) *Tensor {
				return CosineEmbeddingLoss(in[0], in[1], FromSlice([]int64{1, -1, -1, 1}), -0.9, r)
			}})
	}
}

// TestCrossEntropyNaive compares CrossEntropy with a naive float64
// implementation of PyTorch's definition over random configurations.
func TestCrossEntropyNaive(t *testing.T) {
	const n, c = 7, 4
	x := randT(11, -3, 3, n, c).Detach()
	tg := []int64{0, 3, -100, 2, 1, 1, -100}
	w := []float64{0.3, 1.2, 2, 0.7}
	xv := x.Float64s()
	for _, ls := range []float64{0, 0.1} {
		for _, weighted := range []bool{false, true} {
			var sum, den float64
			for i := 0; i < n; i++ {
				if tg[i] == -100 {
					continue
				}
				row := xv[i*c : (i+1)*c]
				m := math.Inf(-1)
				for _, v := range row {
					m = math.Max(m, v)
				}
				lse := 0.0
				for _, v := range row {
					lse += math.Exp(v - m)
				}
				lse = m + math.Log(lse)
				wt := func(k int) float64 {
					if weighted {
						return w[k]
					}
					return 1
				}
				nll := -(row[tg[i]] - lse) * wt(int(tg[i]))
				smooth := 0.0
				for k, v := range row {
					smooth -= (v - lse) * wt(k)
				}
				sum += (1-ls)*nll + ls/c*smooth
				den += wt(int(tg[i]))
			}
			opts := &CrossEntropyOptions{LabelSmoothing: ls}
			if weighted {
				opts.Weight = FromSlice(w)
			}
			got := CrossEntropy(x, FromSlice(tg), opts).Item()
			if want := sum / den; math.Abs(got-want) > 1e-12 {
				t.Errorf("smoothing %v weighted %v: got %v, want %v", ls, weighted, got, want)
			}
		}
	}
}

func TestLossGradFns(t *testing.T) {
	x := randT(5, -1, 1, 3, 4)
	cases := []struct {
		name string
		loss *Tensor
		want string
	}{
		{"cross_entropy", CrossEntropy(x, classes([]int{3}, 0, 1, 2), nil), "NllLossBackward0"},
		{"nll_loss", NLLLoss(x, classes([]int{3}, 0, 1, 2), nil), "NllLossBackward0"},
		{"mse_loss", MSELoss(x, ZerosLike(x), ReductionMean), "MseLossBackward0"},
		{"smooth_l1_loss", SmoothL1Loss(x, ZerosLike(x), 1, ReductionSum), "SmoothL1LossBackward0"},
		{"huber_loss", HuberLoss(x, ZerosLike(x), 1, ReductionNone), "HuberLossBackward0"},
		{"binary_cross_entropy", BinaryCrossEntropy(x.Sigmoid(), ZerosLike(x), nil, ReductionMean), "BinaryCrossEntropyBackward0"},
		{"binary_cross_entropy_with_logits", BinaryCrossEntropyWithLogits(x, ZerosLike(x), nil, nil, ReductionMean), "BinaryCrossEntropyWithLogitsBackward0"},
	}
	for _, c := range cases {
		if got := c.loss.GradFn(); got != c.want {
			t.Errorf("%s: grad_fn %q, want %q", c.name, got, c.want)
		}
	}
}

func TestParseReduction(t *testing.T) {
	for _, r := range []Reduction{ReductionMean, ReductionSum, ReductionNone, ReductionBatchMean} {
		got, err := ParseReduction(r.String())
		if err != nil || got != r {
			t.Errorf("ParseReduction(%q) = %v, %v", r.String(), got, err)
		}
	}
	if _, err := ParseReduction("average"); err == nil {
		t.Error("ParseReduction(average): no error")
	}
}

func TestLossErrors(t *testing.T) {
	x := Zeros([]int{3, 4})
	tg := classes([]int{3}, 0, 1, 2)
	cases := []struct {
		name string
		f    func()
		want string
	}{
		{"ce target out of range", func() { CrossEntropy(x, classes([]int{3}, 0, 4, 1), nil) }, "cross_entropy: Target 4 is out of bounds."},
		{"ce negative target", func() { CrossEntropy(x, classes([]int{3}, 0, -1, -100), nil) }, "Target -1 is out of bounds."},
		{"ce ignore in range still checks", func() {
			CrossEntropy(x, classes([]int{3}, 2, 7, 1), &CrossEntropyOptions{IgnoreIndex: new(2)})
		}, "Target 7 is out of bounds."},
		{"ce batch mismatch", func() { CrossEntropy(x, classes([]int{2}, 0, 1), nil) }, "Expected input batch_size (3) to match target batch_size (2)."},
		{"ce 2-d target", func() { CrossEntropy(x, classes([]int{3, 1}, 0, 1, 2), nil) }, "multi-target not supported"},
		{"ce n-d target", func() { CrossEntropy(Zeros([]int{2, 3, 4}), classes([]int{2, 3}, 0, 1, 2, 0, 1, 2), nil) }, "Expected target size [2 4], got [2 3]"},
		{"ce unbatched target", func() { CrossEntropy(Zeros([]int{4}), classes([]int{1}, 0), nil) }, "needs a 0-d target"},
		{"ce scalar input", func() { CrossEntropy(Scalar(1.0), Scalar(int64(0)), nil) }, "Expected 1 or more dimensions (got 0)"},
		{"ce float target shape", func() { CrossEntropy(x, Zeros([]int{3}), nil) }, "must have the input's shape [3 4]"},
		{"ce float target ignore", func() { CrossEntropy(x, ZerosLike(x), &CrossEntropyOptions{IgnoreIndex: new(0)}) }, "ignore_index is not supported for floating point target"},
		{"ce bool target", func() { CrossEntropy(x, FromSlice([]bool{true, false, true}), nil) }, "expected scalar type Long but found bool"},
		{"ce weight shape", func() { CrossEntropy(x, tg, &CrossEntropyOptions{Weight: Ones([]int{3})}) }, "weight tensor should be defined either for all 4 classes or no classes but got weight tensor of shape: [3]"},
		{"ce smoothing", func() { CrossEntropy(x, tg, &CrossEntropyOptions{LabelSmoothing: 1.5}) }, "label_smoothing must be between 0.0 and 1.0. Got: 1.5"},
		{"ce int input", func() { CrossEntropy(Zeros([]int{3, 4}, Int64), tg, nil) }, "not implemented for 'int64'"},
		{"ce batchmean", func() { CrossEntropy(x, tg, &CrossEntropyOptions{Reduction: ReductionBatchMean}) }, "batchmean is not a valid value for reduction"},
		{"nll bad reduction", func() { NLLLoss(x, tg, &NLLLossOptions{Reduction: Reduction(9)}) }, "Reduction(9) is not a valid value for reduction"},
		{"mse shapes", func() { MSELoss(x, Zeros([]int{3}), ReductionMean) }, "mse_loss: the size of tensor a (4) must match the size of tensor b (3)"},
		{"mse int", func() { MSELoss(Zeros([]int{2}, Int64), Zeros([]int{2}, Int64), ReductionMean) }, "\"mse_loss\" not implemented for 'int64'"},
		{"smooth_l1 beta", func() { SmoothL1Loss(x, x, -1, ReductionMean) }, "smooth_l1_loss does not support negative values for beta."},
		{"huber delta", func() { HuberLoss(x, x, 0, ReductionMean) }, "huber_loss does not support non-positive values for delta."},
		{"bce range", func() { BinaryCrossEntropy(FromSlice([]float32{0.5, 1.5}), Zeros([]int{2}), nil, ReductionMean) }, "all elements of input should be between 0 and 1"},
		{"bce nan", func() {
			BinaryCrossEntropy(FromSlice([]float32{float32(math.NaN())}), Zeros([]int{1}), nil, ReductionMean)
		}, "all elements of input should be between 0 and 1"},
		{"bce shape", func() { BinaryCrossEntropy(Zeros([]int{2}), Zeros([]int{1}), nil, ReductionMean) }, "Using a target size ([1]) that is different to the input size ([2]) is deprecated."},
		{"bce weight shape", func() { BinaryCrossEntropy(x, x, Ones([]int{3}), ReductionMean) }, "binary_cross_entropy: the size of tensor a (4) must match the size of tensor b (3)"},
		{"bce weight grows", func() { BinaryCrossEntropy(Zeros([]int{4}), Zeros([]int{4}), Ones([]int{2, 4}), ReductionMean) }, "does not broadcast to the input's shape [4]"},
		{"bce logits shape", func() { BinaryCrossEntropyWithLogits(x, Zeros([]int{4}), nil, nil, ReductionMean) }, "Target size ([4]) must be the same as input size ([3 4])"},
		{"kl batchmean ok, other loss not", func() { MSELoss(x, x, ReductionBatchMean) }, "batchmean is not a valid value for reduction"},
		{"margin ranking dims", func() { MarginRankingLoss(x, x, Ones([]int{4}), 0, ReductionMean) }, "All input tensors should have same dimension"},
		{"cosine 2-d target", func() { CosineEmbeddingLoss(x, x, Ones([]int{3, 1}), 0, ReductionMean) }, "0D or 1D target tensor expected"},
		{"cosine 1-d target", func() { CosineEmbeddingLoss(Zeros([]int{4}), Zeros([]int{4}), Ones([]int{1}), 0, ReductionMean) }, "1D target tensor expects 2D input tensors"},
		{"cosine 0-d target", func() { CosineEmbeddingLoss(x, x, Scalar(1.0), 0, ReductionMean) }, "0D target tensor expects 1D input tensors"},
	}
	for _, c := range cases {
		err := Catch(c.f)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.want)
		}
	}
}

// BenchmarkCrossEntropy measures one training step's loss: forward and
// backward of CrossEntropy on [N, C] logits.
func BenchmarkCrossEntropy(b *testing.B) {
	for _, shape := range [][]int{{128, 10}, {64, 1000}} {
		x := randT(1, -3, 3, shape...).Detach().To(Float32).SetRequiresGrad(true)
		tv := make([]int64, shape[0])
		for i := range tv {
			tv[i] = int64(i*7) % int64(shape[1])
		}
		tg := FromSlice(tv)
		b.Run(fmt.Sprint(shape), func(b *testing.B) {
			for b.Loop() {
				x.SetGrad(nil)
				CrossEntropy(x, tg, nil).Backward()
			}
		})
	}
}

func ExampleCrossEntropy() {
	logits := FromSlice([]float32{2, 0.5, -1, 0.1, 0.2, 3}, 2, 3).SetRequiresGrad(true)
	labels := FromSlice([]int64{0, 2})
	loss := CrossEntropy(logits, labels, nil)
	loss.Backward()
	fmt.Printf("loss %.4f\n", loss.Item())
	fmt.Printf("grad %.4f\n", logits.Grad().Float32s())

	smoothed := CrossEntropy(logits, labels, &CrossEntropyOptions{LabelSmoothing: 0.1, IgnoreIndex: new(2)})
	fmt.Printf("smoothed, class 2 ignored %.4f\n", smoothed.Item())
	// Output:
	// loss 0.1755
	// grad [-0.1072 0.0876 0.0196 0.0247 0.0272 -0.0519]
	// smoothed, class 2 ignored 0.3913
}

// TestCrossEntropyHalf checks float16 and bfloat16 logits against float32
// (the kernels compute in float32), for the loss and its gradient.
func TestCrossEntropyHalf(t *testing.T) {
	vals := []float32{0.5, -1, 2, 0.25, 1.5, -0.5, 0, 3}
	tg := classes([]int{4}, 1, -100, 0, 1)
	w := FromSlice([]float32{0.5, 2})
	ref := FromSlice(vals, 4, 2).SetRequiresGrad(true)
	want := CrossEntropy(ref, tg, &CrossEntropyOptions{Weight: w, LabelSmoothing: 0.1})
	want.Backward()
	for _, dt := range []DType{Float16, BFloat16} {
		x := FromSlice(vals, 4, 2).To(dt).SetRequiresGrad(true)
		got := CrossEntropy(x, tg, &CrossEntropyOptions{Weight: w, LabelSmoothing: 0.1})
		if got.DType() != dt {
			t.Fatalf("%v: loss dtype %v", dt, got.DType())
		}
		got.Backward()
		if ok, msg := approxEqual(got, []float64{want.Item()}, 2e-2, 1e-2); !ok {
			t.Errorf("%v loss: %s", dt, msg)
		}
		if ok, msg := approxEqual(x.Grad(), ref.Grad().Float64s(), 2e-2, 1e-2); !ok {
			t.Errorf("%v gradient: %s", dt, msg)
		}
	}
}

func ExampleMSELoss() {
	pred := FromSlice([]float32{0.5, 2, -1})
	target := FromSlice([]float32{1, 1.5, 0})
	fmt.Println(MSELoss(pred, target, ReductionMean).Item())
	fmt.Println(MSELoss(pred, target, ReductionSum).Item())
	fmt.Println(MSELoss(pred, target, ReductionNone).Float32s())
	// Output:
	// 0.5
	// 1.5
	// [0.25 0.25 1]
}

func ExampleBinaryCrossEntropyWithLogits() {
	logits := FromSlice([]float32{2, -1, 0.5})
	labels := FromSlice([]float32{1, 0, 1})
	posWeight := FromSlice([]float32{2, 2, 2})
	fmt.Printf("%.4f\n", BinaryCrossEntropyWithLogits(logits, labels, nil, posWeight, ReductionMean).Item())
	// Output:
	// 0.5051
}
