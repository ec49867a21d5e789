package nn

import (
	"slices"
	"strings"
	"testing"

	"github.com/emberdl/ember"
)

// reductionOf reads the reduction of a fixture ("mean" when absent).
func reductionOf(a layerArgs) ember.Reduction {
	r, err := ember.ParseReduction(a.String("reduction", "mean"))
	if err != nil {
		panic(err)
	}
	return r
}

// placeholder returns a zero [n] tensor for a buffer the fixture's state
// dict fills (nil when the fixture has none).
func placeholder(a layerArgs, key string, opts []ember.Option) *ember.Tensor {
	if n := a.Int(key, 0); n > 0 {
		return ember.Zeros([]int{n}, opts...)
	}
	return nil
}

// triple adapts a three-input loss.
func triple(m Module, f func(a, b, c *ember.Tensor) *ember.Tensor) built {
	return built{m, func(in []*ember.Tensor) []*ember.Tensor { return []*ember.Tensor{f(in[0], in[1], in[2])} }}
}

func init() {
	registerLayer("CrossEntropyLoss", func(a layerArgs, opts []ember.Option) built {
		o := ember.CrossEntropyOptions{Weight: placeholder(a, "weight", opts), LabelSmoothing: a.Float("label_smoothing", 0), Reduction: reductionOf(a)}
		if a.Has("ignore_index") {
			o.IgnoreIndex = new(a.Int("ignore_index", 0))
		}
		l := NewCrossEntropyLoss(o)
		return pair(l, l.Forward)
	})
	registerLayer("NLLLoss", func(a layerArgs, opts []ember.Option) built {
		o := ember.NLLLossOptions{Weight: placeholder(a, "weight", opts), Reduction: reductionOf(a)}
		if a.Has("ignore_index") {
			o.IgnoreIndex = new(a.Int("ignore_index", 0))
		}
		l := NewNLLLoss(o)
		return pair(l, l.Forward)
	})
	registerLayer("MSELoss", func(a layerArgs, opts []ember.Option) built {
		l := NewMSELoss(reductionOf(a))
		return pair(l, l.Forward)
	})
	registerLayer("L1Loss", func(a layerArgs, opts []ember.Option) built {
		l := NewL1Loss(reductionOf(a))
		return pair(l, l.Forward)
	})
	registerLayer("SmoothL1Loss", func(a layerArgs, opts []ember.Option) built {
		l := NewSmoothL1Loss(a.Float("beta", 1), reductionOf(a))
		return pair(l, l.Forward)
	})
	registerLayer("HuberLoss", func(a layerArgs, opts []ember.Option) built {
		l := NewHuberLoss(a.Float("delta", 1), reductionOf(a))
		return pair(l, l.Forward)
	})
	registerLayer("BCELoss", func(a layerArgs, opts []ember.Option) built {
		l := NewBCELoss(placeholder(a, "weight", opts), reductionOf(a))
		return pair(l, l.Forward)
	})
	registerLayer("BCEWithLogitsLoss", func(a layerArgs, opts []ember.Option) built {
		l := NewBCEWithLogitsLoss(placeholder(a, "weight", opts), placeholder(a, "pos_weight", opts), reductionOf(a))
		return pair(l, l.Forward)
	})
	registerLayer("KLDivLoss", func(a layerArgs, opts []ember.Option) built {
		l := NewKLDivLoss(reductionOf(a), a.Bool("log_target", false))
		return pair(l, l.Forward)
	})
	registerLayer("CosineEmbeddingLoss", func(a layerArgs, opts []ember.Option) built {
		l := NewCosineEmbeddingLoss(a.Float("margin", 0), reductionOf(a))
		return triple(l, l.Forward)
	})
	registerLayer("MarginRankingLoss", func(a layerArgs, opts []ember.Option) built {
		l := NewMarginRankingLoss(a.Float("margin", 0), reductionOf(a))
		return triple(l, l.Forward)
	})
}

func TestLossDefaultsAndKeys(t *testing.T) {
	ce := NewCrossEntropyLoss(ember.CrossEntropyOptions{})
	if ce.IgnoreIndex != -100 || ce.Reduction != ember.ReductionMean || ce.Weight != nil || ce.LabelSmoothing != 0 {
		t.Fatalf("CrossEntropyLoss defaults: %+v", *ce)
	}
	if len(StateDict(ce)) != 0 {
		t.Fatal("an unweighted loss has no state")
	}
	if got := stateKeys(NewCrossEntropyLoss(ember.CrossEntropyOptions{Weight: ember.Ones([]int{3})})); !slices.Equal(got, []string{"weight"}) {
		t.Fatalf("CrossEntropyLoss keys %v", got)
	}
	if got := stateKeys(NewBCEWithLogitsLoss(ember.Ones([]int{3}), ember.Ones([]int{3}), ember.ReductionMean)); !slices.Equal(got, []string{"weight", "pos_weight"}) {
		t.Fatalf("BCEWithLogitsLoss keys %v", got)
	}
	if got := stateKeys(NewBCEWithLogitsLoss(nil, ember.Ones([]int{3}), ember.ReductionMean)); !slices.Equal(got, []string{"pos_weight"}) {
		t.Fatalf("BCEWithLogitsLoss keys %v (PyTorch keeps only pos_weight)", got)
	}
	if NewNLLLoss(ember.NLLLossOptions{IgnoreIndex: new(3)}).IgnoreIndex != 3 {
		t.Fatal("NLLLoss ignore index not kept")
	}
	if NumParams(NewCrossEntropyLoss(ember.CrossEntropyOptions{Weight: ember.Ones([]int{3})}), false) != 0 {
		t.Fatal("class weights are buffers, not parameters")
	}
}

func TestLossErrors(t *testing.T) {
	x, y := ember.Zeros([]int{2, 3}), ember.Zeros([]int{2, 3})
	cases := []struct {
		name string
		f    func()
		want string
	}{
		{"smooth l1 beta", func() { NewSmoothL1Loss(-1, ember.ReductionMean) }, "does not support negative values for beta"},
		{"huber delta", func() { NewHuberLoss(0, ember.ReductionMean) }, "does not support non-positive values for delta"},
		{"reduction", func() { NewMSELoss(ember.ReductionBatchMean).Forward(x, y) }, "batchmean is not a valid value for reduction"},
		{"ce target", func() { NewCrossEntropyLoss(ember.CrossEntropyOptions{}).Forward(x, ember.FromSlice([]int64{0, 3})) }, "Target 3 is out of bounds"},
		{"bce range", func() { NewBCELoss(nil, ember.ReductionMean).Forward(ember.Full([]int{2, 3}, 2), y) }, "between 0 and 1"},
	}
	for _, c := range cases {
		err := ember.Catch(c.f)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to mention %q", c.name, err, c.want)
		}
	}
}
