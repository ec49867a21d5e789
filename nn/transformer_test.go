package nn

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/emberdl/ember"
)

func TestTransformerKeysAndInit(t *testing.T) {
	o := DefaultTransformerOptions()
	o.DimFeedforward = 32
	enc := NewTransformerEncoderLayer(16, 4, &o, ember.NewGenerator(1))
	want := []string{"self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight", "self_attn.out_proj.bias",
		"linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias", "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias"}
	if got := keysOf(enc); !slices.Equal(got, want) {
		t.Fatalf("encoder layer keys %v", got)
	}
	dec := NewTransformerDecoderLayer(16, 4, nil)
	if got := keysOf(dec); len(got) != 18 || got[4] != "multihead_attn.in_proj_weight" || got[17] != "norm3.bias" {
		t.Fatalf("decoder layer keys %v", got)
	}
	if got := dec.Linear1.Weight.Shape(); !slices.Equal(got, []int{2048, 16}) {
		t.Errorf("default dim_feedforward: linear1 %v", got)
	}
	checkUniform(t, "linear1.weight", enc.Linear1.Weight, 1/math.Sqrt(16))
	checkUniform(t, "linear2.weight", enc.Linear2.Weight, 1/math.Sqrt(32))
	for _, n := range []*LayerNorm{enc.Norm1, enc.Norm2} {
		for _, w := range n.Weight.Float64s() {
			if w != 1 {
				t.Fatal("norm weights must start at one")
			}
		}
		for _, b := range n.Bias.Float64s() {
			if b != 0 {
				t.Fatal("norm biases must start at zero")
			}
		}
	}
}

// TestTransformerEncoderClones checks that the stack copies the template
// layer's weights into independent layers, as PyTorch's deep copies.
func TestTransformerEncoderClones(t *testing.T) {
	o := DefaultTransformerOptions()
	o.DimFeedforward = 8
	layer := NewTransformerEncoderLayer(4, 2, &o, ember.NewGenerator(1))
	e := NewTransformerEncoder(layer, 3, true)
	if got := len(keysOf(e)); got != 3*12+2 {
		t.Fatalf("%d keys", got)
	}
	for i, l := range e.Layers {
		if !slices.Equal(l.SelfAttn.InProjWeight.Float32s(), layer.SelfAttn.InProjWeight.Float32s()) {
			t.Fatalf("layer %d does not start from the template's weights", i)
		}
		if l.Linear1.Weight == layer.Linear1.Weight || !l.Linear1.Weight.RequiresGrad() {
			t.Fatalf("layer %d shares the template's parameter or is frozen", i)
		}
	}
	ember.NoGrad(func() { e.Layers[0].Linear1.Weight.FillInPlace(0) })
	if slices.Equal(e.Layers[1].Linear1.Weight.Float32s(), e.Layers[0].Linear1.Weight.Float32s()) {
		t.Fatal("layers share memory")
	}
	if e.Norm == nil || e.Norm.Eps != 1e-5 {
		t.Fatal("final norm missing")
	}
	s, err := Summary(e, 5, 2, 4)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"layers.0 (TransformerEncoderLayer)", "layers.2.self_attn (MultiheadAttention)", "norm (LayerNorm)", "[5 2 4]"} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}
}

// TestTransformerDropoutModes checks that dropout acts in training mode
// only and that evaluation is deterministic.
func TestTransformerDropoutModes(t *testing.T) {
	o := DefaultTransformerOptions()
	o.DimFeedforward = 16
	o.Dropout = 0.3
	layer := NewTransformerDecoderLayer(8, 2, &o, ember.NewGenerator(1))
	tgt := ember.Randn([]int{3, 2, 8}, ember.NewGenerator(2))
	mem := ember.Randn([]int{4, 2, 8}, ember.NewGenerator(3))
	Eval(layer)
	a, b := layer.Forward(tgt, mem, nil), layer.Forward(tgt, mem, nil)
	if !slices.Equal(a.Float32s(), b.Float32s()) {
		t.Fatal("evaluation is not deterministic")
	}
	Train(layer)
	if ok, _ := closeTo(layer.Forward(tgt, mem, nil), a, 1e-6); ok {
		t.Fatal("training mode applied no dropout")
	}
	if !layer.SelfAttn.Training() || !layer.MultiheadAttn.Training() {
		t.Fatal("Train did not reach the attention submodules")
	}
}

func TestTransformerErrors(t *testing.T) {
	cases := []struct {
		name string
		f    func()
		want string
	}{
		{"activation", func() {
			NewTransformerEncoderLayer(8, 2, &TransformerOptions{DimFeedforward: 8, Activation: "tanh", LayerNormEps: 1e-5})
		}, "activation should be relu/gelu, not tanh"},
		{"feedforward", func() { NewTransformerDecoderLayer(8, 2, &TransformerOptions{LayerNormEps: 1e-5}) }, "DimFeedforward must be positive, got 0"},
		{"eps", func() { NewTransformerEncoderLayer(8, 2, &TransformerOptions{DimFeedforward: 8}) }, "LayerNormEps must be positive, got 0"},
		{"heads", func() { NewTransformerEncoderLayer(8, 3, nil) }, "embed_dim must be divisible by num_heads"},
		{"layers", func() { NewTransformerEncoder(NewTransformerEncoderLayer(8, 2, nil), 0, false) }, "num_layers must be at least 1, got 0"},
	}
	for _, c := range cases {
		err := ember.Catch(c.f)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.want)
		}
	}
}

func ExampleTransformerEncoder() {
	o := DefaultTransformerOptions()
	o.DimFeedforward, o.BatchFirst, o.NormFirst = 64, true, true
	layer := NewTransformerEncoderLayer(32, 4, &o, ember.NewGenerator(1))
	enc := NewTransformerEncoder(layer, 2, true)
	Eval(enc)
	x := ember.Randn([]int{3, 10, 32}, ember.NewGenerator(2)) // batch of 3, 10 tokens
	causal := ember.Ones([]int{10, 10}, ember.Bool).Triu(1)   // true: may not attend
	fmt.Println(enc.ForwardMask(x, causal, nil).Shape())
	// Output: [3 10 32]
}

func ExampleTransformerDecoderLayer() {
	o := DefaultTransformerOptions()
	o.DimFeedforward = 64
	dec := NewTransformerDecoderLayer(32, 4, &o, ember.NewGenerator(1))
	Eval(dec)
	memory := ember.Randn([]int{12, 2, 32}, ember.NewGenerator(2)) // encoder output [S, B, E]
	tgt := ember.Randn([]int{5, 2, 32}, ember.NewGenerator(3))
	out := dec.Forward(tgt, memory, &DecoderMasks{TgtMask: ember.Ones([]int{5, 5}, ember.Bool).Triu(1)})
	fmt.Println(out.Shape())
	// Output: [5 2 32]
}
